#!/usr/bin/env bash
# A throwaway local PostgreSQL for tests and development (`make postgres`, `.ci/run`).
#
#   scripts/postgres.sh start   # init (first time) and start; prints `export PTE_TEST_POSTGRES_URL=…`
#   scripts/postgres.sh stop    # stop it (the cluster folder stays until `clean`)
#   scripts/postgres.sh clean   # stop and delete the cluster folder
#   scripts/postgres.sh url     # print the URL only
#
# The cluster lives in $PTE_PG_DIR (default: a folder under /tmp), listens on 127.0.0.1:$PTE_PG_PORT
# (default 55432) and on a socket in that folder, with trust authentication for the local user
# `pte`: fine on a developer's machine or in CI, never for a server others can reach. initdb refuses
# to run as root, so as root (CI) the server runs as the `postgres` user Debian's package creates.
# Debian's server is installed with apt-get when initdb is missing.
set -euo pipefail

PORT="${PTE_PG_PORT:-55432}"
DIR="${PTE_PG_DIR:-/tmp/pte-postgres-$(id -un)-$PORT}"
DATA="$DIR/data"
URL="postgresql+psycopg://pte@127.0.0.1:$PORT/pte"

find_bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    # Follow symlinks to the folder that also holds psql and createdb.
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  # Debian keeps the server binaries off PATH, one folder per major version: take the newest.
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$newest" && -x "$newest/initdb" ]]; then
    echo "$newest"
  fi
}

BINDIR="$(find_bindir)"
if [[ -z "$BINDIR" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "PostgreSQL's server is not installed: apt-get install postgresql (as root)." >&2
    exit 1
  fi
  echo "Installing Debian's PostgreSQL server…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BINDIR="$(find_bindir)"
fi

# As root, run every server command as `postgres`; otherwise as ourselves.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    # From / : the postgres user may not enter the caller's folder (pg_ctl complains otherwise).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

running() {
  as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  mkdir -p "$DIR"
  if [[ "$(id -u)" == 0 ]]; then
    # Debian's package creates `postgres`; a server installed another way may not have.
    id -u postgres >/dev/null 2>&1 ||
      useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    chown postgres: "$DIR"
  fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    as_owner "$BINDIR/initdb" -D "$DATA" -U pte --auth=trust --encoding=UTF8 --no-instructions \
      >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
  fi
  if ! running; then
    # A small server: a few hundred connections for two replicas' pools and the load test.
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" \
      >/dev/null || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
  fi
  # The database `pte`, owned by `pte` (idempotent).
  if ! as_owner "$BINDIR/psql" -h "$DIR" -p "$PORT" -U pte -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'pte'" | grep -q 1; then
    as_owner "$BINDIR/createdb" -h "$DIR" -p "$PORT" -U pte pte
  fi
  echo "export PTE_TEST_POSTGRES_URL=$URL"
  echo "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, data in $DATA" >&2
  echo "Point the app at it with: PTE_DATABASE_URL=$URL make run" >&2
}

stop() {
  if [[ -f "$DATA/PG_VERSION" ]] && running; then
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$DIR" ;;
  url) echo "$URL" ;;
  restart)
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -t 60 restart \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null ;;
  *) echo "usage: $0 start|stop|restart|clean|url" >&2; exit 2 ;;
esac
