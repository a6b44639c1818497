#!/usr/bin/env bash
# Every benchmark in bench/, one after the other, then one table of what they measured: meshfed's
# figure, and beside it each peer's with the ratio meshfed/peer (docs/benchmarks.md, "Every benchmark
# in one command"). Works on a fresh clone: each script builds what it needs.
#
# Settings (environment):
#   MEASUREMENTS="gateway dc-bootstrap cold-start footprint scale"   which ones, in this order
#   every script's own settings pass through (ROUNDS, TARGETS, BENCH_CLIENT_ARGS, ...); ROUNDS
#   applies to each script that has it (gateway.sh: 5, dc-bootstrap.sh and cold-start.sh: 3)
# Output: the table on stdout and in bench/target/all/table.txt; each script's output beside it.
#
# Adding a measurement: a function measure_NAME that runs its script (output in $out/NAME.log) and
# appends its rows to $rows, then NAME in the MEASUREMENTS default. A row is one line,
# tab-separated: measurement, unit, which is better (higher or lower), meshfed's value, then
# PEER=VALUE for each peer measured beside it (none, one or several). The table's peer columns are
# the peers named in any row, in the order they first appear.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
out="$root/bench/target/all"
rows="$out/rows.tsv"
MEASUREMENTS="${MEASUREMENTS:-gateway dc-bootstrap cold-start footprint scale}"

log() { printf 'all.sh: %s\n' "$*" >&2; }

rm -rf "$out"
mkdir -p "$out"
: >"$rows"
: >"$out/times.txt"

measure_gateway() {
  # (`|| return`: errexit does not apply inside a function called as an `if` condition)
  "$root/bench/gateway.sh" >"$out/gateway.log" || return
  cp "$root/bench/target/gateway-bench/machine.txt" "$out/gateway-machine.txt"
  java -jar "$root/bench/target/meshfed-bench.jar" summary --rows \
    "$root/bench/target/gateway-bench/results.txt" >>"$rows" || return
}

measure_dc-bootstrap() {
  ROUNDS="${ROUNDS:-3}" "$root/bench/dc-bootstrap.sh" >"$out/dc-bootstrap.log" || return
  # Per round, when the last server of a group had formed; the row is the median over the rounds.
  awk '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n == 0 ? "-" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    /^RESULT / {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      group = f["mode"] == "all" ? "all" : (f["server"] == "s1" ? "joiner" : "pair")
      key = group SUBSEP f["round"]
      if (f["formed_ms"] == "none") failed[key] = 1
      else if (!(key in last) || f["formed_ms"] + 0 > last[key]) last[key] = f["formed_ms"] + 0
    }
    END {
      # A round where a server of the group never formed has no time; it is counted instead.
      for (key in failed) { split(key, k, SUBSEP); nfailed[k[1]]++; delete last[key] }
      for (key in last) { split(key, k, SUBSEP); times[k[1]] = times[k[1]] " " last[key] }
      split("all pair joiner", order, " ")
      label["all"] = "DC formed, 3 servers launched at once"
      label["pair"] = "DC formed without its lowest server"
      label["joiner"] = "lowest server Up in the formed DC"
      for (o = 1; o <= 3; o++) {
        g = order[o]
        if (!(g in times) && !(g in nfailed)) continue
        printf "%s%s\tms\tlower\t%s\n", label[g], nfailed[g] ? " (" nfailed[g] (nfailed[g] == 1 ? " round" : " rounds") " not formed)" : "", median(times[g])
      }
    }' "$out/dc-bootstrap.log" >>"$rows"
}

measure_cold-start() {
  ROUNDS="${ROUNDS:-3}" "$root/bench/cold-start.sh" >"$out/cold-start.log" || return
  # cold-start.sh's summary: "NAME median X s  max Y s  (N rounds)"
  awk '
    $2 == "median" {
      label["server_ready_s"] = "demo: a server ready after its launch (median)"
      label["gateway_ready_s"] = "demo: a gateway ready after its launch (median)"
      label["converged_s"] = "demo: converged after the last process was ready (median)"
      label["path_to_replica_s"] = "demo: a secondary replicates after its path exists (median)"
      if ($1 in label) printf "%s\ts\tlower\t%s\n", label[$1], $3
    }' "$out/cold-start.log" >>"$rows"
}

