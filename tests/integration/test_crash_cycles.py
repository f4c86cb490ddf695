"""Proves that SIGKILL under concurrent load across all six dialects loses no acknowledged answer and
runs no request twice: in each cycle, clients of native, Kushki online, Kushki card-present, UTGL,
D24 and Rapyd send refunds with fresh idempotency keys (each dialect's own key: Idempotency-Key,
client_transaction_id, X-Idempotency-Key, idempotency) until refundd is SIGKILLed; then `refundd
verify` must be clean on the crashed store, and after the restart every acknowledged answer replays
byte for byte (status, content type, body) with its key, every request that was in flight when the
process died runs at most once when retried with its key, and the store holds exactly one refund per
key that was answered with a refund.

Runs on SQLite, and on PostgreSQL in the suite's PostgreSQL run (REFUNDD_TEST_PG_URL).
REFUNDD_CRASH_CYCLES sets the number of cycles (default 10) and REFUNDD_CRASH_SEED the seed (default
random; printed, and named by every failure) that chooses the payments, amounts, replays and the
moment of each kill. A longer run, from the repository root:

  REFUNDD_CRASH_CYCLES=200 python3 -m unittest discover -s tests/integration -p test_crash_cycles.py -v
  REFUNDD_CRASH_CYCLES=200 REFUNDD_IT_BACKEND=postgres scripts/with-postgres.sh \\
      python3 -m unittest discover -s tests/integration -p test_crash_cycles.py -v
"""

import http.client
import json
import os
import random
import sqlite3
import subprocess
import threading
import time
import unittest
import uuid

from harness import BIN, Refundd
from kushki_helpers import Kushki, online_amount, pos_amount
from test_d24 import BANK_ACCOUNT, D24
from test_rapyd import Rapyd
from test_utgl import Utgl

CYCLES = int(os.environ.get("REFUNDD_CRASH_CYCLES", "10"))
SEED = int(os.environ.get("REFUNDD_CRASH_SEED") or random.SystemRandom().randrange(1 << 31))
THREADS_PER_DIALECT = 2
PAYMENTS_PER_DIALECT = 3
# Each cycle kills refundd once this many refunds were answered in it (chosen by the seed).
ACKED_BEFORE_KILL = (30, 150)
# Acknowledged answers of earlier cycles replayed after each restart (all of them after the last).
OLDER_REPLAYS = 25
LOAD_DEADLINE_S = 60.0


class _Native:
    """The native API: POST /v1/refunds, Idempotency-Key."""

    name, created = "native", (200,)

    def __init__(self, server):
        self.http = server.client()

    def payment(self):
        return self.http.pay(1_000_000)["id"]

    def request(self, payment, rng):
        return {"payment_intent": payment, "amount": rng.randint(1, 9)}

    def send(self, req, key):
        return self.http.post("/v1/refunds", req, idempotency_key=key)

    def close(self):
        self.http.close()


class _KushkiOnline:
    """Kushki online: DELETE /v1/refund/{ticketNumber}, Idempotency-Key."""

    name, created = "kushki_online", (201,)

    def __init__(self, server):
        self.k = Kushki(server, server.sandbox["credentials"]["kushki"])

    def payment(self):
        return self.k.charge(online_amount(subtotal_iva=100_000), 100_000)["ticketNumber"]

    def request(self, payment, rng):
        body = {"fullResponse": "v2", "amount": online_amount(subtotal_iva=rng.randint(1, 9))}
        return {"ticket": payment, "body": json.dumps(body)}

    def send(self, req, key):
        return self.k.refund(req["ticket"], req["body"], idempotency_key=key)

    def close(self):
        self.k.close()


class _KushkiPos:
    """Kushki card-present: POST /pos/v1/refund, the key is the body's client_transaction_id."""

    name, created = "kushki_pos", (200,)

    def __init__(self, server):
        self.k = Kushki(server, server.sandbox["credentials"]["kushki"])

    def payment(self):
        return self.k.pos_sale(pos_amount("PEN", subtotal_iva0=100_000),
                               brand="VISA")["transaction_reference"]

    def request(self, payment, rng):
        return {"transaction_type": "refund", "transaction_mode": "Authorization",
                "amount": pos_amount("PEN", subtotal_iva0=rng.randint(1, 9)),
                "transaction_reference": payment, "omit_card": True}

    def send(self, req, key):
        return self.k.pos("refund", json.dumps(dict(req, client_transaction_id=key)))

    def close(self):
        self.k.close()


class _Utgl:
    """UTGL Partner Connect: POST /partner-connect/transactions/refund, Idempotency-Key."""

    name, created = "utgl", (200,)

    def __init__(self, server):
        self.u = Utgl(server.port, server.sandbox["credentials"]["utgl"])

    def payment(self):
        return self.u.purchase(100_000)["transactionId"]

    def request(self, payment, rng):
        return {"transactionId": payment, "amount": rng.randint(1, 9), "currency": "USD",
                "reason": "crash cycle", "description": "d"}

    def send(self, req, key):
        return self.u.call("/transactions/refund", req, idempotency_key=key)

    def close(self):
        self.u.http.close()


