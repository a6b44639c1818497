# shellcheck shell=bash
# The command-line clients the tests drive a real server and gateway with: `curl` (the HTTPS API,
# with and without a client certificate) and `openssl s_client` (TLS through a mesh gateway); and
# `promtool` (Debian's `prometheus` package), which checks the metrics scrapes, the alert rules
# and their unit tests. Source it, then call `meshfed_tools_provision`.
#
# When one is missing and we are root with apt-get, installs Debian's package; otherwise stops
# with a line that says what to install, since the tests that need them cannot pass without them.
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

meshfed_tools_provision() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [[ -x /usr/bin/openssl ]] || missing+=(openssl)
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the TLS tests need ${missing[*]}: installing Debian's packages (apt-get)..."
    meshfed_apt_install --no-install-recommends "${missing[@]}" ca-certificates && hash -r && return 0
  fi
  meshfed_log "the TLS tests need ${missing[*]}: install the Debian packages of the same names"
  return 1
}

# meshfed_promtool_provision: installs Debian's `prometheus` package (for its promtool) when missing
# and we are root with apt-get. Never stops the run: without promtool, MetricsProcessTest and
# MonitoringRulesTest skip themselves, or fail with CI=true, like the PostgreSQL tests.
meshfed_promtool_provision() {
  command -v promtool >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the metrics tests need promtool: installing Debian's prometheus package (apt-get)..."
    # --no-install-recommends: promtool only; the package's service is never started by the tests
    meshfed_apt_install --no-install-recommends prometheus && hash -r && return 0
  fi
  meshfed_log "promtool not found (Debian package prometheus): the metrics tests skip themselves (with CI=true they fail)"
  return 0
}

# meshfed_packaging_provision: the tools PackagingProcessTest checks and runs the systemd units
# with: systemd-analyze and systemd-sysusers (Debian's `systemd` package; nothing is started, a
# container without systemd running is fine). Installs it when missing and we are root with
# apt-get. Never stops the run: without them the test skips itself, or fails with CI=true.
meshfed_packaging_provision() {
  command -v systemd-analyze >/dev/null 2>&1 && command -v systemd-sysusers >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the packaging test needs systemd-analyze and systemd-sysusers: installing Debian's systemd package (apt-get)..."
    meshfed_apt_install --no-install-recommends systemd && hash -r && return 0
  fi
  meshfed_log "systemd-analyze or systemd-sysusers not found (Debian package systemd): PackagingProcessTest skips itself (with CI=true it fails)"
  return 0
}
