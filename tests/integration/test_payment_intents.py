"""Proves the payment intent lifecycle of docs/native-api.md over HTTP: automatic and manual capture,
full and partial capture, cancel, confirm, charges, and the refusals of each wrong state."""

import unittest

from harness import ServerTestCase


class PaymentIntents(ServerTestCase):

    def test_automatic_capture_succeeds_with_a_captured_charge(self):
        pi = self.api.pay(1000, metadata={"order": "42"}, description="two hats")
        self.assertTrue(pi["id"].startswith("pi_"), pi)
        self.assertEqual(pi["object"], "payment_intent")
        self.assertEqual(pi["status"], "succeeded")
        self.assertEqual(pi["amount"], 1000)
        self.assertEqual(pi["amount_received"], 1000)
        self.assertEqual(pi["amount_capturable"], 0)
        self.assertEqual(pi["capture_method"], "automatic")
        self.assertEqual(pi["currency"], "usd")
        self.assertEqual(pi["payment_method"], "pm_card_visa")
        self.assertEqual(pi["metadata"], {"order": "42"})
        self.assertEqual(pi["description"], "two hats")
        self.assertIs(pi["livemode"], False)
        self.assertIsInstance(pi["created"], int)
        self.assertIsNone(pi["canceled_at"])
        self.assertIsNone(pi["cancellation_reason"])
        self.assertTrue(pi["latest_charge"].startswith("ch_"), pi)

        ch = self.api.charge(pi["latest_charge"])
        self.assertEqual(ch["object"], "charge")
        self.assertEqual(ch["payment_intent"], pi["id"])
        self.assertEqual((ch["amount"], ch["amount_captured"], ch["amount_refunded"]), (1000, 1000, 0))
        self.assertIs(ch["captured"], True)
        self.assertIs(ch["paid"], True)
        self.assertIs(ch["refunded"], False)
        self.assertEqual(ch["status"], "succeeded")
        self.assertEqual(ch["currency"], "usd")

    def test_retrieve_returns_the_created_object(self):
        pi = self.api.pay(777)
        self.assertEqual(self.api.intent(pi["id"]), pi)

    def test_json_body_is_accepted(self):
        r = self.api.post("/v1/payment_intents", json_body={
            "amount": 1500, "currency": "eur", "confirm": True, "payment_method": "pm_card_mastercard",
            "metadata": {"k": "v"}})
        pi = self.api.ok(r, "create with JSON")
        self.assertEqual((pi["status"], pi["amount_received"], pi["currency"]),
                         ("succeeded", 1500, "eur"))
        self.assertEqual(pi["metadata"], {"k": "v"})

    def test_zero_decimal_currency_keeps_whole_units(self):
        pi = self.api.pay(5000, currency="jpy")
        self.assertEqual((pi["amount"], pi["currency"], pi["status"]), (5000, "jpy", "succeeded"))

    def test_without_confirm_there_is_no_charge_until_confirmed(self):
        pi = self.api.pay(1200, confirm=False, payment_method=None)
        self.assertEqual(pi["status"], "requires_payment_method")
        self.assertIsNone(pi["latest_charge"])
        pi = self.api.pay(1200, confirm=False)
        self.assertEqual(pi["status"], "requires_confirmation")
        self.assertIsNone(pi["latest_charge"])
        confirmed = self.api.ok(self.api.post("/v1/payment_intents/%s/confirm" % pi["id"]), "confirm")
        self.assertEqual(confirmed["status"], "succeeded")
        self.assertEqual(confirmed["amount_received"], 1200)
        self.assertTrue(confirmed["latest_charge"].startswith("ch_"))

    def test_confirm_with_a_payment_method(self):
        pi = self.api.pay(1300, confirm=False, payment_method=None)
        confirmed = self.api.ok(self.api.post("/v1/payment_intents/%s/confirm" % pi["id"],
                                              {"payment_method": "pm_card_amex"}), "confirm")
        self.assertEqual((confirmed["status"], confirmed["payment_method"]),
                         ("succeeded", "pm_card_amex"))

    def test_manual_capture_in_full(self):
        pi = self.api.pay(2000, capture_method="manual")
        self.assertEqual(pi["status"], "requires_capture")
        self.assertEqual((pi["amount_capturable"], pi["amount_received"]), (2000, 0))
        ch = self.api.charge(pi["latest_charge"])
        self.assertIs(ch["captured"], False)
        self.assertEqual(ch["amount_captured"], 0)

        cap = self.api.ok(self.api.post("/v1/payment_intents/%s/capture" % pi["id"]), "capture")
        self.assertEqual(cap["status"], "succeeded")
        self.assertEqual((cap["amount_received"], cap["amount_capturable"]), (2000, 0))
        ch = self.api.charge(cap["latest_charge"])
        self.assertIs(ch["captured"], True)
        self.assertEqual(ch["amount_captured"], 2000)

    def test_partial_capture_releases_the_rest(self):
        pi = self.api.pay(1000, capture_method="manual")
        cap = self.api.ok(self.api.post("/v1/payment_intents/%s/capture" % pi["id"],
                                        {"amount_to_capture": 600}), "partial capture")
        self.assertEqual(cap["status"], "succeeded")
        self.assertEqual((cap["amount_received"], cap["amount_capturable"]), (600, 0))
        self.assertEqual(self.api.charge(cap["latest_charge"])["amount_captured"], 600)
        # Only what was captured can be refunded.
        self.assertError(self.api.refund(pi["id"], 601), 400, "amount_too_large")
        full = self.api.ok(self.api.refund(pi["id"]), "refund the rest")
        self.assertEqual(full["amount"], 600)

    def test_capture_more_than_capturable_is_refused(self):
        pi = self.api.pay(1000, capture_method="manual")
        r = self.api.post("/v1/payment_intents/%s/capture" % pi["id"], {"amount_to_capture": 1001})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.api.intent(pi["id"])["status"], "requires_capture")

    def test_cancel_voids_the_authorization(self):
        pi = self.api.pay(900, capture_method="manual")
        c = self.api.ok(self.api.post("/v1/payment_intents/%s/cancel" % pi["id"],
                                      {"cancellation_reason": "requested_by_customer"}), "cancel")
        self.assertEqual(c["status"], "canceled")
        self.assertEqual(c["cancellation_reason"], "requested_by_customer")
        self.assertIsInstance(c["canceled_at"], int)
        self.assertEqual(c["amount_received"], 0)
        self.assertEqual(self.api.intent(pi["id"])["status"], "canceled")

    def test_cancel_before_confirmation(self):
        pi = self.api.pay(900, confirm=False)
        c = self.api.ok(self.api.post("/v1/payment_intents/%s/cancel" % pi["id"]), "cancel")
        self.assertEqual(c["status"], "canceled")

    def test_wrong_state_transitions_are_refused_and_change_nothing(self):
        done = self.api.pay(1000)
        canceled = self.api.pay(1000, capture_method="manual")
        self.api.ok(self.api.post("/v1/payment_intents/%s/cancel" % canceled["id"]), "cancel")
        captured = self.api.pay(1000, capture_method="manual")
        self.api.ok(self.api.post("/v1/payment_intents/%s/capture" % captured["id"]), "capture")
        unconfirmed = self.api.pay(1000, confirm=False)

        for pi, action in [(done, "capture"), (done, "cancel"), (canceled, "capture"),
                           (canceled, "cancel"), (captured, "capture"), (captured, "cancel"),
                           (unconfirmed, "capture")]:
            with self.subTest(status=pi["status"], action=action):
                before = self.api.intent(pi["id"])
                r = self.api.post("/v1/payment_intents/%s/%s" % (pi["id"], action))
                self.assertError(r, 400, "payment_intent_unexpected_state")
                self.assertEqual(self.api.intent(pi["id"]), before)

    def test_confirm_twice_is_refused(self):
        pi = self.api.pay(1000)
        r = self.api.post("/v1/payment_intents/%s/confirm" % pi["id"])
        self.assertError(r, 400, "payment_intent_unexpected_state")

    def test_unknown_payment_intent_is_404(self):
        for path in ["/v1/payment_intents/pi_doesnotexist0000000000",
                     "/v1/charges/ch_doesnotexist0000000000"]:
            with self.subTest(path=path):
                self.assertError(self.api.get(path), 404, "resource_missing")
        for action in ["capture", "cancel", "confirm"]:
            with self.subTest(action=action):
                r = self.api.post("/v1/payment_intents/pi_doesnotexist0000000000/" + action)
                self.assertError(r, 404, "resource_missing")


if __name__ == "__main__":
    unittest.main()
