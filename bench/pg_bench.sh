#!/usr/bin/env bash
# Refunds on PostgreSQL: two refundd nodes over one database, next to pgbench running the same
# one-transaction-per-refund SQL against the same server in the same run.
#
# 1. A private PostgreSQL (scripts/with-postgres.sh, default configuration), database `bench`.
# 2. Two `refundd serve --db ...` nodes on free ports; PAYMENTS payments of PAYMENT_AMOUNT.
# 3. As many WAL segment files as max_wal_size holds are made and recycled by a CHECKPOINT, so
#    that neither phase creates segment files (a fresh server's first phase would).
#    Two wrk processes at once, one per node, each -t1 -c$CONNECTIONS -d${DURATION}s with
#    bench/refunds.lua (POST /v1/refunds amount=1, a unique Idempotency-Key each); refunds/s is
#    the sum of both, p99 the larger of the two.
# 4. Both nodes stopped with SIGTERM (exit 0), then `refundd verify` (every payment's totals
#    recomputed from its refunds) and a row count against the acknowledged refunds.
# 5. pgbench -c$PGBENCH_CLIENTS -j2 -T$DURATION -M prepared -f bench/pg_refund.sql on PAYMENTS payments
#    of its own in the same database (the rows refundd writes per refund, one transaction each):
#    tps and p99 (from pgbench's per-transaction log).
# Prints both, their ratio and the WAL each wrote per refund. Environment: DURATION (20), CONNECTIONS (32 per wrk),
# PGBENCH_CLIENTS (32), PAYMENTS (2000), PAYMENT_AMOUNT (1000000), THREADS (refundd io threads
# per node, 1), DB_WRITERS (2), REFUNDD_BIN, KEEP=1 keeps the work dir. PG_STATS=1 loads
# pg_stat_statements and prints, after refundd's phase, the statements that took the server's time.
# WAL_STATS=1 prints pg_waldump --stats=record for each phase (what the WAL bytes are made of).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${PGHOST:-}" ] || [ -z "${REFUNDD_BENCH_IN_PG:-}" ]; then
  [ -n "${PG_STATS:-}" ] && export PG_OPTIONS="${PG_OPTIONS:-} -c shared_preload_libraries=pg_stat_statements"
  REFUNDD_BENCH_IN_PG=1 exec scripts/with-postgres.sh "$0" "$@"
fi

duration=${DURATION:-20}
connections=${CONNECTIONS:-32}
clients=${PGBENCH_CLIENTS:-32}
payments=${PAYMENTS:-2000}
payment_amount=${PAYMENT_AMOUNT:-1000000}
io_threads=${THREADS:-1}
writers=${DB_WRITERS:-2}
bin=${REFUNDD_BIN:-}
if [ -z "$bin" ]; then
  [ -x build/refundd ] || [ -x build/src/app/refundd ] || scripts/setup.sh
  bin=build/refundd
  [ -x "$bin" ] || bin=build/src/app/refundd