class _D24:
    """D24 deposits v3: POST /v3/refunds (bank refunds of cash deposits), X-Idempotency-Key."""

    name, created = "d24", (200,)

    def __init__(self, server):
        self.d = D24(server.port, server.sandbox["credentials"]["d24"])

    def payment(self):
        dep = self.d.deposit(amount="100000")
        return {"deposit_id": dep["deposit_id"], "invoice_id": dep["merchant_invoice_id"]}

    def request(self, payment, rng):
        return dict(payment, amount=str(rng.randint(1, 9)), bank_account=BANK_ACCOUNT)

    def send(self, req, key):
        return self.d.call("POST", "/v3/refunds", req, idempotency_key=key)

    def close(self):
        self.d.http.close()


class _Rapyd:
    """Rapyd: POST /v1/refunds, the idempotency header."""

    name, created = "rapyd", (200,)

    def __init__(self, server):
        self.r = Rapyd(server.port, server.sandbox["credentials"]["rapyd"])

    def payment(self):
        return self.r.pay(100_000)["id"]

    def request(self, payment, rng):
        return {"payment": payment, "amount": rng.randint(1, 9)}

    def send(self, req, key):
        return self.r.call("POST", "/v1/refunds", req, idempotency=key)

    def close(self):
        self.r.http.close()


DIALECTS = [_Native, _KushkiOnline, _KushkiPos, _Utgl, _D24, _Rapyd]


class Sent:
    """One refund request with its key, and the first answer it got (None: none yet)."""

    def __init__(self, dialect, key, req, cycle):
        self.dialect, self.key, self.req, self.cycle = dialect, key, req, cycle
        self.answer = None  # (status, content type, body)

    def __repr__(self):
        return "%s key=%s request=%s" % (self.dialect.name, self.key, json.dumps(self.req))


def _answer(resp):
    return (resp.status, resp.header("Content-Type"), resp.body)


