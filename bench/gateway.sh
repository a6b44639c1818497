#!/usr/bin/env bash
# The meshfed mesh gateway against HAProxy 2.6 and nginx 1.22, all as TLS SNI passthrough routers
# (docs/benchmarks.md, "Mesh gateway vs HAProxy and nginx"). Same machine, same run, same TLS client
# and server.
#
# One bench TLS server (bench/target/meshfed-bench.jar) answers SNI server.dc2.meshfed, and the
# same bench client measures it through each target:
#   direct   the server itself, no hop: the baseline
#   haproxy  HAProxy, mode tcp, routing on req.ssl_sni (apt-get installs it when missing)
#   nginx    nginx, stream module with ssl_preread, routing on $ssl_preread_server_name (apt-get
#            installs nginx and libnginx-mod-stream when missing)
#   meshfed  `meshfed gateway` of dc1, routing server.dc2.meshfed to dc2's mesh gateway, whose WAN
#            address is the bench server (a federation state applied to a `meshfed server --dev`)
# One client JVM first runs an unrecorded warm-up round through every target; then ROUNDS rounds
# measure each target once, the order rotating from round to round; the summary shows the medians.
#
# Settings (environment):
#   TARGETS="direct haproxy nginx meshfed"   ROUNDS=5   PROXY_THREADS=$(nproc) (HAProxy nbthread,
#       nginx worker_processes, and the gateway's --io-threads when it has that flag)
#   BENCH_CLIENT_ARGS     `meshfed-bench client` flags over the script's (--total-mib 1024 --duration 5)
#       and the client's defaults, e.g. "--duration 10 --total-mib 256"
#   BENCH_JAVA_OPTS       bench client and server JVMs (default "-Xms512m -Xmx512m")
#   MESHFED_GATEWAY_JAVA_OPTS  the gateway JVM, passed as bin/meshfed's JAVA_OPTS (default "-Xms512m -Xmx512m")
#   MESHFED_GATEWAY_ARGS  extra `meshfed gateway` flags
#   MESHFED_SERVER_JAVA_OPTS   the server the gateway takes its routes from; idle while measuring
#       (default "-Xmx256m -XX:TieredStopAtLevel=1": little JIT work to steal CPU)
#   MESHFED_BASELINE_ROOT  another checkout (say, of the commit before a change): its gateway is
#       measured too, as target "baseline", in the same rounds (with meshfed in TARGETS)
# Each proxy's peak RSS (and the gateway's heap and GC pauses, from jstat) under the load are added
# to the results.
# Output: bench/target/gateway-bench/ (results.txt: the RESULT lines; summary.txt; every log).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MESHFED_SCRIPT=gateway.sh
# shellcheck source=../bin/lib/common.sh
source "$root/bin/lib/common.sh"
out="$root/bench/target/gateway-bench"
bench_jar="$root/bench/target/meshfed-bench.jar"
sni=server.dc2.meshfed

TARGETS="${TARGETS:-direct haproxy nginx meshfed}"
ROUNDS="${ROUNDS:-5}"
PROXY_THREADS="${PROXY_THREADS:-$(nproc)}"
BENCH_CLIENT_ARGS="${BENCH_CLIENT_ARGS:-}"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms512m -Xmx512m}"
MESHFED_GATEWAY_JAVA_OPTS="${MESHFED_GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m}"
MESHFED_GATEWAY_ARGS="${MESHFED_GATEWAY_ARGS:-}"
MESHFED_SERVER_JAVA_OPTS="${MESHFED_SERVER_JAVA_OPTS:--Xmx256m -XX:TieredStopAtLevel=1}"
MESHFED_BASELINE_ROOT="${MESHFED_BASELINE_ROOT:-}"

log() { printf 'gateway.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- child processes: every one is stopped on exit, Ctrl-C and TERM included ---------------------
children=()
certs=""

# alive PID: running and not a zombie waiting to be reaped.
alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ $state != Z* ]]
}

