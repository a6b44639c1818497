# shellcheck shell=bash
# Shared helpers for the scripts in bin/. Source it; it defines MESHFED_ROOT.

# The repository root: the parent of the bin/ directory holding these scripts,
# whatever the caller's working directory (symlinks to bin/ scripts are resolved).
MESHFED_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
export MESHFED_ROOT

# meshfed_log MSG...: one line on stderr, prefixed with the script's name.
meshfed_log() {
  printf '%s: %s\n' "${MESHFED_SCRIPT:-meshfed}" "$*" >&2
}

# meshfed_elapsed SECONDS: "1m05s" / "42s".
meshfed_elapsed() {
  local s=$1
  if (( s >= 60 )); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# meshfed_apt_install [APT-OPTION...] PACKAGE...: installs Debian packages quietly, running
# `apt-get update` first, at most once per script run; on failure logs the last lines of apt's
# output and returns 1. Callers check that we are root and that apt-get exists.
MESHFED_APT_UPDATED=false
meshfed_apt_install() {
  local log
  log="$(mktemp /tmp/meshfed-apt.XXXXXX.log)"
  if ! $MESHFED_APT_UPDATED; then
    if apt-get update -qq >"$log" 2>&1; then
      MESHFED_APT_UPDATED=true
    else
      meshfed_log "apt-get update FAILED; last 20 lines of $log:"
      tail -n 20 "$log" >&2
      return 1
    fi
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  meshfed_log "apt-get install $* FAILED; last 20 lines of $log:"
  tail -n 20 "$log" >&2
  return 1
}

# meshfed_mvn_offline_first LOG MAVEN-ARG...: runs Maven at the repository root offline, as the
# product's tests build, and online when offline resolution is what failed: a fresh clone where
# only bin/meshfed has run lacks what tests and benchmarks alone use (the epoll native library,
# HdrHistogram, test libraries), and `mvn -o` cannot fetch it. Its output goes to LOG.
meshfed_mvn_offline_first() {
  local log="$1"
  shift
  # (jansi.noreset: no stray ANSI resets from Maven 3.8 in the log)
  export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }-Djansi.noreset=true"
  (cd "$MESHFED_ROOT" && mvn -o "$@") >"$log" 2>&1 && return 0
  grep -q 'offline mode' "$log" || return 1
  meshfed_log "offline build lacks dependencies; building online (log: $log)..."
  (cd "$MESHFED_ROOT" && mvn "$@") >>"$log" 2>&1
}
