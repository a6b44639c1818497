#!/usr/bin/env bash
# unit-sandbox.sh DESTDIR USER COMMAND...: runs COMMAND the way systemd would run a meshfed unit's
# ExecStart on a host where packaging/install.sh installed into DESTDIR, on a machine without a
# running systemd (PackagingProcessTest). In a mount namespace of its own it builds a root where
# /usr, /etc and /var are DESTDIR's files over the host's (read-only overlays), then runs COMMAND
# in it as USER (from DESTDIR/etc/passwd) with what the units' sandbox settings ask for:
#   ProtectSystem=strict   everything read-only, except
#   ReadWritePaths         /var/lib/meshfed (DESTDIR's, bound read-write)
#   PrivateTmp             an empty /tmp of its own
#   NoNewPrivileges        setpriv --no-new-privs; no supplementary groups, no capabilities
#   UMask=0027             as both units set it
#   (and, as systemd does for every service, every signal at its default disposition)
# The other settings (PrivateDevices, the Protect*/Restrict* ones, the system-call filter of
# SystemCallArchitectures) are not reproduced. Every step is an exec, so COMMAND's JVM has this
# script's pid: signals sent to it reach the JVM, and its exit status is this script's.
set -euo pipefail

dest="$(readlink -f "${1:?usage: unit-sandbox.sh DESTDIR USER COMMAND...}")"
user="${2:?usage: unit-sandbox.sh DESTDIR USER COMMAND...}"
shift 2
entry="$(grep "^$user:" "$dest/etc/passwd" || true)"
[[ -n "$entry" ]] || { echo "unit-sandbox: no user $user in $dest/etc/passwd" >&2; exit 1; }
uid="$(cut -d: -f3 <<<"$entry")"
gid="$(cut -d: -f4 <<<"$entry")"
root="$dest/.sandbox-root"
mkdir -p "$root"

# shellcheck disable=SC2016  # expanded by the inner bash
exec unshare --mount --propagation private bash -euo pipefail -c '
  dest=$1 root=$2 uid=$3 gid=$4; shift 4
  mount -t tmpfs -o mode=0755 tmpfs "$root"
  for d in usr etc var; do
    mkdir "$root/$d"
    mount -t overlay overlay -o "lowerdir=$dest/$d:/$d" "$root/$d"
  done
  for d in bin sbin lib lib32 lib64 libx32; do
    if [[ -L "/$d" ]]; then
      ln -s "$(readlink "/$d")" "$root/$d"
    elif [[ -d "/$d" ]]; then
      mkdir "$root/$d"
      mount --rbind "/$d" "$root/$d"
      mount -o remount,bind,ro "$root/$d"
    fi
  done
  mkdir "$root/proc" "$root/dev" "$root/sys" "$root/tmp" "$root/run"
  mount --rbind /proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount --bind "$dest/var/lib/meshfed" "$root/var/lib/meshfed"
  mount -o remount,ro tmpfs "$root"
  cd "$root"
  umask 0027
  # systemd starts a service with every signal at its default disposition, whatever its own
  # parent ignored (a test run under nohup ignores SIGHUP, which ExecReload sends)
  exec chroot "$root" env --default-signal setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- "$@"
' unit-sandbox "$dest" "$root" "$uid" "$gid" "$@"
