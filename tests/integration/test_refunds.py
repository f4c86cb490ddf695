"""Proves the refund rules of docs/native-api.md over HTTP: full, partial and repeated refunds up to the
captured amount and the refusals past it, refunds by charge, retrieve, list with its cursors and
filters, metadata updates, and cancel."""

import unittest

from harness import ServerTestCase


class Refunds(ServerTestCase):

    def test_full_refund_by_default(self):
        pi = self.api.pay(1000)
        r = self.api.refund(pi["id"], reason="requested_by_customer", metadata={"ticket": "7"})
        re_ = self.api.ok(r, "full refund")
        self.assertTrue(re_["id"].startswith("re_"), re_)
        self.assertEqual(re_["object"], "refund")
        self.assertEqual(re_["amount"], 1000)
        self.assertEqual(re_["currency"], "usd")
        self.assertEqual(re_["payment_intent"], pi["id"])
        self.assertEqual(re_["charge"], pi["latest_charge"])
        self.assertEqual(re_["status"], "succeeded")
        self.assertEqual(re_["reason"], "requested_by_customer")
        self.assertEqual(re_["metadata"], {"ticket": "7"})
        self.assertIsInstance(re_["created"], int)
        self.assertIsNone(re_["balance_transaction"])
        self.assertIsNone(re_["receipt_number"])

        ch = self.api.charge(pi["latest_charge"])
        self.assertEqual(ch["amount_refunded"], 1000)
        self.assertIs(ch["refunded"], True)
        self.assertError(self.api.refund(pi["id"]), 400, "charge_already_refunded")
        self.assertError(self.api.refund(pi["id"], 1), 400, "charge_already_refunded")

    def test_partial_refund(self):
        pi = self.api.pay(1000)
        re_ = self.api.ok(self.api.refund(pi["id"], 300), "partial refund")
        self.assertEqual((re_["amount"], re_["reason"], re_["metadata"]), (300, None, {}))
        ch = self.api.charge_of(pi["id"])
        self.assertEqual(ch["amount_refunded"], 300)
        self.assertIs(ch["refunded"], False)
        # The default amount is what remains.
        rest = self.api.ok(self.api.refund(pi["id"]), "refund the rest")
        self.assertEqual(rest["amount"], 700)
        self.assertIs(self.api.charge_of(pi["id"])["refunded"], True)

    def test_partials_add_up_to_the_total_and_no_further(self):
        pi = self.api.pay(1000)
        for amount in (100, 250, 400):
            self.api.ok(self.api.refund(pi["id"], amount), "refund %d" % amount)
        self.assertError(self.api.refund(pi["id"], 251), 400, "amount_too_large")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 750)
        self.api.ok(self.api.refund(pi["id"], 250), "last 250")
        self.assertError(self.api.refund(pi["id"], 1), 400, "charge_already_refunded")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 1000)
        self.assertEqual(sum(r["amount"] for r in self.api.refunds_of(pi["id"])), 1000)

    def test_over_refund_is_refused_and_changes_nothing(self):
        pi = self.api.pay(1000)
        self.assertError(self.api.refund(pi["id"], 1001), 400, "amount_too_large")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 0)
        self.assertEqual(self.api.refunds_of(pi["id"]), [])

    def test_refund_by_charge(self):
        pi = self.api.pay(1000)
        r = self.api.post("/v1/refunds", {"charge": pi["latest_charge"], "amount": 400})
        re_ = self.api.ok(r, "refund by charge")
        self.assertEqual((re_["charge"], re_["payment_intent"], re_["amount"]),
                         (pi["latest_charge"], pi["id"], 400))
        self.assertEqual(self.api.charge(pi["latest_charge"])["amount_refunded"], 400)

    def test_uncaptured_or_canceled_is_not_refundable(self):
        uncaptured = self.api.pay(1000, capture_method="manual")
        canceled = self.api.pay(1000, capture_method="manual")
        self.api.ok(self.api.post("/v1/payment_intents/%s/cancel" % canceled["id"]), "cancel")
        unconfirmed = self.api.pay(1000, confirm=False)
        for pi in (uncaptured, canceled, unconfirmed):
            with self.subTest(status=pi["status"]):
                self.assertError(self.api.refund(pi["id"]), 400, "charge_not_refundable")
                self.assertError(self.api.refund(pi["id"], 10), 400, "charge_not_refundable")
                self.assertEqual(self.api.refunds_of(pi["id"]), [])
        self.assertError(self.api.post("/v1/refunds", {"charge": uncaptured["latest_charge"]}),
                         400, "charge_not_refundable")
        self.assertEqual(self.api.intent(uncaptured["id"])["status"], "requires_capture")

    def test_retrieve(self):
        pi = self.api.pay(1000)
        re_ = self.api.ok(self.api.refund(pi["id"], 10), "refund")
        self.assertEqual(self.api.ok(self.api.get("/v1/refunds/" + re_["id"]), "get"), re_)

    def test_list_newest_first_with_cursors(self):
        pi = self.api.pay(1000)
        ids = [self.api.ok(self.api.refund(pi["id"], 10 + i), "refund")["id"] for i in range(5)]
        newest_first = list(reversed(ids))

        def page(**q):
            q.setdefault("payment_intent", pi["id"])
            body = self.api.ok(self.api.get("/v1/refunds", q), "list %r" % q)
            self.assertEqual((body["object"], body["url"]), ("list", "/v1/refunds"))
            return [r["id"] for r in body["data"]], body["has_more"]

        self.assertEqual(page(), (newest_first, False))
        self.assertEqual(page(limit=2), (newest_first[:2], True))
        self.assertEqual(page(limit=2, starting_after=newest_first[1]), (newest_first[2:4], True))
        self.assertEqual(page(limit=2, starting_after=newest_first[3]), (newest_first[4:], False))
        self.assertEqual(page(limit=2, ending_before=newest_first[3]), (newest_first[1:3], True))
        self.assertEqual(page(limit=2, ending_before=newest_first[1]), (newest_first[:1], False))
        self.assertEqual(page(limit=100), (newest_first, False))

    def test_list_filters_by_payment_intent_and_charge(self):
        a, b = self.api.pay(1000), self.api.pay(1000)
        ra = self.api.ok(self.api.refund(a["id"], 5), "refund a")
        rb = self.api.ok(self.api.refund(b["id"], 6), "refund b")
        by_pi = self.api.ok(self.api.get("/v1/refunds", {"payment_intent": a["id"]}), "list")
        self.assertEqual([r["id"] for r in by_pi["data"]], [ra["id"]])
        self.assertEqual(by_pi["data"][0], ra)
        by_ch = self.api.ok(self.api.get("/v1/refunds", {"charge": b["latest_charge"]}), "list")
        self.assertEqual([r["id"] for r in by_ch["data"]], [rb["id"]])

    def test_list_of_all_refunds_is_newest_first(self):
        pi = self.api.pay(1000)
        first = self.api.ok(self.api.refund(pi["id"], 1), "refund")
        second = self.api.ok(self.api.refund(pi["id"], 2), "refund")
        body = self.api.ok(self.api.get("/v1/refunds", {"limit": 2}), "list")
        self.assertEqual([r["id"] for r in body["data"]], [second["id"], first["id"]])
        default_page = self.api.ok(self.api.get("/v1/refunds"), "list")["data"]
        self.assertLessEqual(len(default_page), 10)

    def test_update_merges_metadata_and_an_empty_value_removes_a_key(self):
        pi = self.api.pay(1000)
        re_ = self.api.ok(self.api.refund(pi["id"], 10, metadata={"a": "1", "b": "2"}), "refund")
        up = self.api.ok(self.api.post("/v1/refunds/" + re_["id"],
                                       {"metadata": {"b": "", "c": "3"}}), "update")
        self.assertEqual(up["metadata"], {"a": "1", "c": "3"})
        self.assertEqual(up["amount"], 10)
        got = self.api.ok(self.api.get("/v1/refunds/" + re_["id"]), "get")
        self.assertEqual(got["metadata"], {"a": "1", "c": "3"})

    def test_cancel_of_a_succeeded_refund_is_refused(self):
        pi = self.api.pay(1000)
        re_ = self.api.ok(self.api.refund(pi["id"], 10), "refund")
        r = self.api.post("/v1/refunds/%s/cancel" % re_["id"])
        self.assertError(r, 400, "refund_unexpected_state")
        self.assertEqual(self.api.ok(self.api.get("/v1/refunds/" + re_["id"]), "get")["status"],
                         "succeeded")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 10)

    def test_refunds_keep_the_payment_currency(self):
        pi = self.api.pay(3000, currency="jpy")
        re_ = self.api.ok(self.api.refund(pi["id"], 1000), "refund jpy")
        self.assertEqual((re_["amount"], re_["currency"]), (1000, "jpy"))

    def test_payment_stays_succeeded_after_refunds(self):
        pi = self.api.pay(1000)
        self.api.ok(self.api.refund(pi["id"]), "refund")
        after = self.api.intent(pi["id"])
        self.assertEqual((after["status"], after["amount_received"]), ("succeeded", 1000))


if __name__ == "__main__":
    unittest.main()