stop_child() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do
    alive "$1" || break
    sleep 0.2
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  # Newest first: the gateway before the server it watches, the proxies before the bench server.
  for ((i = ${#children[@]} - 1; i >= 0; i--)); do
    stop_child "${children[i]}"
  done
  [[ -z $certs ]] || rm -rf "$certs"
  exit "$status"
}
trap cleanup EXIT
# Background children of a script ignore SIGINT, so Ctrl-C must reach them through cleanup.
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for LOG REGEX SECONDS PID WHAT: until LOG has a line matching REGEX; fails when PID is gone.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    if ! alive "$4"; then
      tail -n 20 "$1" >&2 || true
      die "$5 exited before it was ready (log: $1)"
    fi
    ((SECONDS < deadline)) || die "$5 not ready within $3 s (log: $1)"
    sleep 0.2
  done
}

# CPU accounting, to tell how much of the machine other processes took while we measured.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4}' /proc/stat; }   # user + nice + system, all CPUs
# process_ticks PID...: user + system ticks of live processes (fields 14, 15 of /proc/PID/stat).
process_ticks() {
  local pid total=0
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] && total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
# reaped_ticks FILE: user + system ticks of this shell's waited-for children, from `times` output.
reaped_ticks() {
  tail -n 1 "$1" | awk -v hz="$(getconf CLK_TCK)" '{
    for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); s += t[1] * 60 + t[2] }
    printf "%d\n", s * hz }'
}

bench() {
  # shellcheck disable=SC2086 # the JVM options are words
  java $BENCH_JAVA_OPTS -jar "$bench_jar" "$@"
}

# bench_exec: bench, replacing the (sub)shell, so that `bench_exec ... &` leaves $! the JVM's PID.
bench_exec() {
  # shellcheck disable=SC2086
  exec java $BENCH_JAVA_OPTS -jar "$bench_jar" "$@"
}

probe() {
  bench probe --connect "127.0.0.1:$1" --sni "$sni" --certs "$certs" --timeout 30 >>"$out/probe.log" 2>&1
}

# --- build, tools --------------------------------------------------------------------------------
build_bench_jar() {
  meshfed_mvn_offline_first "$out/build.log" -B -q package -DskipTests -pl bench -am
}

rm -rf "$out"
mkdir -p "$out"
read -r -a targets <<<"$TARGETS"
wants() { [[ " ${targets[*]} " == *" $1 "* ]]; }

if [[ ! -f $bench_jar ]] || [[ -n "$(find "$root"/{pom.xml,bench/pom.xml,bench/src} "$root"/{protocol,transport}/pom.xml \
    "$root"/{protocol,transport}/src/main -newer "$bench_jar" -print -quit)" ]]; then
  log "building bench/target/meshfed-bench.jar..."
  build_bench_jar || { tail -n 40 "$out/build.log" >&2; die "build failed (log: $out/build.log)"; }
fi

# apt_install PACKAGE...: Debian's packages only; their services are not used (we run our own
# proxies as children, each with its own configuration).
apt_install() {
  log "installing $* (apt-get install -y $*)..."
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$out/apt.log" 2>&1; then
    apt-get update >>"$out/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$out/apt.log" 2>&1 ||
      die "cannot install $* (log: $out/apt.log)"
  fi
}
nginx_stream_module=/usr/lib/nginx/modules/ngx_stream_module.so
if wants haproxy && ! command -v haproxy >/dev/null; then apt_install haproxy; fi
if wants nginx && { ! command -v nginx >/dev/null || [[ ! -f $nginx_stream_module ]]; }; then
  # Debian builds the stream module (with ssl_preread) as a separate, dynamic module.
  apt_install nginx libnginx-mod-stream
fi

if wants meshfed; then
  # bin/meshfed rebuilds cli/target/meshfed.jar first when it is stale.
  "$root/bin/meshfed" --help >/dev/null || die "bin/meshfed does not run"
  # Until the command exists, picocli answers `gateway --help` with the top-level usage (exit 0).
  if ! "$root/bin/meshfed" gateway --help >"$out/gateway-help.txt" 2>&1 ||
      ! grep -q -- '--server-addr' "$out/gateway-help.txt"; then
    log "SKIPPING meshfed: 'bin/meshfed gateway --help' failed (the gateway is not built in this tree yet)"
    kept=()
    for target in "${targets[@]}"; do
      [[ $target == meshfed ]] || kept+=("$target")
    done
    targets=("${kept[@]}")
  fi
fi
if [[ -n $MESHFED_BASELINE_ROOT ]] && wants meshfed; then
  "$MESHFED_BASELINE_ROOT/bin/meshfed" --help >/dev/null || die "$MESHFED_BASELINE_ROOT/bin/meshfed does not run"
  targets+=(baseline)
