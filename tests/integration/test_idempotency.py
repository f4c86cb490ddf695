"""Proves the Idempotency-Key rules of docs/native-api.md: a replay is the first response byte for byte,
other parameters are refused, a key in use answers 409 and never runs twice, refusals before the
write path store nothing, and keys are scoped to the merchant."""

import unittest
import uuid

from harness import Client, ServerTestCase, key_of, run_threads


def new_key():
    return "it-" + uuid.uuid4().hex


class Idempotency(ServerTestCase):

    def test_replay_is_byte_for_byte_and_runs_once(self):
        pi = self.api.pay(1000)
        key = new_key()
        first = self.api.refund(pi["id"], 300, idempotency_key=key, metadata={"n": "1"})
        self.assertEqual(first.status, 200, first)
        self.assertNotEqual((first.header("Idempotent-Replayed") or "").lower(), "true")
        for _ in range(3):
            again = self.api.refund(pi["id"], 300, idempotency_key=key, metadata={"n": "1"})
            self.assertEqual(again.status, 200, again)
            self.assertEqual(again.body, first.body)
            self.assertEqual(again.header("Idempotent-Replayed"), "true")
        # A fresh connection sees the same.
        other = Client(self.server.port, key=self.server.key)
        self.assertEqual(other.refund(pi["id"], 300, idempotency_key=key, metadata={"n": "1"}).body,
                         first.body)
        other.close()
        self.assertEqual(len(self.api.refunds_of(pi["id"])), 1)
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 300)

    def test_json_and_form_with_the_same_key(self):
        pi = self.api.pay(1000)
        key = new_key()
        first = self.api.post("/v1/refunds", json_body={"payment_intent": pi["id"], "amount": 10},
                              idempotency_key=key)
        self.assertEqual(first.status, 200, first)
        again = self.api.post("/v1/refunds", json_body={"payment_intent": pi["id"], "amount": 10},
                              idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))

    def test_payment_intent_creation_replays(self):
        key = new_key()
        params = {"amount": 500, "currency": "usd", "confirm": "true",
                  "payment_method": "pm_card_visa"}
        first = self.api.post("/v1/payment_intents", params, idempotency_key=key)
        self.assertEqual(first.status, 200, first)
        again = self.api.post("/v1/payment_intents", params, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertEqual(again.header("Idempotent-Replayed"), "true")

    def test_same_key_other_parameters_is_refused(self):
        pi = self.api.pay(1000)
        key = new_key()
        self.assertEqual(self.api.refund(pi["id"], 100, idempotency_key=key).status, 200)
        for r in [self.api.refund(pi["id"], 101, idempotency_key=key),
                  self.api.refund(pi["id"], 100, idempotency_key=key, reason="duplicate"),
                  self.api.post("/v1/payment_intents", {"amount": 100, "currency": "usd"},
                                idempotency_key=key)]:
            self.assertError(r, 400, "idempotency_key_reused", type_="idempotency_error")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 100)

    def test_business_refusals_are_stored_and_replayed(self):
        pi = self.api.pay(1000)
        key = new_key()
        first = self.api.refund(pi["id"], 5000, idempotency_key=key)
        self.assertError(first, 400, "amount_too_large")
        again = self.api.refund(pi["id"], 5000, idempotency_key=key)
        self.assertEqual((again.status, again.body), (400, first.body))
        self.assertEqual(again.header("Idempotent-Replayed"), "true")

    def test_refusals_about_the_body_store_nothing(self):
        pi = self.api.pay(1000)
        key = new_key()
        bad = self.api.refund(pi["id"], "ten", idempotency_key=key)
        self.assertEqual(bad.status, 400, bad)
        fixed = self.api.refund(pi["id"], 10, idempotency_key=key)
        self.assertEqual(fixed.status, 200, fixed)
        self.assertEqual(fixed.json["amount"], 10)

    def test_a_refused_amount_claims_no_key_and_the_corrected_request_replays(self):
        pi = self.api.pay(1000)
        key = new_key()
        bad = self.api.refund(pi["id"], "abc", idempotency_key=key)
        self.assertEqual(bad.status, 400, bad)
        self.assertEqual(bad.error.get("param"), "amount", bad)
        first = self.api.refund(pi["id"], 10, idempotency_key=key)
        self.assertEqual(first.status, 200, first)
        again = self.api.refund(pi["id"], 10, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(len(self.api.refunds_of(pi["id"])), 1)

    def test_a_refused_endpoint_claims_no_key_and_the_corrected_one_replays_its_secret(self):
        key = new_key()
        bad = self.api.post("/v1/webhook_endpoints",
                            {"url": "ftp://example.com/hook", "enabled_events": ["*"]},
                            idempotency_key=key)
        self.assertError(bad, 400, "url_invalid", param="url")
        params = {"url": "https://example.com/hook", "enabled_events": ["*"]}
        first = self.api.post("/v1/webhook_endpoints", params, idempotency_key=key)
        self.assertEqual(first.status, 200, first)
        self.assertTrue(first.json["secret"].startswith("whsec_"), first)
        again = self.api.post("/v1/webhook_endpoints", params, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.api.ok(self.api.request("DELETE", "/v1/webhook_endpoints/" + first.json["id"]),
                    "delete endpoint")

    def test_unauthenticated_requests_store_nothing(self):
        pi = self.api.pay(1000)
        key = new_key()
        r = self.api.refund(pi["id"], 10, idempotency_key=key, key="sk_test_wrong")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(self.api.refund(pi["id"], 10, idempotency_key=key).status, 200)

    def test_key_longer_than_255_is_refused(self):
        pi = self.api.pay(1000)
        r = self.api.refund(pi["id"], 10, idempotency_key="k" * 256)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.api.refunds_of(pi["id"]), [])
        self.assertEqual(self.api.refund(pi["id"], 10, idempotency_key="k" * 255).status, 200)

    def test_in_flight_duplicates_answer_409_or_the_same_response(self):
        pi = self.api.pay(100_000)
        key = new_key()
        n = 64

        def one(_i, barrier):
            c = Client(self.server.port, key=self.server.key).connect()
            try:
                barrier.wait()
                return c.refund(pi["id"], 250, idempotency_key=key)
            finally:
                c.close()

        results = run_threads(n, one)
        self.assertFalse([r for r in results if isinstance(r, BaseException)], results)
        ok = [r for r in results if r.status == 200]
        in_use = [r for r in results if r.status == 409]
        self.assertEqual(len(ok) + len(in_use), n,
                         sorted({(r.status, r.error.get("code")) for r in results}))
        self.assertGreaterEqual(len(ok), 1)
        self.assertEqual({r.body for r in ok}, {ok[0].body})
        for r in in_use:
            self.assertError(r, 409, "idempotency_key_in_use", type_="idempotency_error")
        self.assertEqual(len(self.api.refunds_of(pi["id"])), 1)
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 250)
        # Once settled, the key replays.
        again = self.api.refund(pi["id"], 250, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, ok[0].body))

    def test_keys_are_scoped_to_the_merchant(self):
        other = self.server.create_merchant("idem-other")
        them = Client(self.server.port, key=key_of(other))
        mine, theirs = self.api.pay(1000), them.pay(1000)
        key = new_key()
        a = self.api.refund(mine["id"], 100, idempotency_key=key)
        b = them.refund(theirs["id"], 100, idempotency_key=key)
        self.assertEqual((a.status, b.status), (200, 200), (a, b))
        self.assertNotEqual(a.json["id"], b.json["id"])
        self.assertEqual(b.json["payment_intent"], theirs["id"])
        self.assertNotEqual((b.header("Idempotent-Replayed") or "").lower(), "true")
        # The other merchant sending my request with my key gets no replay of my response: to them
        # my payment does not exist.
        key2 = new_key()
        a2 = self.api.refund(mine["id"], 50, idempotency_key=key2)
        self.assertEqual(a2.status, 200, a2)
        c = them.refund(mine["id"], 50, idempotency_key=key2)
        self.assertError(c, 404, "resource_missing")
        self.assertNotIn(a2.json["id"].encode(), c.body)
        them.close()


if __name__ == "__main__":
    unittest.main()