fi
for tool in wrk pgbench psql python3; do
  command -v "$tool" >/dev/null || { echo "pg_bench: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/refundd-pgbench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "pg_bench: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

psql -qX -c "CREATE DATABASE bench" >/dev/null
[ -n "${PG_STATS:-}" ] && psql -qX -d bench -c "CREATE EXTENSION pg_stat_statements" >/dev/null
db="postgresql://postgres@/bench?host=$PGHOST&port=$PGPORT"

start_node() {  # start_node N: refundd node N in the background; waits for its port
  "$bin" serve --db "$db" --db-writers "$writers" --threads "$io_threads" \
    --listen 127.0.0.1:0 >"$work/out$1" 2>"$work/err$1" &
  pids+=($!)
  for _ in $(seq 1 300); do
    grep -qE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/err$1" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/err$1" >&2; exit 1; }
    sleep 0.1
  done
  echo "pg_bench: node $1 did not start" >&2; cat "$work/err$1" >&2; exit 1
}
port_of() { grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/err$1" | head -n1 | sed 's/.*://'; }

start_node 1
start_node 2
port1=$(port_of 1) port2=$(port_of 2)
key=$(grep -oE '"secret_key": *"sk_test_[^"]+"' "$work/out1" | head -n1 | cut -d'"' -f4)
merchant=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$work/out1")
[ -n "$key" ] || { echo "pg_bench: no sandbox key" >&2; exit 1; }
echo "pg_bench: nodes on ports $port1 and $port2 (db $db)" >&2

python3 - "$port1" "$key" "$payments" "$payment_amount" "$work/payments.txt" <<'PY'
import http.client, json, sys, threading
port, key, n, amount, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
ids, lock, errors = [], threading.Lock(), []
body = ("amount=%s&currency=usd&confirm=true&payment_method=pm_card_visa" % amount).encode()
headers = {"Authorization": "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded"}
def work(count):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        c.request("POST", "/v1/payment_intents", body=body, headers=headers)
        r = c.getresponse(); data = r.read()
        if r.status != 200:
            errors.append((r.status, data[:300])); return
        with lock: ids.append(json.loads(data)["id"])
ts = [threading.Thread(target=work, args=(n // 8 + (i < n % 8),)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
if errors or len(ids) != n:
    sys.exit("pg_bench: creating payments failed: %r" % errors[:3])
open(out, "w").write("\n".join(ids) + "\n")
PY

# A server in steady state reuses (renames) its old WAL segment files; a fresh one has to create
# and zero-fill a 16 MiB file for each segment. Without this, refundd's phase, first on the fresh
# server, created ~45 of them while pgbench's phase got them back recycled by its CHECKPOINT.
# So max_wal_size's worth of segments (64 by default) are made now and recycled by a checkpoint:
# each phase starts right after a CHECKPOINT with recycled segments ahead of it.
segments=$(psql -qAtX -d bench -c "SELECT (SELECT setting::bigint FROM pg_settings WHERE name = 'max_wal_size') * 1048576 / (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")
psql -qX -d bench -c "CREATE TABLE wal_warmup (x int)" >/dev/null
for _ in $(seq 1 "$segments"); do echo "INSERT INTO wal_warmup VALUES (1); SELECT pg_switch_wal();"; done |
  psql -qAtX -d bench >/dev/null
psql -qX -d bench -c "DROP TABLE wal_warmup" -c "CHECKPOINT" >/dev/null

# WAL position and the number of WAL segment files, before and after each phase.
wal_at() { psql -qAtX -d bench -c "SELECT pg_current_wal_lsn(), (SELECT count(*) FROM pg_ls_waldir())"; }
wal_bytes() { psql -qAtX -d bench -c "SELECT pg_wal_lsn_diff('$2', '$1')"; }
wal_stats() {  # wal_stats NAME FROM TO: with WAL_STATS=1, the WAL's largest record kinds, to $work
  [ -n "${WAL_STATS:-}" ] || return 0
  local waldump
  waldump=$(ls -d /usr/lib/postgresql/*/bin/pg_waldump | sort -V | tail -n1)
  "$waldump" -p "$PGHOST/data/pg_wal" -s "$2" -e "$3" --stats=record >"$work/waldump-$1.txt" 2>&1 || true
  { echo "WAL records during $1's phase (pg_waldump --stats=record):"
    head -n 3 "$work/waldump-$1.txt"
    tail -n +4 "$work/waldump-$1.txt" | sort -k7 -rn | head -n 14; } >"$work/walstats-$1.txt"
}
row_sizes() {  # with WAL_STATS=1: the average stored row of each table written per refund
  [ -n "${WAL_STATS:-}" ] || return 0
  psql -qAtX -d bench -c "SELECT 'average row bytes: refunds ' || (SELECT round(avg(pg_column_size(r.*))) FROM refunds r)
    || ', events ' || coalesce((SELECT round(avg(pg_column_size(e.*))) || ' (body ' || round(avg(octet_length(e.body))) || ')' FROM events e), '-')
    || ', idempotency ' || (SELECT round(avg(pg_column_size(i.*))) || ' (body ' || round(avg(octet_length(i.body))) || ')' FROM idempotency i)
    || '; events per refund ' || round((SELECT count(*) FROM events)::numeric / greatest((SELECT count(*) FROM refunds), 1), 2)" \
    >>"$work/walstats-refundd.txt"
}
IFS='|' read -r lsn0 segs0 < <(wal_at)
for i in 1 2; do
  port=$([ "$i" = 1 ] && echo "$port1" || echo "$port2")
  wrk -t1 -c"$connections" -d"${duration}s" --latency -s bench/refunds.lua \
    "http://127.0.0.1:$port" -- "$work/payments.txt" "$key" "$i" >"$work/wrk$i.txt" 2>&1 &
  wrk_pids[$i]=$!
done
wait "${wrk_pids[1]}" "${wrk_pids[2]}"
IFS='|' read -r lsn1 segs1 < <(wal_at)
wal_stats refundd "$lsn0" "$lsn1"
row_sizes
cat "$work/wrk1.txt" "$work/wrk2.txt" >&2

val() { grep '^BENCH ' "$work/wrk$1.txt" | sed -E "s/.* $2=([0-9]+).*/\1/"; }
ok=$(($(val 1 ok) + $(val 2 ok)))
bad=0
for i in 1 2; do
  bad=$((bad + $(val $i conflict) + $(val $i client_error) + $(val $i server_error) + $(val $i other)))
  bad=$((bad + $(val $i err_connect) + $(val $i err_read) + $(val $i err_write) + $(val $i err_timeout)))
done
rps=$(python3 -c "print(round($(val 1 ok) / ($(val 1 duration_us) / 1e6) + $(val 2 ok) / ($(val 2 duration_us) / 1e6)))")
p50=$(python3 -c "print(round(max($(val 1 p50_us), $(val 2 p50_us)) / 1000, 2))")
p99=$(python3 -c "print(round(max($(val 1 p99_us), $(val 2 p99_us)) / 1000, 2))")

for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p" || { echo "pg_bench: a node exited non-zero on SIGTERM" >&2; exit 1; }; done
pids=()
if [ -n "${PG_STATS:-}" ]; then
  psql -X -d bench -c "SELECT calls, round(total_exec_time) AS ms, rows,
    round((total_exec_time * 1000 / greatest(calls, 1))::numeric, 1) AS us_per_call,
    left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" >&2
fi
verify=$("$bin" verify --db "$db" | tail -n1)
rows=$(psql -qAtX -d bench -c "SELECT count(*) FROM refunds")

# pgbench: the same kind of refund, one transaction each, on payments of its own.
psql -qX -d bench -v merchant="$merchant" -v n="$payments" -v amount="$payment_amount" <<'SQL' >/dev/null
INSERT INTO payments (id, merchant_id, dialect, currency, amount_minor, captured_minor,
  refunded_minor, pending_minor, status, capture_method, payment_method, description, metadata,
  cancellation_reason, created_ms, updated_ms, canceled_ms, attrs, parts)
SELECT 'pgb_' || g, :'merchant', 'native', 'USD', :amount, :amount, 0, 0, 'captured', 'automatic',
  'pm_card_visa', '', '{}', '', 1, 1, 0, '', '' FROM generate_series(1, :n) AS g;
CHECKPOINT;
SQL
IFS='|' read -r lsn2 segs2 < <(wal_at)
(cd "$work" && pgbench -n -c "$clients" -j 2 -T "$duration" -M prepared -l --log-prefix=pgb \
  -D merchant="$merchant" -D payments="$payments" -f "$OLDPWD/bench/pg_refund.sql" bench \
  >"$work/pgbench.txt" 2>&1) || { cat "$work/pgbench.txt" >&2; exit 1; }
IFS='|' read -r lsn3 segs3 < <(wal_at)
wal_stats pgbench "$lsn2" "$lsn3"
cat "$work/pgbench.txt" >&2
tps=$(grep -oE 'tps = [0-9.]+ \(without initial' "$work/pgbench.txt" | grep -oE '[0-9.]+' | head -n1)
[ -n "$tps" ] || tps=$(grep -oE 'tps = [0-9.]+' "$work/pgbench.txt" | head -n1 | grep -oE '[0-9.]+')
pgb_p99=$(cat "$work"/pgb.* | python3 -c '
import sys
lat = sorted(int(l.split()[2]) for l in sys.stdin if l.strip())
print(round(lat[int(len(lat) * 0.99) - 1] / 1000, 2) if lat else "n/a")')

echo
echo "refundd (2 nodes, PostgreSQL): $rps refunds/s  p50 $p50 ms  p99 $p99 ms  (2 x wrk -t1 -c$connections -d${duration}s; $ok acknowledged, $bad not 2xx or socket errors)"
echo "pgbench (same server, same SQL, one transaction per refund): $(python3 -c "print(round($tps))") refunds/s  p99 $pgb_p99 ms  (-c$clients -j2 -M prepared)"
echo "ratio: $(python3 -c "print(round($rps / $tps, 2))")x"
pgb_tx=$(grep -oE 'number of transactions actually processed: [0-9]+' "$work/pgbench.txt" | grep -oE '[0-9]+$')
echo "WAL per refund: refundd $(($(wal_bytes "$lsn0" "$lsn1") / rows)) bytes, pgbench $(($(wal_bytes "$lsn2" "$lsn3") / ${pgb_tx:-1})) bytes; WAL segment files: $segs0 -> $segs1 during refundd, $segs2 -> $segs3 during pgbench"
[ -z "${WAL_STATS:-}" ] || cat "$work/walstats-refundd.txt" "$work/walstats-pgbench.txt"
echo "store: $rows refund rows for $ok acknowledged; verify: $verify"
status=ok
[ "$bad" -eq 0 ] || status="FAILED: $bad answers not 2xx"
[ "$rows" -ge "$ok" ] || status="FAILED: acknowledged refunds missing"
grep -q '"problems":0' <<<"$verify" || status="FAILED: verify found problems"
echo "check: $status"
[ "$status" = ok ]
