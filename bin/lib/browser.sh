# shellcheck shell=bash
# A real browser for the federation map's test: Debian's `chromium` and `chromium-driver` (the
# driver Selenium talks to; the test points Selenium at it, so Selenium never downloads one).
# Source it, then call `meshfed_browser_provision`.
#
# When one is missing and we are root with apt-get, installs Debian's packages. Otherwise says
# what to install and carries on: the browser test skips itself then, except under CI=true, where
# it fails (see Prerequisites in the integration tests).
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

meshfed_browser_provision() {
  if command -v chromium >/dev/null 2>&1 && [[ -x /usr/bin/chromedriver ]]; then
    return 0
  fi
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the federation map's browser test needs chromium and chromium-driver: installing Debian's packages (apt-get)..."
    meshfed_apt_install --no-install-recommends chromium chromium-driver && hash -r && return 0
  fi
  meshfed_log "the federation map's browser test needs Debian's chromium and chromium-driver packages; it skips without them"
  return 0
}