fi
((${#targets[@]} > 0)) || die "no target to measure"

# --- the machine, as the docs report it ------------------------------------------------------------
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus: $(nproc); memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -n 1)"
  if wants haproxy; then echo "haproxy: $(haproxy -v | head -n 1)"; fi
  if wants nginx; then echo "nginx: $(nginx -v 2>&1 | head -n 1) ($(dpkg-query -W -f '${Version}' nginx 2>/dev/null))"; fi
  echo "proxy threads: $PROXY_THREADS; rounds: $ROUNDS; client flags: ${BENCH_CLIENT_ARGS:-(defaults)}"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt" >&2

# --- the bench server ----------------------------------------------------------------------------
certs="$(mktemp -d -t meshfed-bench-certs.XXXXXX)"
bench certs --dir "$certs" --dc dc2 >/dev/null
read -r haproxy_port nginx_port http_port grpc_port gateway_port admin_port baseline_port baseline_admin_port \
  <<<"$(bench free-ports 8)"

bench_exec server --certs "$certs" --listen 127.0.0.1:0 >"$out/bench-server.log" 2>&1 &
children+=($!)
wait_for "$out/bench-server.log" 'ready on [0-9.]+:[0-9]+ ' 60 "${children[-1]}" "the bench server"
server_port="$(sed -nE 's/.*ready on [0-9.]+:([0-9]+) .*/\1/p' "$out/bench-server.log")"
log "$(head -n 1 "$out/bench-server.log")"
declare -A port=([direct]="$server_port")
declare -A proxy_pid=()   # target → the proxy's (main) process, whose memory is reported

# --- haproxy ---------------------------------------------------------------------------------------
start_haproxy() {
  # nbthread = PROXY_THREADS, like the gateway's event loops: both proxies get the same threads.
  # Everything else is HAProxy's default (no splice, default buffers), as a deployment would start.
  cat >"$out/haproxy.cfg" <<EOF
global
  nbthread $PROXY_THREADS

defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s

frontend mesh
  bind 127.0.0.1:$haproxy_port
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend dc2_servers if { req.ssl_sni -i $sni }

backend dc2_servers
  server bench 127.0.0.1:$server_port
EOF
  haproxy -c -q -f "$out/haproxy.cfg" || die "HAProxy rejects $out/haproxy.cfg"
  haproxy -f "$out/haproxy.cfg" -db >"$out/haproxy.log" 2>&1 &
  children+=($!)
  proxy_pid[haproxy]=$!
  probe "$haproxy_port" || die "no echo through HAProxy (logs: $out/haproxy.log, $out/probe.log)"
  port[haproxy]="$haproxy_port"
  log "HAProxy up on 127.0.0.1:$haproxy_port (nbthread $PROXY_THREADS)"
}

# --- nginx ---------------------------------------------------------------------------------------
start_nginx() {
  # worker_processes = PROXY_THREADS, like HAProxy's threads. Everything else is nginx's default
  # (512 worker connections, 16 KiB proxy buffer, no reuseport), as a deployment would start.
  # An unknown name maps to no upstream: nginx then closes the connection, as the others do.
  mkdir -p "$out/nginx"
  cat >"$out/nginx.conf" <<EOF
load_module $nginx_stream_module;
worker_processes $PROXY_THREADS;
daemon off;
pid $out/nginx/nginx.pid;
error_log $out/nginx.log warn;
events {}
stream {
  map \$ssl_preread_server_name \$dc2_upstream {
    $sni 127.0.0.1:$server_port;
    default "";
  }
  server {
    listen 127.0.0.1:$nginx_port;
    ssl_preread on;
    proxy_pass \$dc2_upstream;
  }
}
EOF
  nginx -t -q -p "$out/nginx" -e "$out/nginx.log" -c "$out/nginx.conf" >>"$out/nginx.log" 2>&1 ||
    die "nginx rejects $out/nginx.conf (log: $out/nginx.log)"
  nginx -p "$out/nginx" -e "$out/nginx.log" -c "$out/nginx.conf" >>"$out/nginx.log" 2>&1 &
  children+=($!)
  proxy_pid[nginx]=$!
  probe "$nginx_port" || die "no echo through nginx (logs: $out/nginx.log, $out/probe.log)"
  port[nginx]="$nginx_port"
  log "nginx up on 127.0.0.1:$nginx_port (worker_processes $PROXY_THREADS)"
}

# --- meshfed ---------------------------------------------------------------------------------------
start_meshfed() {
  JAVA_OPTS="$MESHFED_SERVER_JAVA_OPTS" "$root/bin/meshfed" server --dev --http-port "$http_port" \
    --grpc-port "$grpc_port" >"$out/meshfed-server.log" 2>&1 &
  children+=($!)
  wait_for "$out/meshfed-server.log" '^meshfed server ready' 180 "${children[-1]}" "meshfed server"

  # dc2's one mesh gateway has the bench server as WAN address: server.dc2.meshfed routes to it.
  cat >"$out/federation-state.json" <<EOF
{"Op":"upsert","State":{"Datacenter":"dc2","MeshGateways":[{"Node":{"Node":"bench-gw","Address":"127.0.0.1","Datacenter":"dc2"},"Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":$server_port,"Meta":{"meshfed-wan-federation":"1"},"TaggedAddresses":{"lan":{"Address":"127.0.0.1","Port":$server_port},"wan":{"Address":"127.0.0.1","Port":$server_port}}},"Checks":[]}]}}
EOF
  local deadline=$((SECONDS + 60))
  until curl -sf -X PUT "http://127.0.0.1:$http_port/v1/internal/federation-state" \
      -d @"$out/federation-state.json" >>"$out/curl.log" 2>&1; do
    ((SECONDS < deadline)) || die "cannot apply the federation state of dc2 (log: $out/meshfed-server.log)"
    sleep 1
  done

  start_gateway meshfed "$root" "$gateway_port" "$admin_port"
  if [[ -n $MESHFED_BASELINE_ROOT ]]; then
    start_gateway baseline "$MESHFED_BASELINE_ROOT" "$baseline_port" "$baseline_admin_port"
  fi
}

# start_gateway TARGET ROOT PORT ADMIN_PORT: ROOT's `meshfed gateway` on PORT, routing by the server.
start_gateway() {
  local target=$1 tree=$2 listen_port=$3 admin=$4 deadline
  local threads=()
  if grep -q -- '--io-threads' "$out/gateway-help.txt"; then
    threads=(--io-threads "$PROXY_THREADS")
  else
    log "note: 'meshfed gateway' has no --io-threads; it runs with its default event loops (HAProxy: $PROXY_THREADS threads)"
  fi
  local extra=()
  read -r -a extra <<<"$MESHFED_GATEWAY_ARGS"
  local log_file="$out/$target-gateway.log"
  JAVA_OPTS="$MESHFED_GATEWAY_JAVA_OPTS" "$tree/bin/meshfed" gateway --datacenter dc1 \
    --listen "127.0.0.1:$listen_port" --server-addr "127.0.0.1:$grpc_port" \
    --admin-port "$admin" "${threads[@]}" "${extra[@]}" >"$log_file" 2>&1 &
  children+=($!)
  local gateway_pid="${children[-1]}"
  proxy_pid[$target]=$gateway_pid
  deadline=$((SECONDS + 300))
  until curl -sf "http://127.0.0.1:$admin/metrics" 2>/dev/null |
      awk '$1 ~ /^meshfed_gateway_route_table_version(\{.*\})?$/ && $2 > 0 {found = 1} END {exit !found}'; do
    alive "$gateway_pid" || die "$target gateway exited (log: $log_file)"
    ((SECONDS < deadline)) || die "$target gateway has no routing table after 300 s (log: $log_file)"
    sleep 0.5
  done
  probe "$listen_port" || die "no echo through the $target gateway (logs: $log_file, $out/probe.log)"
  port[$target]="$listen_port"
  log "$target gateway ($tree) up on 127.0.0.1:$listen_port (JAVA_OPTS: $MESHFED_GATEWAY_JAVA_OPTS)"
}

if wants haproxy; then start_haproxy; fi
if wants nginx; then start_nginx; fi
if wants meshfed; then start_meshfed; fi

# --- memory under the load ------------------------------------------------------------------------
# peak_rss_mib PID: the peak RSS (VmHWM) of PID and its child processes (nginx's workers), in MiB.
peak_rss_mib() {
  local pid total=0 kib
  for pid in "$1" $(pgrep -P "$1" || true); do
    kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kib:-0}))
  done
  awk -v k="$total" 'BEGIN {printf "%.1f\n", k / 1024}'
}

