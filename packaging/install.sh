#!/usr/bin/env bash
# Installs meshfed on a host with systemd (docs/deploying.md, "Installing on a host"):
#
#   /usr/lib/meshfed/meshfed.jar, jvm-defaults.options     the runnable jar and its JVM defaults
#   /usr/bin/meshfed                                       the launcher (packaging/bin/meshfed)
#   /usr/lib/systemd/system/meshfed-{server,gateway}.service
#   /usr/lib/sysusers.d/meshfed.conf                       the system user meshfed
#   /etc/meshfed/server.conf, server.env, gateway.env      only where missing: never overwritten
#   /var/lib/meshfed                                       the data dir, meshfed's, mode 0750
#
#   packaging/install.sh [--jar PATH]       # default: cli/target/meshfed.jar (bin/meshfed version builds it)
#   DESTDIR=/tmp/root packaging/install.sh  # into a staging root: the user is created in
#                                           # DESTDIR/etc/passwd, the host's is left alone
#
# It needs root (owners), Java 17 on the target host (JAVA_HOME or java on PATH), and
# systemd-sysusers or useradd. It enables and starts nothing: see the docs for systemctl.
set -euo pipefail

MESHFED_SCRIPT=install
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=bin/lib/common.sh
source "$here/../bin/lib/common.sh"

jar="$MESHFED_ROOT/cli/target/meshfed.jar"
while (( $# )); do
  case "$1" in
    --jar) jar="${2:?--jar needs a path}"; shift 2 ;;
    *) meshfed_log "usage: [DESTDIR=DIR] packaging/install.sh [--jar PATH]"; exit 2 ;;
  esac
done
[[ -f "$jar" ]] || { meshfed_log "$jar is missing: build it first (bin/meshfed version, or mvn -pl cli -am package)"; exit 1; }
(( EUID == 0 )) || { meshfed_log "run as root: the data dir and configuration get the meshfed user's owner"; exit 1; }

dest="${DESTDIR:-}"
dest="${dest%/}"
defaults="$MESHFED_ROOT/cli/src/main/resources/io/meshfed/cli/launch/jvm-defaults.options"

install -D -m 0644 "$jar" "$dest/usr/lib/meshfed/meshfed.jar"
install -D -m 0644 "$defaults" "$dest/usr/lib/meshfed/jvm-defaults.options"
install -D -m 0755 "$here/bin/meshfed" "$dest/usr/bin/meshfed"
for unit in meshfed-server.service meshfed-gateway.service; do
  install -D -m 0644 "$here/systemd/$unit" "$dest/usr/lib/systemd/system/$unit"
done
install -D -m 0644 "$here/sysusers.d/meshfed.conf" "$dest/usr/lib/sysusers.d/meshfed.conf"

# The user: systemd-sysusers reads the same file systemd would at boot; --root keeps a staging
# install's user out of the host's /etc/passwd.
install -d -m 0755 "$dest/etc"
if command -v systemd-sysusers >/dev/null; then
  if [[ -n "$dest" ]]; then
    systemd-sysusers --root="$dest" "$dest/usr/lib/sysusers.d/meshfed.conf"
  else
    systemd-sysusers /usr/lib/sysusers.d/meshfed.conf
  fi
elif [[ -z "$dest" ]]; then
  getent passwd meshfed >/dev/null || useradd --system --user-group --home-dir /var/lib/meshfed \
    --shell /usr/sbin/nologin --comment meshfed meshfed
else
  meshfed_log "systemd-sysusers is missing: cannot create the meshfed user under DESTDIR=$dest"
  exit 1
fi
# Numeric ids from the target's own passwd file, so that a staging root's owners are its user's.
passwd_entry="$(grep '^meshfed:' "$dest/etc/passwd" || true)"
[[ -n "$passwd_entry" ]] || { meshfed_log "no meshfed user in $dest/etc/passwd after creating it"; exit 1; }
uid="$(cut -d: -f3 <<<"$passwd_entry")"
gid="$(cut -d: -f4 <<<"$passwd_entry")"

# Configuration: root's, readable by the meshfed group (it may hold passwords and tokens).
install -d -m 0755 "$dest/etc/meshfed"
for f in server.conf server.env gateway.env; do
  if [[ -e "$dest/etc/meshfed/$f" ]]; then
    meshfed_log "kept the existing /etc/meshfed/$f"
  else
    install -m 0640 -o 0 -g "$gid" "$here/etc/$f" "$dest/etc/meshfed/$f"
  fi
done
install -d -m 0750 -o "$uid" -g "$gid" "$dest/var/lib/meshfed"

meshfed_log "installed into ${dest:-/} (user meshfed, uid $uid)"
if [[ -z "$dest" && -d /run/systemd/system ]]; then
  systemctl daemon-reload
  meshfed_log "next: edit /etc/meshfed/server.conf, then systemctl enable --now meshfed-server"
fi