measure_footprint() {
  "$root/bench/footprint.sh" idle 60 >"$out/footprint.log" || return
  sed -n 's/^RESULT idle-server .*rss_mib=\([0-9]*\).*/idle server RSS (bin\/meshfed server --dev, 60 s)\tMiB\tlower\t\1/p' \
    "$out/footprint.log" >>"$rows"
}

measure_scale() {
  "$root/bench/scale.sh" >"$out/scale.log" || return
  # scale.sh's RESULT lines: "RESULT scale key=value ..."
  awk '
    /^RESULT scale / {
      delete f
      for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      if ("converged_s" in f) { dcs = f["dcs"]; printf "%s DCs: converged after the last process was ready\ts\tlower\t%s\n", dcs, f["converged_s"] }
      if ("p99_ms" in f) printf "%s DCs: propagation p99, %s\tms\tlower\t%s\n", dcs, f["mode"], f["p99_ms"]
      if (f["window"] == "idle") {
        printf "%s DCs: primary server CPU, idle\t%%core\tlower\t%s\n", dcs, f["primary_cpu_pct"]
      }
      if ("primary_peak_mib" in f) printf "%s DCs: primary server peak RSS\tMiB\tlower\t%s\n", dcs, f["primary_peak_mib"]
    }' "$out/scale.log" >>"$rows"
}

status=0
for name in $MEASUREMENTS; do
  declare -F "measure_$name" >/dev/null || { log "no measurement '$name' (known: gateway dc-bootstrap cold-start footprint scale)"; exit 2; }
  log "$name: running (output: $out/$name.log)..."
  started=$SECONDS
  if "measure_$name"; then
    result=ok
  else
    result="FAILED (exit $?)"
    status=1
  fi
  took=$((SECONDS - started))
  printf '%s: %dm%02ds, %s\n' "$name" $((took / 60)) $((took % 60)) "$result" | tee -a "$out/times.txt" >&2
done

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cpus: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "commit: $(git -C "$root" log -1 --format='%h %s' 2>/dev/null || echo unknown)"
  [[ ! -f $out/gateway-machine.txt ]] || grep -E '^(haproxy|nginx|other processes|load)' "$out/gateway-machine.txt"
  echo
  awk -F '\t' '
    {
      n++; name[n] = $1; unit[n] = $2; better[n] = $3; mine[n] = $4
      for (i = 5; i <= NF; i++) {
        split($i, kv, "="); peer = kv[1]
        if (!(peer in seen)) { seen[peer] = 1; peers[++np] = peer }
        value[n, peer] = kv[2]
      }
    }
    function cell(v, r) { return v == "" ? "" : (r == "" ? v : v " (" r ")") }
    END {
      printf "%-56s %-7s %-7s %10s", "measurement", "unit", "better", "meshfed"
      for (p = 1; p <= np; p++) printf " %22s", peers[p]
      printf "\n"
      for (i = 1; i <= n; i++) {
        printf "%-56s %-7s %-7s %10s", name[i], unit[i], better[i], mine[i]
        for (p = 1; p <= np; p++) {
          v = value[i, peers[p]]; r = ""
          if (v != "" && v != "-" && mine[i] != "-" && v + 0 != 0) r = sprintf("%.2fx", mine[i] / v)
          printf " %22s", cell(v, r)
        }
        printf "\n"
      }
      printf "(beside each peer: its figure and meshfed/peer; direct is the client against the server with no hop, the limit)\n"
    }' "$rows"
  echo
  cat "$out/times.txt"
} | tee "$out/table.txt"
exit "$status"
