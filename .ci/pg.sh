#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests (CI and developers).
#
#   .ci/pg.sh start   create a fresh cluster in $PG_DIR, start it on a free loopback port, create $PG_DB,
#                     print the connection URL on stdout (everything else goes to stderr):
#                       export TEST_PG_URL="$(.ci/pg.sh start)"
#   .ci/pg.sh url     print the URL of the running cluster
#   .ci/pg.sh stop    stop the cluster and delete $PG_DIR (it is throwaway)
#
# Only a PG_DIR this script created (it holds a marker file) is ever stopped or deleted.
#
# Environment: PG_DIR (default ${TMPDIR:-/tmp}/jellyfin-sso-pg), PG_PORT (first port tried, default 55432),
# PG_DB (default sso_test), PG_DURABLE=1 (keep fsync, synchronous_commit and full_page_writes on, as in
# production; the default turns them off for speed). Needs the PostgreSQL server binaries (Debian: apt-get install postgresql; they
# live in /usr/lib/postgresql/<ver>/bin, which is not on PATH). initdb refuses to run as root, so as root
# the cluster is owned by the `postgres` user. Trust auth, listening on 127.0.0.1 only.
set -euo pipefail

PG_DIR="${PG_DIR:-${TMPDIR:-/tmp}/jellyfin-sso-pg}"
PG_PORT="${PG_PORT:-55432}"
PG_DB="${PG_DB:-sso_test}"
SPEED_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [[ "${PG_DURABLE:-}" == 1 ]]; then SPEED_OPTIONS=""; fi
PG_USER=postgres

log() { printf '[pg] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Directory holding initdb/pg_ctl: PATH first, else the newest Debian versioned directory.
find_bin() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    if [[ -x "$d/initdb" && -x "$d/postgres" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  done
  return 1
}

# Run a PostgreSQL binary as the cluster owner (postgres when we are root, else ourselves).
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

url_for() { printf 'postgres://%s@127.0.0.1:%s/%s\n' "$PG_USER" "$1" "$PG_DB"; }

# Every cluster this script makes carries this file; a PG_DIR without it is someone else's and is never
# stopped or deleted (a mistyped PG_DIR must not wipe a real database or a home folder).
MARKER=.jellyfin-sso-throwaway-cluster

refuse_foreign_dir() {
  if [[ -e "$PG_DIR" && ! -f "$PG_DIR/$MARKER" ]] && [[ -n "$(ls -A "$PG_DIR" 2>/dev/null)" || ! -d "$PG_DIR" ]]; then
    die "$PG_DIR exists and was not created by $0: refusing to touch it (set PG_DIR to a new folder)"
  fi
}

stop_cluster() {
  local bin="$1"
  if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
    log "stopping cluster in $PG_DIR"
    as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 ||
      as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >&2 || true
  fi
}

cmd_start() {
  local bin port
  bin="$(find_bin)" || die "PostgreSQL server binaries not found (Debian: apt-get install -y postgresql)"
  log "using $bin ($("$bin/postgres" --version))"

  # Idempotent: a leftover cluster from an earlier run in the same directory is stopped and wiped — only
  # one this script made.
  refuse_foreign_dir
  stop_cluster "$bin"
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  touch "$PG_DIR/$MARKER"
  if [[ "$(id -u)" -eq 0 ]]; then
    id -u "$PG_USER" >/dev/null 2>&1 || die "user $PG_USER does not exist (it comes with the postgresql package)"
    chown "$PG_USER:" "$PG_DIR"
  fi
  chmod 700 "$PG_DIR"

  log "initdb $PG_DIR/data (superuser $PG_USER, trust auth)"
  as_owner "$bin/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
    {
      cat "$PG_DIR/initdb.log" >&2
      die "initdb failed"
    }

  port="$PG_PORT"
  while :; do
    if ((port > PG_PORT + 50)); then die "no free port in $PG_PORT..$((PG_PORT + 50))"; fi
    if port_in_use "$port"; then
      log "port $port is in use, trying $((port + 1))"
      port=$((port + 1))
      continue
    fi
    log "starting on 127.0.0.1:$port (socket dir $PG_DIR)"
    if as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 $SPEED_OPTIONS" \
      start >&2; then
      break
    fi
    if grep -q 'could not bind\|Address already in use' "$PG_DIR/server.log" 2>/dev/null; then
      port=$((port + 1))
      continue
    fi
    cat "$PG_DIR/server.log" >&2 || true
    die "pg_ctl start failed"
  done
  printf '%s\n' "$port" >"$PG_DIR/port"

  log "createdb $PG_DB"
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" "$PG_DB"
  url_for "$port"
}

cmd_url() {
  [[ -f "$PG_DIR/port" ]] || die "no cluster in $PG_DIR (run: $0 start)"
  url_for "$(cat "$PG_DIR/port")"
}

cmd_stop() {
  local bin
  if [[ ! -d "$PG_DIR" ]]; then
    log "nothing to stop in $PG_DIR"
    return 0
  fi
  refuse_foreign_dir
  if bin="$(find_bin)"; then stop_cluster "$bin"; fi
  rm -rf "$PG_DIR"
  log "removed $PG_DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  url) cmd_url ;;
  stop) cmd_stop ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
