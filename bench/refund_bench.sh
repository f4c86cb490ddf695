#!/usr/bin/env bash
# Refund throughput and latency of one refundd over HTTP, then a check of the store afterwards.
#
# Starts build/refundd (an optimised build: scripts/setup.sh) on a fresh data dir and a free port,
# creates PAYMENTS payments of PAYMENT_AMOUNT minor units, runs
#   wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/refunds.lua
# (each request a POST /v1/refunds of amount 1 with a unique Idempotency-Key), stops refundd with
# SIGTERM (it must exit 0), and checks with sqlite3 that the refunds table holds the acknowledged
# refunds and that no payment is over-refunded. Prints refunds/s, p50 and p99.
#
# Environment: DURATION (20), CONNECTIONS (64), THREADS (1), PAYMENTS (2000),
# PAYMENT_AMOUNT (1000000), REFUNDD_BIN (build/refundd or build/src/app/refundd), KEEP=1 keeps the work dir.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${DURATION:-20}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
payments=${PAYMENTS:-2000}
payment_amount=${PAYMENT_AMOUNT:-1000000}
bin=${REFUNDD_BIN:-}
if [ -z "$bin" ]; then
  [ -x build/refundd ] || [ -x build/src/app/refundd ] || scripts/setup.sh
  bin=build/refundd
  [ -x "$bin" ] || bin=build/src/app/refundd
fi
for tool in wrk sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/refundd-bench-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then echo "bench: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

: >"$work/stdout"
: >"$work/stderr"
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
pid=$!

port= key=
for _ in $(seq 1 300); do  # poll up to 30 s
  port=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/stderr" | head -n1 | sed 's/.*://' || true)
  key=$(grep -oE '"secret_key": *"sk_test_[^"]+"' "$work/stdout" | head -n1 | cut -d'"' -f4 || true)
  [ -n "$port" ] && [ -n "$key" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "bench: refundd exited:" >&2; cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] && [ -n "$key" ] || { echo "bench: refundd did not start" >&2; cat "$work/stderr" >&2; exit 1; }
echo "bench: refundd pid $pid on port $port, data $work/data" >&2

# Payments, over keep-alive connections on a few threads.
t0=$(date +%s.%N)
python3 - "$port" "$key" "$payments" "$payment_amount" "$work/payments.txt" <<'PY'
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
        pi = json.loads(data)
        if pi["status"] != "succeeded":
            errors.append(("status", pi["status"])); return
        with lock: ids.append(pi["id"])
    c.close()