# memory_results: RESULT lines for each proxy's peak RSS since its start (the warm-up round and every
# round measured) and, from jstat, the gateway's largest heap use and its GC pauses while measuring.
memory_results() {
  local target
  for target in "${targets[@]}"; do
    [[ -n ${proxy_pid[$target]:-} ]] || continue
    echo "RESULT target=$target test=rss_peak value=$(peak_rss_mib "${proxy_pid[$target]}") unit=MiB"
  done
  [[ -s $out/gateway-jstat.txt ]] || return 0
  awk '$1 == "S0C" { for (i = 1; i <= NF; i++) col[$i] = i; next }
    col["EU"] && $1 ~ /^[0-9.]+$/ {
      used = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]
      if (used > max) max = used
      if (first == "") first = $col["GCT"]
      last = $col["GCT"]
    }
    END {
      if (first == "") exit
      printf "RESULT target=meshfed test=heap_used_max value=%.1f unit=MiB\n", max / 1024
      printf "RESULT target=meshfed test=gc_pause_total value=%.1f unit=ms\n", (last - first) * 1000
    }' "$out/gateway-jstat.txt"
}

# --- measure -------------------------------------------------------------------------------------
# One client JVM for every target and round: it warms up once (an unrecorded round through each
# target also JIT-compiles the bench server and a Java proxy), then the order rotates per round.
client_targets=()
for target in "${targets[@]}"; do
  client_targets+=(--target "$target=127.0.0.1:${port[$target]}")
