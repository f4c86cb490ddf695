#!/usr/bin/env bash
# Runs a command beside a private PostgreSQL server, then stops the server.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Debian's PostgreSQL (package postgresql; scripts/setup.sh installs it): initdb in a fresh temp
# dir (as the `postgres` user when run as root, since the server refuses to run as root), a free
# port, the unix socket in that dir and no TCP listener, trust authentication for the `postgres`
# role, UTF-8 with the C locale. Exports for COMMAND:
#   REFUNDD_TEST_PG_URL  postgresql://postgres@/postgres?host=DIR&port=PORT (the store contract
#                        suite and the integration suite make a fresh database per test from it)
#   PGHOST, PGPORT, PGUSER  so that psql, pgbench and createdb reach the same server
# The server is stopped and its dir removed when COMMAND ends, however it ends; COMMAND's exit
# code is returned. KEEP_PG=1 keeps the dir (its log is DIR/log). PG_OPTIONS adds server options
# (e.g. PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements").
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
  { echo "with-postgres: no PostgreSQL server under /usr/lib/postgresql (scripts/setup.sh)" >&2; exit 1; }

dir=$(mktemp -d /tmp/refundd-pg-XXXXXX)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi
pg() { "${as_owner[@]}" "$@"; }

stop() {
  pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ -n "${KEEP_PG:-}" ]; then echo "with-postgres: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap stop EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# Enough connections for several refundd nodes (writers + readers each) and pgbench's clients.
pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses='' -c max_connections=300 ${PG_OPTIONS:-}" start >/dev/null ||
  { cat "$dir/log" >&2; exit 1; }

export PGHOST="$dir" PGPORT="$port" PGUSER=postgres
export REFUNDD_TEST_PG_URL="postgresql://postgres@/postgres?host=$dir&port=$port"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir port $port" >&2

rc=0
"$@" || rc=$?
exit "$rc"