workers = 8
ts = [threading.Thread(target=work, args=(n // workers + (i < n % workers),)) for i in range(workers)]
for t in ts: t.start()
for t in ts: t.join()
if errors or len(ids) != n:
    sys.exit("bench: creating payments failed: %r" % errors[:3])
open(out, "w").write("\n".join(ids) + "\n")
PY
t1=$(date +%s.%N)
echo "bench: $payments payments of $payment_amount created in $(python3 -c "print(round($t1-$t0,2))") s" >&2

# CPU time by thread name (utime + stime, in clock ticks) and bytes written to disk, before and
# after the load: the stable figures, where refunds/s moves with the machine's load.
snapshot() {
  python3 - "$pid" <<'PY'
import os, sys
pid = sys.argv[1]
cpu = {}
for t in os.listdir(f"/proc/{pid}/task"):
    try:
        stat = open(f"/proc/{pid}/task/{t}/stat").read()
    except OSError:
        continue
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    cpu[name] = cpu.get(name, 0) + int(fields[11]) + int(fields[12])
io = dict(l.split(": ") for l in open(f"/proc/{pid}/io").read().splitlines())
print(" ".join(f"{k}={v}" for k, v in sorted(cpu.items())), f"write_bytes={io['write_bytes'].strip()}")
PY
}
before=$(snapshot)
wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/refunds.lua \
  "http://127.0.0.1:$port" -- "$work/payments.txt" "$key" | tee "$work/wrk.txt"
after=$(snapshot)

line=$(grep '^BENCH ' "$work/wrk.txt" || true)
[ -n "$line" ] || { echo "bench: no BENCH line from refunds.lua" >&2; exit 1; }
val() { sed -E "s/.* $1=([0-9]+).*/\1/" <<<"$line"; }
ok=$(val ok) duration_us=$(val duration_us) p50=$(val p50_us) p99=$(val p99_us)
not_ok=$(($(val conflict) + $(val client_error) + $(val server_error) + $(val other)))
socket_errors=$(($(val err_connect) + $(val err_read) + $(val err_write) + $(val err_timeout)))

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "bench: refundd exited $rc after SIGTERM" >&2; tail -n 20 "$work/stderr" >&2; exit 1; }

db=$(find "$work/data" -maxdepth 2 -type f \( -name '*.db' -o -name '*.sqlite' -o -name '*.sqlite3' \) | head -n1)
[ -n "$db" ] || { echo "bench: no SQLite database under $work/data" >&2; ls -la "$work/data" >&2; exit 1; }
q() { sqlite3 -batch -noheader "$db" "$1"; }
rows=$(q "SELECT count(*) FROM refunds;")
refunded=$(q "SELECT coalesce(sum(amount_minor),0) FROM refunds;")
over=$(q "SELECT count(*) FROM payments WHERE refunded_minor + pending_minor > captured_minor;")
mismatch=$(q "SELECT count(*) FROM payments p WHERE refunded_minor + pending_minor <>
  (SELECT coalesce(sum(amount_minor),0) FROM refunds r
   WHERE r.payment_id = p.id AND r.status IN ('succeeded','pending'));")

# wrk stops at the deadline with up to one request per connection sent but not yet answered;
# refundd still carries those out, so the table may hold up to CONNECTIONS more than wrk counted.
extra=$((rows - ok))
status=ok
problems=()
[ "$over" -eq 0 ] || problems+=("$over payments over-refunded")
[ "$mismatch" -eq 0 ] || problems+=("$mismatch payments whose refunded total differs from their refunds")
[ "$extra" -ge 0 ] || problems+=("$((-extra)) acknowledged refunds missing from the table")
[ "$extra" -le "$connections" ] || problems+=("$extra refunds in the table that nobody was told about")
[ "$not_ok" -eq 0 ] || problems+=("$not_ok non-2xx answers")
[ "$socket_errors" -eq 0 ] || problems+=("$socket_errors socket errors")
[ ${#problems[@]} -eq 0 ] || status="FAILED: $(IFS=';'; echo "${problems[*]}")"

rps=$(python3 -c "print(round($ok / ($duration_us / 1e6)))")
echo
echo "refunds/s: $rps  (acknowledged $ok in $(python3 -c "print(round($duration_us/1e6,1))") s;" \
  "wrk -t$threads -c$connections; $payments payments)"
echo "latency p50: $(python3 -c "print(round($p50/1000,2))") ms  p99: $(python3 -c "print(round($p99/1000,2))") ms"
echo "store: $rows refunds ($extra in flight when wrk stopped counting), $refunded minor units refunded," \
  "$over over-refunded payments, $mismatch mismatched payments"
# Per refund: CPU by thread (µs) and bytes written (a refund table row count covers what was
# carried out, acknowledged or not).
python3 - "$rows" "$(getconf CLK_TCK)" "$before" "$after" <<'PY'
import sys
rows, tck = int(sys.argv[1]), int(sys.argv[2])
parse = lambda s: {k: int(v) for k, v in (kv.split("=") for kv in s.split())}
b, a = parse(sys.argv[3]), parse(sys.argv[4])
if rows:
    cpu = {k: (a[k] - b.get(k, 0)) * 1e6 / tck / rows for k in a if k != "write_bytes"}
    shown = "  ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.05)
    print(f"cpu per refund (us): {shown}  total {sum(cpu.values()):.1f}")
    print(f"bytes written per refund: {(a['write_bytes'] - b['write_bytes']) / rows:.0f}")
PY
echo "check: $status"
[ "$status" = ok ]
