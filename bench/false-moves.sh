#!/usr/bin/env bash
# False fail-overs on a busy machine (docs/benchmarks.md, "DC store fail-over"): a DC of three
# servers on PostgreSQL is left alone while the whole test suite (bin/test, in a clone of this
# checkout's HEAD) loads the machine; every 500 ms each server must name the same store host, and
# no server may log a crash-probe down, a split-brain decision or a singleton start
# (DcFailoverProcessTest.aDcLeftAloneOnABusyMachineMovesNothing).
# Settings (environment): WATCH=25m (how long the DC is watched; longer than bin/test takes).
# Output: the watch's line and bin/test's summary on stdout; logs in bench/target/false-moves/.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=false-moves.sh
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"
# shellcheck source=../bin/lib/pg.sh
source "$root/bin/lib/pg.sh"

WATCH="${WATCH:-25m}"
out="$root/bench/target/false-moves"
rm -rf "$out"
mkdir -p "$out"
clone="$(mktemp -d /tmp/meshfed-false-moves.XXXXXX)"
watch_pid=""
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  [[ -z "$watch_pid" ]] || kill "$watch_pid" 2>/dev/null || true
  rm -rf "$clone"
  meshfed_pg_teardown
}
MESHFED_PG_SOURCE=""
meshfed_pg_provision
trap cleanup EXIT
[[ -n "${MESHFED_TEST_PG_URL:-}" ]] || { meshfed_log "no PostgreSQL: the watched DC needs one"; exit 1; }

meshfed_log "building this checkout's test classes (log: $out/build.log)..."
meshfed_mvn_offline_first "$out/build.log" -B -q -DskipTests -pl integration-tests -am install \
  || { tail -n 40 "$out/build.log" >&2; exit 1; }
meshfed_log "watching a DC of 3 servers for $WATCH (log: $out/watch.log)..."
(cd "$root" && mvn -o -B -pl integration-tests verify -Dtest='DcFailoverProcessTest#aDcLeftAlone*' \
  -Dsurefire.failIfNoSpecifiedTests=false -Dmeshfed.failover.watch="$WATCH" -Dmeshfed.fork-timeout=7200) \
  >"$out/watch.log" 2>&1 &
watch_pid=$!

git clone -q "$root" "$clone/project"
meshfed_log "bin/test in a clone of $(git -C "$root" log -1 --format=%h) (log: $out/bin-test.log)..."
suite=0
"$clone/project/bin/test" >"$out/bin-test.log" 2>&1 || suite=$?
grep -E '^tests: ' "$out/bin-test.log" || tail -n 5 "$out/bin-test.log"
meshfed_log "bin/test exited with $suite; waiting for the watch to end..."
watched=0
wait "$watch_pid" || watched=$?
watch_pid=""
report="$root/integration-tests/target/surefire-reports/io.meshfed.it.DcFailoverProcessTest-output.txt"
grep -h 'left alone' "$report" 2>/dev/null || grep -E 'Tests run|FAIL|expected' "$out/watch.log" | head -n 20
meshfed_log "watch exited with $watched"
exit $(( watched != 0 ? watched : suite ))