done
# 1 GiB each way rather than the client's 256 MiB: at ~1 GiB/s a quarter second is too short to be
# stable. 5 s of connection rate rather than 10: on a shared machine five short rounds, whose median
# shrugs off a disturbed one or two, beat three long ones in the same time.
client_flags=(--total-mib 1024 --duration 5)
read -r -a user_flags <<<"$BENCH_CLIENT_ARGS"
client_flags+=("${user_flags[@]}")
log "measuring ${targets[*]}: a warm-up round, then $ROUNDS rounds (progress below; log: $out/client.log)"
status=0
# The gateway's heap, every second, from its perf data (jstat attaches nothing to the JVM).
if [[ -n ${proxy_pid[meshfed]:-} ]] && command -v jstat >/dev/null; then
  jstat -gc "${proxy_pid[meshfed]}" 1000 >"$out/gateway-jstat.txt" 2>&1 &
  children+=($!)
fi
long_lived=("${children[@]}")
times >"$out/times-before.txt"
busy_before=$(busy_ticks)
ours_before=$(process_ticks "${long_lived[@]}")
started=$SECONDS
# In the background and waited for: a signal to this script is handled at once, not after the run.
bench_exec client "${client_targets[@]}" --sni "$sni" --certs "$certs" --rounds "$ROUNDS" "${client_flags[@]}" \
  >"$out/client.log" 2>&1 &
client_pid=$!
children+=("$client_pid")
tail -n +1 -f --pid "$client_pid" "$out/client.log" | grep --line-buffered -v '^RESULT' >&2 &
progress_pid=$!
children+=("$progress_pid")
wait "$client_pid" || status=$?
wait "$progress_pid" || true
grep '^RESULT' "$out/client.log" >"$out/results.txt" || true
memory_results >>"$out/results.txt"
times >"$out/times-after.txt"
hz=$(getconf CLK_TCK)
others=$(($(busy_ticks) - busy_before - ($(process_ticks "${long_lived[@]}") - ours_before)
  - ($(reaped_ticks "$out/times-after.txt") - $(reaped_ticks "$out/times-before.txt"))))
((others > 0)) || others=0
awk -v o="$others" -v hz="$hz" -v wall=$((SECONDS - started)) -v n="$(nproc)" 'BEGIN {
  printf "other processes: %.0f CPU-seconds of the %d available while measuring (%.0f%% of the machine)\n",
    o / hz, wall * n, 100 * o / hz / (wall * n) }' | tee -a "$out/machine.txt" >&2

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2
echo
bench summary "$out/results.txt" | tee "$out/summary.txt"
echo "(results, logs and the HAProxy configuration: $out)"
((status == 0)) || die "some measurements failed (FAILED lines in $out/client.log)"
