# shellcheck shell=bash
# PostgreSQL for the test suite. Source it, then call `meshfed_pg_provision`.
#
# Afterwards MESHFED_TEST_PG_URL / _USER / _PASSWORD are exported, or (when no
# server could be had) left unset with a loud notice: the PostgreSQL tests then
# skip themselves.
#
#  1. MESHFED_TEST_PG_URL already set: used as it is (nothing started).
#  2. Otherwise a throwaway cluster: installs Debian's `postgresql` package if
#     there is no initdb and we are root; `initdb` into a fresh temp dir (as the
#     `postgres` user when root: PostgreSQL refuses to run as root), starts it on
#     a free port on 127.0.0.1 with its socket in that dir, creates role and
#     database `meshfed` (password `meshfed`). `meshfed_pg_teardown` (also run by
#     the EXIT/INT/TERM traps set here) stops it and removes the dir.
#
# Needs meshfed_log and meshfed_apt_install from common.sh.

MESHFED_PG_BASE=""      # temp dir of the throwaway cluster ("" = none started)
MESHFED_PG_DATA=""
MESHFED_PG_BIN=""
MESHFED_PG_OWNER=""     # OS user running the cluster

meshfed_pg_notice() {
  {
    echo "!!!"
    echo "!!! PostgreSQL tests will be SKIPPED: $*"
    echo "!!! (set MESHFED_TEST_PG_URL, MESHFED_TEST_PG_USER, MESHFED_TEST_PG_PASSWORD"
    echo "!!!  to use an existing server, or run as root to provision one)"
    echo "!!!"
  } >&2
}

# Runs a command as the cluster owner, from / (the caller's cwd may be
# unreadable to postgres, e.g. under /root).
meshfed_pg_as_owner() {
  if [[ "$MESHFED_PG_OWNER" == "$(id -un)" ]]; then
    (cd / && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$MESHFED_PG_OWNER" -- "$@")
  else
    local q
    q="$(printf '%q ' "$@")"
    (cd / && su "$MESHFED_PG_OWNER" -s /bin/sh -c "$q")
  fi
}

# Directory holding initdb/pg_ctl/postgres/psql: the newest Debian version, else PATH.
meshfed_pg_find_bin() {
  local d
  d="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$d" ]]; then
    dirname "$d"
  elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  else
    return 1
  fi
}

meshfed_pg_install() {
  meshfed_log "PostgreSQL not installed: installing Debian's postgresql package (apt-get)..."
  meshfed_apt_install postgresql
}

# A TCP port nobody listens on (127.0.0.1), from a random start in 20000 up to the kernel's
# ephemeral range (32768 by default), exclusive: a port in that range can become the local end of
# any outgoing connection between this check and the bind, which then fails (seen as "address
# already in use" in bench/dc-bootstrap.sh on a busy machine).
meshfed_pg_free_port() {
  local port i top
  top="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true)"
  [[ "$top" =~ ^[0-9]+$ ]] && (( top > 21000 )) || top=60000
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % (top - 20000) ))
  for (( i = 0; i < 200; i++ )); do
    if command -v ss >/dev/null 2>&1; then
      if [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]; then
        echo "$port"; return 0
      fi
    elif ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
    port=$(( port + 1 )); (( port < top )) || port=20000
  done
  return 1
}

meshfed_pg_teardown() {
  [[ -n "$MESHFED_PG_BASE" ]] || return 0
  local base=$MESHFED_PG_BASE pid=""
  MESHFED_PG_BASE=""
  if [[ -f "$MESHFED_PG_DATA/postmaster.pid" ]]; then
    pid="$(head -n 1 "$MESHFED_PG_DATA/postmaster.pid" 2>/dev/null || true)"
    if ! meshfed_pg_as_owner "$MESHFED_PG_BIN/pg_ctl" -D "$MESHFED_PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
      # pg_ctl could not stop it: end the postmaster we started, by its pid.
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "$base"
  meshfed_log "PostgreSQL stopped and removed"
}

# Clusters left behind by runs that were killed outright (SIGKILL: no trap
# runs): stop and remove those whose owning script is gone. Clusters of runs
# still going (e.g. in another worktree) are left alone.
meshfed_pg_sweep() {
  local d owner
  for d in /tmp/meshfed-pg.*; do
    [[ -d "$d" && -f "$d/owner.pid" ]] || continue
    owner="$(cat "$d/owner.pid" 2>/dev/null || true)"
    [[ "$owner" =~ ^[0-9]+$ ]] || continue
    kill -0 "$owner" 2>/dev/null && continue
    meshfed_log "removing PostgreSQL cluster $d left by a killed run (pid $owner)"
    if [[ -f "$d/data/postmaster.pid" ]]; then
      (MESHFED_PG_OWNER="$(stat -c %U "$d")"
       meshfed_pg_as_owner "$MESHFED_PG_BIN/pg_ctl" -D "$d/data" -m immediate -w -t 30 stop >/dev/null 2>&1) || true
    fi
    rm -rf "$d"
  done
}

