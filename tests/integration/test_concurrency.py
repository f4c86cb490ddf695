"""Proves that concurrent refunds never over-refund: 200 simultaneous requests, each on its own
connection, against one payment succeed exactly floor(captured / amount) times."""

import unittest

from harness import Client, ServerTestCase, run_threads

REQUESTS = 200


class ConcurrentRefunds(ServerTestCase):

    def race(self, captured, amount, via_charge=False):
        pi = self.api.pay(captured)
        target = ({"charge": pi["latest_charge"]} if via_charge else {"payment_intent": pi["id"]})

        def one(_i, barrier):
            c = Client(self.server.port, key=self.server.key).connect()
            try:
                barrier.wait()
                return c.post("/v1/refunds", dict(target, amount=amount))
            finally:
                c.close()

        results = run_threads(REQUESTS, one)
        errors = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(errors, [], "requests failed at the transport level")

        ok = [r for r in results if r.status == 200]
        refused = [r for r in results if r.status != 200]
        expected = min(REQUESTS, captured // amount)
        self.assertEqual(len(ok), expected, "successes (refused codes: %s)"
                         % sorted({(r.status, r.error.get("code")) for r in refused}))
        for r in refused:
            self.assertEqual(r.status, 400, r)
            self.assertIn(r.error.get("code"), ("amount_too_large", "charge_already_refunded"), r)
        self.assertEqual(len({r.json["id"] for r in ok}), len(ok), "refund ids are unique")
        self.assertTrue(all(r.json["amount"] == amount for r in ok))

        ch = self.api.charge_of(pi["id"])
        self.assertEqual(ch["amount_refunded"], len(ok) * amount)
        listed = self.api.refunds_of(pi["id"])
        self.assertEqual(sorted(r["id"] for r in listed), sorted(r.json["id"] for r in ok))
        return ok, refused

    def test_uneven_amount_stops_before_the_total(self):
        ok, refused = self.race(10_000, 70)  # 142 fit, 60 minor units remain
        self.assertTrue(all(r.error["code"] == "amount_too_large" for r in refused))

    def test_even_amount_exhausts_the_payment(self):
        ok, refused = self.race(5_000, 50, via_charge=True)  # exactly 100 fit
        self.assertEqual(len(refused), REQUESTS - 100)

    def test_concurrent_default_amount_refunds_one_full_refund(self):
        pi = self.api.pay(1234)

        def one(_i, barrier):
            c = Client(self.server.port, key=self.server.key).connect()
            try:
                barrier.wait()
                return c.post("/v1/refunds", {"payment_intent": pi["id"]})
            finally:
                c.close()

        results = run_threads(50, one)
        self.assertFalse([r for r in results if isinstance(r, BaseException)])
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 1, sorted({(r.status, r.error.get("code")) for r in results}))
        self.assertEqual(ok[0].json["amount"], 1234)
        for r in results:
            if r.status != 200:
                self.assertError(r, 400, "charge_already_refunded")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 1234)


if __name__ == "__main__":
    unittest.main()