class CrashCycles(unittest.TestCase):

    def setUp(self):
        print("crash cycles: seed %d, %d cycles (REFUNDD_CRASH_SEED, REFUNDD_CRASH_CYCLES)"
              % (SEED, CYCLES), flush=True)
        self.rng = random.Random(SEED)
        self.server = Refundd().start()
        self.addCleanup(self.server.cleanup)
        self.payments = {}
        for d in DIALECTS:
            c = d(self.server)
            self.payments[d.name] = [c.payment() for _ in range(PAYMENTS_PER_DIALECT)]
            c.close()
        self.sent = []  # every Sent with an answer, in the order answered
        self.refunds = {d.name: 0 for d in DIALECTS}  # keys answered with a refund, per dialect

    def where(self, cycle):
        return "seed %d, cycle %d" % (SEED, cycle)

    def load(self, cycle):
        """Refunds from every dialect's threads until refundd is SIGKILLed. Returns the requests
        still in flight when it died."""
        target = self.rng.randint(*ACKED_BEFORE_KILL)
        lock = threading.Condition()
        killed = threading.Event()
        acked = [0]
        in_flight, failures = [], []
        seeds = [self.rng.randrange(1 << 31) for _ in range(len(DIALECTS) * THREADS_PER_DIALECT)]

        def worker(i):
            dialect = DIALECTS[i % len(DIALECTS)]
            rng = random.Random(seeds[i])
            client = dialect(self.server)
            mine = []
            try:
                while not killed.is_set():
                    if mine and rng.random() < 0.1:  # a replay under load
                        s = rng.choice(mine)
                        try:
                            got = _answer(client.send(s.req, s.key))
                        except (OSError, http.client.HTTPException):
                            if killed.is_set():
                                return
                            raise
                        if got != s.answer:
                            failures.append("%s: replay under load of %r: first %r, now %r"
                                            % (self.where(cycle), s, s.answer, got))
                            return
                        continue
                    s = Sent(dialect, "crash-%d-%s" % (cycle, uuid.uuid4().hex),
                             client.request(rng.choice(self.payments[dialect.name]), rng),
                             cycle)
                    try:
                        resp = client.send(s.req, s.key)
                    except (OSError, http.client.HTTPException):
                        if killed.is_set():
                            in_flight.append(s)  # the process died: outcome unknown
                            return
                        raise
                    s.answer = _answer(resp)
                    if resp.status not in dialect.created:
                        failures.append("%s: %r answered %r" % (self.where(cycle), s, resp))
                        return
                    mine.append(s)
                    with lock:
                        self.sent.append(s)
                        self.refunds[dialect.name] += 1
                        acked[0] += 1
                        lock.notify_all()
            except BaseException as e:  # noqa: BLE001 - reported to the test
                failures.append("%s: %s: %r" % (self.where(cycle), dialect.name, e))
            finally:
                client.close()
                with lock:
                    lock.notify_all()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(len(seeds))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + LOAD_DEADLINE_S
        with lock:
            while acked[0] < target and not failures and time.monotonic() < deadline:
                lock.wait(0.5)
        killed.set()  # before the kill: an error after it is the crash, not a failure
        self.server.kill()
        for t in threads:
            t.join(max(0.0, deadline + 30 - time.monotonic()))
        self.assertFalse([t for t in threads if t.is_alive()], "clients hung after the kill")
        self.assertEqual(failures, [])
        self.assertGreaterEqual(acked[0], target, "%s: too few answers before the deadline"
                                % self.where(cycle))
        return in_flight

    def verify(self, cycle):
        out = subprocess.run([BIN, "verify"] + self.server.store_args(), capture_output=True,
                             stdin=subprocess.DEVNULL, timeout=120)
        lines = [l for l in out.stdout.decode().splitlines() if l.strip()]
        self.assertEqual(out.returncode, 0, "%s: verify after the kill: %s %s"
                         % (self.where(cycle), lines, out.stderr.decode()))
        self.assertEqual(json.loads(lines[-1])["problems"], 0, lines)

    def replay(self, cycle, sent):
        clients = {d.name: d(self.server) for d in DIALECTS}
        try:
            for s in sent:
                got = _answer(clients[s.dialect.name].send(s.req, s.key))
                self.assertEqual(got, s.answer, "%s: the replay of %r after the restart differs "
                                 "from its first answer" % (self.where(cycle), s))
        finally:
            for c in clients.values():
                c.close()

    def retry(self, cycle, in_flight):
        """Retries each request that died with the process: it runs now or replays its first run,
        and either way answers the same ever after."""
        clients = {d.name: d(self.server) for d in DIALECTS}
        try:
            for s in in_flight:
                resp = clients[s.dialect.name].send(s.req, s.key)
                self.assertIn(resp.status, s.dialect.created, "%s: the retry of %r after the "
                              "restart: %r" % (self.where(cycle), s, resp))
                s.answer = _answer(resp)
                again = _answer(clients[s.dialect.name].send(s.req, s.key))
                self.assertEqual(again, s.answer, "%s: %r answered twice differently"
                                 % (self.where(cycle), s))
                self.sent.append(s)
                self.refunds[s.dialect.name] += 1
        finally:
            for c in clients.values():
                c.close()

    def stored_refunds(self):
        """{dialect: refunds in the store}, read from the database itself."""
        sql = "SELECT dialect, count(*) FROM refunds GROUP BY dialect"
        if self.server.db_url:
            out = subprocess.run(["psql", "-X", "-At", "-F", "|", "-d", self.server.db_url,
                                  "-c", sql], capture_output=True, check=True, timeout=60,
                                 stdin=subprocess.DEVNULL)
            rows = [l.split("|") for l in out.stdout.decode().splitlines() if l]
        else:
            db = sqlite3.connect("file:%s/refundd.db?mode=ro" % self.server.data_dir, uri=True,
                                 timeout=30)
            try:
                rows = db.execute(sql).fetchall()
            finally:
                db.close()
        return {d: int(n) for d, n in rows}

    def test_sigkill_under_load_loses_no_answer_and_runs_nothing_twice(self):
        for cycle in range(CYCLES):
            older = list(self.sent)
            first_new = len(self.sent)
            in_flight = self.load(cycle)
            answered = len(self.sent) - first_new
            self.verify(cycle)
            self.server.start()
            again = self.sent[first_new:] + self.rng.sample(older, min(OLDER_REPLAYS, len(older)))
            self.replay(cycle, again)
            # Before the retries the store holds every answered refund, and of those in flight at
            # most the ones that committed before the kill.
            stored = self.stored_refunds()
            for d in DIALECTS:
                flying = len([s for s in in_flight if s.dialect is d])
                self.assertTrue(
                    self.refunds[d.name] <= stored.get(d.name, 0) <= self.refunds[d.name] + flying,
                    "%s: %s: %d refunds in the store, %d answered, %d in flight at the kill: %r"
                    % (self.where(cycle), d.name, stored.get(d.name, 0), self.refunds[d.name],
                       flying, in_flight))
            committed = sum(stored.values()) - sum(self.refunds.values())
            self.retry(cycle, in_flight)
            print("crash cycles: cycle %d: %d answered before the kill, %d in flight (%d of them "
                  "committed), %d replayed" % (cycle, answered, len(in_flight), committed,
                                               len(again)), flush=True)
            self.assertEqual(self.stored_refunds(), {k: v for k, v in self.refunds.items() if v},
                             "%s: refunds in the store != keys answered with a refund (%d were "
                             "in flight at the kill: %r)" % (self.where(cycle), len(in_flight),
                                                             in_flight))
        self.replay(CYCLES, self.sent)
        self.server.stop()
        self.verify(CYCLES)


if __name__ == "__main__":
    unittest.main()
