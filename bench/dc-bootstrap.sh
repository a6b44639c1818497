#!/usr/bin/env bash
# Forming a DC (docs/benchmarks.md, "Forming a DC"): three `meshfed server` processes of one DC on
# a PostgreSQL journal, each naming all three in retry-join, bootstrap-expect 2. Per round, a new DC:
#   all            the three launched at once
#   lowest-absent  the two higher-addressed ones launched; once they have formed, the lowest one
# Measured from each launch: the ready line, and the moment the server lists the expected servers
# as alive (GET /v1/agent/members: the cluster has formed and it is Up in it).
#
# Settings (environment): MODES="all lowest-absent"  ROUNDS=5
#   MESHFED_SERVER_JAVA_OPTS  each server JVM (default "-Xmx256m -XX:TieredStopAtLevel=1")
#   MESHFED_TEST_PG_URL (+ _USER, _PASSWORD)  an existing PostgreSQL; otherwise a throwaway one
# Output: one RESULT line per server and round on stdout; logs in bench/target/dc-bootstrap/.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=dc-bootstrap
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"
# shellcheck source=../bin/lib/pg.sh
source "$root/bin/lib/pg.sh"

MODES="${MODES:-all lowest-absent}"
ROUNDS="${ROUNDS:-5}"
export JAVA_OPTS="${MESHFED_SERVER_JAVA_OPTS:--Xmx256m -XX:TieredStopAtLevel=1}"
out="$root/bench/target/dc-bootstrap"
rm -rf "$out"
mkdir -p "$out"

MESHFED_PG_SOURCE=""
meshfed_pg_provision
[[ -n "${MESHFED_TEST_PG_URL:-}" ]] || { meshfed_log "no PostgreSQL: cannot run"; exit 1; }
"$root/bin/meshfed" --help >/dev/null   # builds the jar first when needed

pids=()
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; meshfed_pg_teardown' EXIT

now_ms() { date +%s%3N; }

# alive HTTP_PORT: how many servers that server lists as alive (0 while it cannot answer).
alive() {
  curl -s --max-time 2 "http://127.0.0.1:$1/v1/agent/members" 2>/dev/null | grep -Eo '"Status" *: *"alive"' | wc -l
}

# launch DIR NAME: starts server NAME in the background.
launch() {
  "$root/bin/meshfed" server --config-file "$1/$2.conf" >"$1/$2.out" 2>"$1/$2.log" &
  pids+=("$!")
}

# measure DIR NAME HTTP_PORT START_MS EXPECTED MODE ROUND: waits, writes the RESULT line to
# DIR/NAME.result (run in the background, one per server, so that each is timed on its own).
measure() {
  measure_one "$@" >"$1/$2.result"
}
measure_one() {
  local dir=$1 name=$2 http=$3 start=$4 expected=$5 ready="" formed="" t
  for (( i = 0; i < 1200; i++ )); do
    t=$(now_ms)
    if [[ -z "$ready" ]] && grep -q '^meshfed server ready' "$dir/$name.out"; then ready=$(( t - start )); fi
    if [[ -n "$ready" ]] && (( $(alive "$http") == expected )); then formed=$(( t - start )); break; fi
    sleep 0.05
  done
  echo "RESULT mode=$6 round=$7 server=$name ready_ms=${ready:-none} formed_ms=${formed:-none}"
}

for mode in $MODES; do
  for (( round = 1; round <= ROUNDS; round++ )); do
    dir="$out/$mode-$round"
    mkdir -p "$dir"
    dc="boot$RANDOM$RANDOM"
    # Three LAN ports, sorted as text (the order every server computes): s1 has the lowest address.
    mapfile -t lans < <(for _ in 1 2 3; do meshfed_pg_free_port; done | sort)
    seeds="\"127.0.0.1:${lans[0]}\", \"127.0.0.1:${lans[1]}\", \"127.0.0.1:${lans[2]}\""
    declare -A http=()
    for i in 1 2 3; do
      http[s$i]=$(meshfed_pg_free_port)
      cat >"$dir/s$i.conf" <<EOF
meshfed {
  datacenter = $dc, primary-datacenter = $dc, node-name = s$i, data-dir = "$dir/data-s$i"
  bind-address = 127.0.0.1
  ports { http = ${http[s$i]}, grpc = $(meshfed_pg_free_port), server = $(meshfed_pg_free_port), lan = ${lans[$((i - 1))]} }
  retry-join = [$seeds]
  bootstrap-expect = 2
  persistence { journal = postgres, postgres { url = "$MESHFED_TEST_PG_URL", user = "$MESHFED_TEST_PG_USER", password = "$MESHFED_TEST_PG_PASSWORD" } }
}
EOF
    done
    if [[ "$mode" == all ]]; then first=(s1 s2 s3); expected=3; else first=(s2 s3); expected=2; fi
    start=$(now_ms)
    for s in "${first[@]}"; do launch "$dir" "$s"; done
    timers=()
    for s in "${first[@]}"; do measure "$dir" "$s" "${http[$s]}" "$start" "$expected" "$mode" "$round" & timers+=("$!"); done
    wait "${timers[@]}"
    if [[ "$mode" != all ]]; then
      start=$(now_ms)
      launch "$dir" s1
      measure "$dir" s1 "${http[s1]}" "$start" 3 "$mode" "$round"
    fi
    cat "$dir"/*.result
    stop_servers
  done
done
