"""Proves that an acknowledged refund survives kill -9: after a restart on the same data dir every refund
that was answered 200 is there, replays the same, and no payment shows more refunded than it had."""

import threading
import unittest
import uuid

from harness import Client, Refundd, run_threads

THREADS = 16


class Durability(unittest.TestCase):

    def setUp(self):
        self.server = Refundd().start()
        self.addCleanup(self.server.cleanup)

    def payments(self, n, amount):
        api = self.server.client()
        out = [api.pay(amount) for _ in range(n)]
        api.close()
        return out

    def test_acknowledged_refunds_survive_kill_9(self):
        pis = self.payments(20, 10_000)
        per_thread = 25

        def one(i, barrier):
            c = Client(self.server.port, key=self.server.key).connect()
            acked = []
            barrier.wait()
            for j in range(per_thread):
                pi = pis[(i * per_thread + j) % len(pis)]
                key = uuid.uuid4().hex
                r = c.refund(pi["id"], 7, idempotency_key=key)
                if r.status != 200:
                    raise AssertionError("refund refused: %r" % r)
                acked.append((key, pi["id"], r))
            c.close()
            return acked

        results = run_threads(THREADS, one)
        self.server.kill()
        for r in results:
            if isinstance(r, BaseException):
                raise r
        acked = [a for r in results for a in r]
        self.assertEqual(len(acked), THREADS * per_thread)

        self.server.start()
        api = self.server.client()
        for key, pi_id, r in acked:
            got = api.get("/v1/refunds/" + r.json["id"])
            self.assertEqual(got.status, 200, "acknowledged refund %s lost: %r" % (r.json["id"], got))
            self.assertEqual(got.json, r.json)
        by_pi = {}
        for _key, pi_id, r in acked:
            by_pi[pi_id] = by_pi.get(pi_id, 0) + r.json["amount"]
        for pi_id, total in by_pi.items():
            self.assertEqual(api.charge_of(pi_id)["amount_refunded"], total, pi_id)
        # Idempotency records are as durable as the refunds.
        for key, pi_id, r in acked[:20]:
            again = api.refund(pi_id, 7, idempotency_key=key)
            self.assertEqual((again.status, again.body), (200, r.body))
            self.assertEqual(again.header("Idempotent-Replayed"), "true")
        api.close()

    def test_kill_9_in_the_middle_of_a_stream_of_refunds(self):
        pis = self.payments(8, 1_000_000)
        lock = threading.Lock()
        acked = []
        enough = threading.Event()
        target = 200

        def one(i, barrier):
            c = Client(self.server.port, key=self.server.key, timeout=10).connect()
            barrier.wait()
            j = 0
            while True:
                pi = pis[(i + j) % len(pis)]
                j += 1
                try:
                    r = c.refund(pi["id"], 3)
                except OSError:  # the process is gone
                    return None
                if r.status != 200:
                    raise AssertionError("refund refused: %r" % r)
                with lock:
                    acked.append(r.json)
                    if len(acked) >= target:
                        enough.set()
                if j > 10_000:
                    raise AssertionError("never killed")

        killer = threading.Thread(target=lambda: (enough.wait(60), self.server.kill()))
        killer.start()
        results = run_threads(THREADS, one)
        killer.join()
        for r in results:
            if isinstance(r, BaseException):
                raise r
        self.assertGreaterEqual(len(acked), target)

        self.server.start()
        api = self.server.client()
        stored = {}
        for pi in pis:
            refunds = api.refunds_of(pi["id"])
            stored.update({r["id"]: r for r in refunds})
            ch = api.charge_of(pi["id"])
            self.assertEqual(ch["amount_refunded"], sum(r["amount"] for r in refunds), pi["id"])
            self.assertLessEqual(ch["amount_refunded"], ch["amount_captured"])
        for r in acked:
            self.assertIn(r["id"], stored, "acknowledged refund lost after kill -9")
            self.assertEqual(stored[r["id"]], r)
        # At most one request per connection was in flight when the process died.
        self.assertLessEqual(len(stored) - len(acked), THREADS)
        api.close()

    def test_restart_keeps_merchants_and_keys(self):
        other = self.server.create_merchant("durable-other")
        api = self.server.client()
        pi = api.pay(1000)
        api.close()
        self.server.restart()
        self.assertFalse([l for l in self.server.stdout_lines() if "secret_key" in l],
                         "a restart on an existing data dir must not print new credentials")
        text, merchants = self.server.list_merchants()
        self.assertEqual(sorted(m["name"] for m in merchants), ["durable-other", "sandbox"])
        api = self.server.client()
        self.assertEqual(api.intent(pi["id"])["status"], "succeeded")
        them = self.server.client(key=other["credentials"]["native"]["secret_key"])
        self.assertEqual(them.pay(500)["status"], "succeeded")
        api.close()
        them.close()


if __name__ == "__main__":
    unittest.main()
