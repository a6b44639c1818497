# shellcheck shell=bash
# Node.js for the test suite's Node.js client test (clients/node, NodeClientProcessTest). Source
# it, then call `meshfed_node_provision`.
#
# When `node` or `npm` is missing and we are root with apt-get, installs Debian's `nodejs` and/or
# `npm` package (only the missing ones: a NodeSource nodejs already brings its own npm).
# Otherwise logs that the test will be skipped (with CI=true the test fails instead). Silent
# apart from one log line when both are already there.
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

# shellcheck disable=SC2034  # read by bin/test
MESHFED_NODE_SOURCE=""

meshfed_node_notice() {
  {
    echo "!!!"
    if [[ "${CI:-}" == "true" ]]; then
      echo "!!! Node.js client test will FAIL (CI=true): $*"
    else
      echo "!!! Node.js client test will be SKIPPED: $*"
    fi
    echo "!!! (install Node.js and npm, or run as root to have Debian's packages installed)"
    echo "!!!"
  } >&2
}

meshfed_node_provision() {
  local missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if (( ${#missing[@]} > 0 )); then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      meshfed_log "Node.js client test needs node and npm: installing Debian's ${missing[*]} (apt-get)..."
      meshfed_apt_install --no-install-recommends "${missing[@]}" ||
        { meshfed_node_notice "installing ${missing[*]} failed"; return 0; }
      hash -r
      if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        meshfed_node_notice "no node or npm on PATH even after installing ${missing[*]}"
        return 0
      fi
    else
      meshfed_node_notice "${missing[*]} not installed and we are not root with apt-get"
      return 0
    fi
  fi
  # shellcheck disable=SC2034
  MESHFED_NODE_SOURCE="$(node --version 2>/dev/null) at $(command -v node)"
}
