#!/usr/bin/env bash
# A federation of many DCs on this machine (docs/benchmarks.md, "25 DCs"): ScaleProcessTest with
# one server and one gateway per DC, the primary's server and gateway in JVMs of their own and the
# secondaries PER_JVM DCs to a JVM (meshfed colocate). It reports, from the test's output:
# the time to converge after the last process was ready, the primary server's CPU and the internal
# RPCs it answers per secondary (idle, and under each propagation mode), propagation p50/p99 to all
# DCs, and the memory of the primary server and of the colocated JVMs.
# Settings (environment): DCS=25 PER_JVM=6 CHANGES=100 (per mode) MODES=1100ms,0s IDLE=30s
# Output: the test's "scale:" lines on stderr, its RESULT lines on stdout; the full output in bench/target/scale/.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=scale.sh
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"

DCS="${DCS:-25}"
PER_JVM="${PER_JVM:-6}"
CHANGES="${CHANGES:-100}"
MODES="${MODES:-1100ms,0s}"
IDLE="${IDLE:-30s}"
out="$root/bench/target/scale"
rm -rf "$out"
mkdir -p "$out"

meshfed_log "$DCS DCs, $PER_JVM per JVM, $CHANGES changes per mode ($MODES), idle $IDLE; building and running (log: $out/maven.log)..."
if ! meshfed_mvn_offline_first "$out/maven.log" -B -pl integration-tests -am verify -Dtest=ScaleProcessTest \
    -Dsurefire.failIfNoSpecifiedTests=false -Dmeshfed.scale.dcs="$DCS" -Dmeshfed.scale.per-jvm="$PER_JVM" \
    -Dmeshfed.scale.changes="$CHANGES" -Dmeshfed.scale.modes="$MODES" -Dmeshfed.scale.idle="$IDLE"; then
  tail -n 40 "$out/maven.log" >&2
  meshfed_log "FAILED (log: $out/maven.log)"
  exit 1
fi
report="$root/integration-tests/target/surefire-reports/io.meshfed.it.ScaleProcessTest-output.txt"
cp "$report" "$out/output.txt"
grep '^scale: ' "$out/output.txt" >&2

# The test's RESULT lines (key=value), for bench/all.sh.
grep '^RESULT ' "$out/output.txt"
