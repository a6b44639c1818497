# shellcheck shell=bash
# iptables for the network-cut scenario (NetworkCut, FailureScenariosProcessTest's scenario (e)).
# Source it, then call `meshfed_iptables_provision`.
#
# When `iptables` is missing and we are root with apt-get, installs Debian's `iptables` package.
# Otherwise logs that the scenario will be skipped (with CI=true it fails instead). Silent when
# iptables is already there.
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

meshfed_iptables_notice() {
  {
    echo "!!!"
    if [[ "${CI:-}" == "true" ]]; then
      echo "!!! network-cut scenario will FAIL (CI=true): $*"
    else
      echo "!!! network-cut scenario will be SKIPPED: $*"
    fi
    echo "!!! (install iptables and run as root)"
    echo "!!!"
  } >&2
}

# iptables on the PATH, or where Debian puts it (a PATH without the sbin directories is common).
meshfed_iptables_present() {
  command -v iptables >/dev/null 2>&1 || [[ -x /usr/sbin/iptables || -x /sbin/iptables ]]
}

meshfed_iptables_provision() {
  meshfed_iptables_present && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    meshfed_log "the network-cut scenario needs iptables: installing Debian's iptables (apt-get)..."
    meshfed_apt_install --no-install-recommends iptables ||
      { meshfed_iptables_notice "installing iptables failed"; return 0; }
    hash -r
    meshfed_iptables_present || meshfed_iptables_notice "no iptables even after installing it"
  else
    meshfed_iptables_notice "iptables not installed and we are not root with apt-get"
  fi
}
