# shellcheck shell=bash
# The command-line clients the tests drive a real server and gateway with: `curl` (the HTTPS API,
# with and without a client certificate), `openssl s_client` (TLS through a mesh gateway) and
# `promtool` (checks the metrics scrape, the alert rules and their unit tests; Debian's
# `prometheus` package).
# Source it, then call `meshfed_tools_provision`.
#
# When one is missing and we are root with apt-get, installs Debian's package; otherwise stops
# with a line that says what to install, since the tests that need them cannot pass without them.
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

meshfed_tools_provision() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [[ -x /usr/bin/openssl ]] || missing+=(openssl)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the TLS and metrics tests need ${missing[*]}: installing Debian's packages (apt-get)..."
    meshfed_apt_install --no-install-recommends "${missing[@]}" ca-certificates && hash -r && return 0
  fi
  meshfed_log "the TLS and metrics tests need ${missing[*]}: install the Debian packages of the same names"
  return 1
}
