"""Proves the invariant across nodes: three refundd processes on one PostgreSQL database share the
refunds of one payment, 300 at once, and exactly as many succeed as fit (also when one node is
SIGKILLed in the middle and its clients retry elsewhere with their idempotency keys); one key sent
to two nodes at once executes once; `refundd verify` finds every payment consistent afterwards.
Runs only on PostgreSQL (REFUNDD_IT_BACKEND=postgres with REFUNDD_TEST_PG_URL)."""

import http.client
import json
import subprocess
import threading
import unittest

import harness
from harness import BIN, Client, Refundd, run_threads

NODES = 3
REQUESTS = 300


def join(db_url, sandbox):
    """Another refundd on an existing database (the harness makes one database per Refundd)."""
    saved = harness.BACKEND
    harness.BACKEND = "sqlite"
    try:
        node = Refundd()
    finally:
        harness.BACKEND = saved
    node.db_url, node._started, node.sandbox = db_url, True, sandbox
    return node.start()


@unittest.skipUnless(getattr(harness, "BACKEND", "sqlite") == "postgres" and
                     getattr(harness, "PG_URL", ""),
                     "needs PostgreSQL (REFUNDD_IT_BACKEND=postgres, REFUNDD_TEST_PG_URL)")
class MultiNode(unittest.TestCase):

    def setUp(self):
        first = Refundd().start()
        self.addCleanup(first.cleanup)
        self.nodes = [first]
        for _ in range(NODES - 1):
            node = join(first.db_url, first.sandbox)
            self.addCleanup(node.cleanup)
            self.nodes.append(node)
        self.key = first.key
        self.api = Client(first.port, key=self.key)
        self.addCleanup(self.api.close)

    def verify(self):
        out = subprocess.run([BIN, "verify", "--db", self.nodes[0].db_url], capture_output=True,
                             stdin=subprocess.DEVNULL, timeout=120)
        lines = [l for l in out.stdout.decode().splitlines() if l.strip()]
        self.assertEqual(out.returncode, 0, "verify: %s %s" % (lines, out.stderr.decode()))
        summary = json.loads(lines[-1])
        self.assertEqual(summary["problems"], 0, lines)
        return summary

    def refund_until_answered(self, order, pi, amount, key, on_answer=None):
        """POSTs one refund with an idempotency key to the nodes in `order`, moving to the next
        node when one goes away without answering. Returns the first answer."""
        for port in order:
            c = Client(port, key=self.key, timeout=60)
            try:
                r = c.refund(pi, amount, idempotency_key=key)
            except (OSError, http.client.HTTPException):
                continue  # that node died: the outcome is unknown, so retry with the same key
            finally:
                c.close()
            if r.status == 503:
                continue
            if on_answer:
                on_answer(r)
            return r
        raise AssertionError("no node answered refund %s" % key)

    def check_race(self, pi, captured, amount, results):
        errors = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(errors, [])
        ok = [r for r in results if r.status == 200]
        refused = [r for r in results if r.status != 200]
        self.assertEqual(len(ok), min(REQUESTS, captured // amount),
                         sorted({(r.status, r.error.get("code")) for r in refused}))
        for r in refused:
            self.assertEqual(r.status, 400, r)
            self.assertIn(r.error.get("code"), ("amount_too_large", "charge_already_refunded"), r)
        ids = sorted(r.json["id"] for r in ok)
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual(sorted(r["id"] for r in self.api.refunds_of(pi)), ids)
        self.assertEqual(self.api.charge_of(pi)["amount_refunded"], len(ok) * amount)

    def test_concurrent_refunds_on_one_payment_across_nodes(self):
        captured, amount = 10_000, 70  # 142 fit
        pi = self.api.pay(captured)["id"]
        ports = [n.port for n in self.nodes]

        def one(i, barrier):
            c = Client(ports[i % NODES], key=self.key, timeout=60).connect()
            try:
                barrier.wait()
                return c.refund(pi, amount)
            finally:
                c.close()

        self.check_race(pi, captured, amount, run_threads(REQUESTS, one))
        self.assertGreaterEqual(self.verify()["refunds"], captured // amount)

    def test_a_node_killed_in_the_middle(self):
        captured, amount = 10_000, 70
        pi = self.api.pay(captured)["id"]
        ports = [n.port for n in self.nodes]
        victim = self.nodes[2]
        answered = [0]
        lock = threading.Lock()
        halfway = threading.Event()

        def counted(_r):
            with lock:
                answered[0] += 1
                if answered[0] >= 40:
                    halfway.set()

        killer = threading.Thread(target=lambda: (halfway.wait(60), victim.kill()))
        killer.start()

        def one(i, barrier):
            first = i % NODES
            order = [ports[(first + k) % NODES] for k in range(NODES)]
            barrier.wait()
            return self.refund_until_answered(order, pi, amount, "kill-%d" % i, counted)

        results = run_threads(REQUESTS, one)
        killer.join(60)
        self.assertFalse(victim.running())
        self.check_race(pi, captured, amount, results)
        self.verify()

    def test_one_idempotency_key_at_two_nodes_executes_once(self):
        pi = self.api.pay(1_000_000)["id"]
        ports = [self.nodes[0].port, self.nodes[1].port]
        keys = 30

        def one(i, barrier):
            c = Client(ports[i % 2], key=self.key, timeout=60).connect()
            try:
                barrier.wait()
                return c.refund(pi, 100 + i // 2, idempotency_key="same-%d" % (i // 2))
            finally:
                c.close()

        results = run_threads(2 * keys, one)
        self.assertEqual([r for r in results if isinstance(r, BaseException)], [])
        for k in range(keys):
            a, b = results[2 * k], results[2 * k + 1]
            self.assertEqual((a.status, b.status), (200, 200), (a, b))
            self.assertEqual(a.json["id"], b.json["id"], "key same-%d executed twice" % k)
            replays = [r.header("Idempotent-Replayed") for r in (a, b)]
            self.assertEqual(replays.count("true"), 1, replays)
        self.assertEqual(len(self.api.refunds_of(pi)), keys)
        self.verify()


if __name__ == "__main__":
    unittest.main()
