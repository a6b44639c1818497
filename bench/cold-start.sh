#!/usr/bin/env bash
# Cold start of a federation (docs/benchmarks.md, "Cold start"): `bin/meshfed demo` ROUNDS times,
# each a new federation of DCS datacenters (one server and one gateway each, all on loopback).
# Per round, from the demo's output and its logs:
#   server_ready_s     each server's ready line, from its launch (max over the DCs)
#   gateway_ready_s    each gateway's ready line, from its launch (max)
#   converged_s        convergence (every DC sees every server alive and every DC's state) after
#                      the last process was ready
#   path_to_replica_s  per secondary: from the primary's gateway routing to the primary's servers
#                      (its first route table with routes: the path exists) to the secondary's
#                      locator logging that replication delivered the primary's gateways (max)
# Settings (environment): ROUNDS=3  DCS=3  FOR=40s (how long each demo runs)
# Output: RESULT lines on stdout, then the median and max of each; demo logs in bench/target/cold-start/.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=cold-start
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"

ROUNDS="${ROUNDS:-3}"
DCS="${DCS:-3}"
FOR="${FOR:-40s}"
out="$root/bench/target/cold-start"
rm -rf "$out"
mkdir -p "$out"
"$root/bin/meshfed" --version >/dev/null   # builds the jar (and its class-data archive) when needed

ms_of() { local t="$1"; echo $(( (10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000 + 10#${t:9:3} )); }

results=()
for round in $(seq "$ROUNDS"); do
  log="$out/round-$round.txt"
  meshfed_log "round $round of $ROUNDS: bin/meshfed demo --datacenters $DCS --for $FOR"
  "$root/bin/meshfed" demo --datacenters "$DCS" --for "$FOR" --keep >"$log" 2>&1 || {
    tail -n 20 "$log" >&2; meshfed_log "round $round: the demo failed (its output: $log)"; exit 1; }
  dir="$(sed -n 's/.*logs kept in \(.*\)$/\1/p' "$log" | tail -n 1)"
  [[ -d "$dir" ]] || { meshfed_log "round $round: no kept directory in $log"; exit 1; }
  server="$(grep -o 'server \.\.\. ready (.*, [0-9.]*s after its launch)' "$log" | grep -o '[0-9.]*s after' | sed 's/s after//' | sort -n | tail -n 1)"
  gateway="$(grep -o 'gateway \.\.\. ready (.*, [0-9.]*s after its launch)' "$log" | grep -o '[0-9.]*s after' | sed 's/s after//' | sort -n | tail -n 1)"
  converged="$(grep -o '[0-9.]*s after the last process was ready' "$log" | head -n 1 | grep -o '^[0-9.]*')"
  route="$(grep -m1 'route table version [0-9]* replaces version 0 ([1-9]' "$dir/dc1-gateway.log" | cut -c1-12)"
  path=""
  for dc in $(seq 2 "$DCS"); do
    delivered="$(grep -m1 "replication delivered the primary's mesh gateways" "$dir/dc$dc-server.log" | cut -c1-12 || true)"
    [[ -n "$route" && -n "$delivered" ]] || continue
    d=$(( $(ms_of "$delivered") - $(ms_of "$route") ))
    [[ -z "$path" || "$d" -gt "$path" ]] && path="$d"
  done
  path="$(awk -v ms="${path:-}" 'BEGIN { if (ms == "") print "none"; else printf "%.1f", ms / 1000 }')"
  line="RESULT round=$round dcs=$DCS server_ready_s=$server gateway_ready_s=$gateway converged_s=${converged:-none} path_to_replica_s=$path"
  echo "$line"
  results+=("$line")
  mv "$dir" "$out/round-$round-logs"
done

printf '%s\n' "${results[@]}" | awk '
  { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[2] != "none") { v[kv[1]] = v[kv[1]] " " kv[2] } } }
  END {
    for (k in v) {
      n = split(substr(v[k], 2), a, " ")
      for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      printf "%-20s median %5.1f s  max %5.1f s  (%d rounds)\n", k, (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2), a[n], n
    }
  }' | sort