meshfed_pg_provision() {
  if [[ -n "${MESHFED_TEST_PG_URL:-}" ]]; then
    export MESHFED_TEST_PG_URL MESHFED_TEST_PG_USER="${MESHFED_TEST_PG_USER:-meshfed}" \
           MESHFED_TEST_PG_PASSWORD="${MESHFED_TEST_PG_PASSWORD:-meshfed}"
    # shellcheck disable=SC2034  # read by bin/test
    MESHFED_PG_SOURCE="given by MESHFED_TEST_PG_URL"
    return 0
  fi

  local root=false
  [[ "$(id -u)" -eq 0 ]] && root=true

  if ! MESHFED_PG_BIN="$(meshfed_pg_find_bin)"; then
    if $root && command -v apt-get >/dev/null 2>&1; then
      meshfed_pg_install || { meshfed_pg_notice "installing the postgresql package failed"; return 0; }
      MESHFED_PG_BIN="$(meshfed_pg_find_bin)" ||
        { meshfed_pg_notice "no initdb even after installing postgresql"; return 0; }
    else
      meshfed_pg_notice "PostgreSQL is not installed and we are not root (cannot apt-get install postgresql)"
      return 0
    fi
  fi

  if $root; then
    if ! id postgres >/dev/null 2>&1; then
      meshfed_pg_notice "running as root but there is no 'postgres' user to run the server as"
      return 0
    fi
    MESHFED_PG_OWNER=postgres
  else
    MESHFED_PG_OWNER="$(id -un)"
  fi

  # Tear down on any exit; a signal exits (which runs the EXIT trap). Callers
  # may replace the INT/TERM traps, as long as they end in `exit`.
  meshfed_pg_sweep

  trap meshfed_pg_teardown EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  MESHFED_PG_BASE="$(mktemp -d /tmp/meshfed-pg.XXXXXX)"
  MESHFED_PG_DATA="$MESHFED_PG_BASE/data"
  echo "$$" >"$MESHFED_PG_BASE/owner.pid"
  chown "$MESHFED_PG_OWNER": "$MESHFED_PG_BASE"
  local log="$MESHFED_PG_BASE/server.log"

  if ! meshfed_pg_as_owner "$MESHFED_PG_BIN/initdb" -D "$MESHFED_PG_DATA" -U postgres -E UTF8 --no-locale \
         --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$MESHFED_PG_BASE/initdb.log" 2>&1; then
    meshfed_log "initdb FAILED:"; tail -n 20 "$MESHFED_PG_BASE/initdb.log" >&2
    meshfed_pg_teardown
    meshfed_pg_notice "initdb failed (see above)"
    return 0
  fi

  # Start; retry on another port if the chosen one was taken meanwhile.
  local port="" attempt started=false
  for attempt in 1 2 3; do
    port="$(meshfed_pg_free_port)" || break
    # Durability is pointless for a throwaway cluster: trade it for speed.
    if meshfed_pg_as_owner "$MESHFED_PG_BIN/pg_ctl" -D "$MESHFED_PG_DATA" -l "$log" -w -t 60 \
         -o "-p $port -k $MESHFED_PG_BASE -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
         start >/dev/null 2>&1; then
      started=true; break
    fi
    meshfed_log "PostgreSQL did not start on port $port (attempt $attempt)"
  done
  if ! $started; then
    meshfed_log "PostgreSQL server log:"; tail -n 20 "$log" >&2 2>/dev/null || true
    meshfed_pg_teardown
    meshfed_pg_notice "the throwaway PostgreSQL cluster did not start (see above)"
    return 0
  fi

  if ! meshfed_pg_as_owner "$MESHFED_PG_BIN/psql" -X -q -h "$MESHFED_PG_BASE" -p "$port" -U postgres -d postgres \
         -v ON_ERROR_STOP=1 -c "CREATE ROLE meshfed LOGIN PASSWORD 'meshfed'" \
         -c "CREATE DATABASE meshfed OWNER meshfed" >"$MESHFED_PG_BASE/psql.log" 2>&1; then
    meshfed_log "creating role/database meshfed FAILED:"; cat "$MESHFED_PG_BASE/psql.log" >&2
    meshfed_pg_teardown
    meshfed_pg_notice "could not create role/database meshfed"
    return 0
  fi

  export MESHFED_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$port/meshfed"
  export MESHFED_TEST_PG_USER=meshfed MESHFED_TEST_PG_PASSWORD=meshfed
  # shellcheck disable=SC2034  # read by bin/test
  MESHFED_PG_SOURCE="throwaway cluster $("$MESHFED_PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}') in $MESHFED_PG_BASE"
}
