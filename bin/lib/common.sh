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
