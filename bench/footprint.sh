#!/usr/bin/env bash
# Memory of meshfed processes (docs/benchmarks.md, "Footprint").
#   bench/footprint.sh idle [SECONDS]   a development server (bin/meshfed server --dev), idle:
#                                       its RSS and peak RSS after SECONDS (default 60) of idling
#   bench/footprint.sh tests [DIR]      sums up the "memory:" lines that every process test prints
#                                       when it stops a server or gateway (RSS then, and the peak,
#                                       VmHWM, over the process's life), per test class and kind;
#                                       DIR defaults to integration-tests/target/surefire-reports,
#                                       so run the tests first (bin/test, or one class of it)
# The idle server starts like any bin/meshfed server: the shipped JVM defaults (jvm-defaults.options),
# then JAVA_OPTS (default: none, like an operator's).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=footprint
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"

status_mib() { awk -v f="$2:" '$1 == f { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

idle() {
  local seconds="${1:-60}"
  out="$(mktemp -d)"   # global: the EXIT trap uses it and pid
  "$root/bin/meshfed" server --dev --data-dir "$out/data" >"$out/server.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
  local deadline=$((SECONDS + 180))
  until grep -q "meshfed server ready" "$out/server.log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$out/server.log" >&2; meshfed_log "the server exited"; exit 1; }
    (( SECONDS < deadline )) || { meshfed_log "the server was not ready within 180 s"; exit 1; }
    sleep 0.2
  done
  meshfed_log "ready; idling ${seconds}s"
  sleep "$seconds"
  printf 'RESULT idle-server seconds=%s rss_mib=%s peak_mib=%s threads=%s java_opts="%s"\n' "$seconds" \
    "$(status_mib "$pid" VmRSS)" "$(status_mib "$pid" VmHWM)" \
    "$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")" "${JAVA_OPTS:-}"
}

tests() {
  local dir="${1:-$root/integration-tests/target/surefire-reports}"
  compgen -G "$dir/*-output.txt" >/dev/null || { meshfed_log "no test output in $dir: run the tests first"; exit 1; }
  # memory: server dc1-n1.conf pid 123: RSS 180 MiB, peak 201 MiB
  grep -H '^memory: ' "$dir"/*-output.txt | awk '
    {
      file = $1; sub(/.*\/io\.meshfed\.it\./, "", file); sub(/-output\.txt:memory:$/, "", file)
      kind = $2; rss = $(NF - 4); peak = $(NF - 1)
      key = file " " kind
      n[key]++; if (rss > maxRss[key]) maxRss[key] = rss; if (peak > maxPeak[key]) maxPeak[key] = peak
      all[kind]++; if (peak > allPeak[kind]) allPeak[kind] = peak; if (rss > allRss[kind]) allRss[kind] = rss
    }
    END {
      for (k in n) { split(k, p, " "); printf "%-40s %-8s %5d %12d %13d\n", p[1], p[2], n[k], maxRss[k], maxPeak[k] }
      for (k in all) printf "RESULT tests kind=%s processes=%d max_rss_mib=%d max_peak_mib=%d\n", k, all[k], allRss[k], allPeak[k]
    }' | sort -k1,1 -k2,2 | { printf "%-40s %-8s %5s %12s %13s\n" TEST KIND PROCS "MAX RSS MiB" "MAX PEAK MiB"; cat; }
}

case "${1:-}" in
  idle) shift; idle "$@" ;;
  tests) shift; tests "$@" ;;
  *) echo "usage: bench/footprint.sh idle [SECONDS] | tests [DIR]" >&2; exit 2 ;;
esac
