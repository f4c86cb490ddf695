"""Proves the Kushki online card dialect over HTTP against the real binary: the seed's refund
bodies replay byte for byte into Kushki's 201 shape, the whole flow token -> charge -> partial
refunds -> over-refund (K023), void vs refund by Colombia's cut-off (sandbox clock), captures,
Idempotency-Key replay, 100 concurrent partial refunds that never exceed the sale, and bad input
answered with Kushki's codes while nothing changes."""

import json
import unittest

from harness import (ServerTestCase, body_over_the_limit, headers_over_the_limit, run_threads,
                     send_raw)
from kushki_helpers import (SEED_ONLINE_CURL, SEED_ONLINE_PARTIAL, TICKET_RE, UUID_RE, Kushki,
                            local_ms, new_id, online_amount)


class KushkiOnline(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.k = Kushki(cls.server, cls.server.sandbox["credentials"]["kushki"])

    @classmethod
    def tearDownClass(cls):
        cls.k.close()
        super().tearDownClass()

    def assertKushkiError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(sorted(resp.json), ["code", "message"], resp)
        self.assertEqual(resp.json["code"], code, resp)
        self.assertTrue(resp.json["message"], resp)

    def assertCancel(self, resp, sale, kind=None):
        self.assertEqual(resp.status, 201, resp)
        body = resp.json
        self.assertRegex(body["ticketNumber"], TICKET_RE)
        self.assertNotEqual(body["ticketNumber"], sale["ticketNumber"])
        self.assertRegex(body["transactionReference"], UUID_RE)
        if "details" in body:
            d = body["details"]
            self.assertEqual(d["transactionStatus"], "INITIALIZED")
            self.assertIn(d["transactionType"], ("VOID", "REFUND"))
            if kind:
                self.assertEqual(d["transactionType"], kind)
            self.assertEqual(d["ticketNumber"], body["ticketNumber"])
            self.assertEqual(d["saleTicketNumber"], sale["ticketNumber"])
        return body

    # --- credentials ---------------------------------------------------------------------------

    def test_unknown_paths_and_wrong_methods_answer_in_kushki_shape(self):
        # Regression: Kushki's paths answered the shared router's Stripe-shaped {"error": {...}}.
        sale = self.k.charge(online_amount(subtotal_iva0=100), 100)
        ticket = sale["ticketNumber"]
        for method, path, status, code, allow in [
                ("GET", "/v1/refund/" + ticket, 405, "K405", "DELETE"),
                ("POST", "/v1/charges/" + ticket, 405, "K405", "DELETE"),
                ("GET", "/card/v1/charges", 405, "K405", "POST"),
                ("POST", "/card/v1/nope", 404, "K404", None),
                ("POST", "/v1/tokens", 404, "K404", None)]:
            with self.subTest(method=method, path=path):
                r = self.k.online(method, path, {"amount": online_amount(subtotal_iva0=1)})
                self.assertKushkiError(r, status, code)
                self.assertEqual(r.header("Allow"), allow, r)
                self.assertIn(method + " " + path, r.json["message"], r)
        # /v1/refund and /card are Kushki's even without its header; nothing was refunded.
        self.assertKushkiError(self.k.online("GET", "/v1/refund/" + ticket, merchant_id=""), 405,
                               "K405")
        self.assertKushkiError(self.k.online("GET", "/card/v2/x", merchant_id=""), 404, "K404")
        self.assertEqual(self.k.refund(ticket).status, 201)

    def test_refusals_of_the_http_server_answer_in_kushki_shape(self):
        # Regression: a body over the server's limit got its Stripe-shaped error.
        sale = self.k.charge(online_amount(subtotal_iva0=100), 100)
        path = "/v1/refund/" + sale["ticketNumber"]
        merchant = {"Private-Merchant-Id": self.k.creds["private_merchant_id"]}
        r = send_raw(self.server.port, body_over_the_limit("DELETE", path, merchant))
        self.assertKushkiError(r, 413, "K413")
        self.assertIn("1048576 bytes", r.json["message"], r)
        # Under /v1/charges only the merchant header makes it Kushki's: read for a 413.
        r = send_raw(self.server.port,
                     body_over_the_limit("DELETE", "/v1/charges/" + sale["ticketNumber"], merchant))
        self.assertKushkiError(r, 413, "K413")
        r = send_raw(self.server.port, headers_over_the_limit("POST", "/card/v1/charges"))
        self.assertKushkiError(r, 431, "K431")
        # Nothing was refunded.
        self.assertEqual(self.k.refund(sale["ticketNumber"]).status, 201)

    def test_merchants_create_prints_the_kushki_credentials(self):
        m = self.server.create_merchant("kushki-creds")
        creds = m["credentials"]["kushki"]
        self.assertEqual(sorted(creds), ["private_credential_id", "private_merchant_id",
                                         "public_merchant_id", "webhook_signature"])
        for v in creds.values():
            self.assertRegex(v, r"^[0-9a-f]{32}$")
        self.assertEqual(len(set(creds.values())), 4)
        # They work: a token with the public id, a charge with the private one.
        other = Kushki(self.server, creds)
        try:
            sale = other.charge(online_amount(subtotal_iva=10), 10)
            self.assertRegex(sale["ticketNumber"], TICKET_RE)
            # Another merchant's ticket is unknown here.
            self.assertKushkiError(self.k.refund(sale["ticketNumber"]), 400, "K010")
        finally:
            other.close()

    # --- the seed's examples, byte for byte ---------------------------------------------------

    def test_seed_partial_refund_example_replays_byte_for_byte(self):
        sale = self.k.charge(online_amount(subtotal_iva=10000, subtotal_iva0=10000, iva=9000,
                                           ice=3000), 32000)
        key = new_id()
        first = self.k.refund(sale["ticketNumber"], SEED_ONLINE_PARTIAL, idempotency_key=key)
        body = self.assertCancel(first, sale)
        d = body["details"]
        self.assertEqual(d["requestAmount"], 8737 + 9976 + 2099 + 8967)
        self.assertEqual(d["amount"], {"subtotalIva": 8737, "subtotalIva0": 9976, "iva": 8967,
                                       "ice": 2099, "currency": "COP"})
        self.assertTrue(d["partialVoid"])
        again = self.k.refund(sale["ticketNumber"], SEED_ONLINE_PARTIAL, idempotency_key=key)
        self.assertEqual((again.status, again.body), (first.status, first.body))

    def test_seed_curl_refund_with_webhooks_replays_byte_for_byte(self):
        sale = self.k.charge(online_amount(subtotal_iva=500, iva=95), 595)
        resp = self.k.refund(sale["ticketNumber"], SEED_ONLINE_CURL, idempotency_key=new_id())
        body = self.assertCancel(resp, sale)
        self.assertEqual(body["details"]["requestAmount"], 500)
        # Without fullResponse the answer is the seed's exact shape.
        rest = self.k.refund(sale["ticketNumber"])
        self.assertEqual(sorted(self.assertCancel(rest, sale)), ["ticketNumber",
                                                                 "transactionReference"])

    # --- flows ---------------------------------------------------------------------------------

    def test_token_charge_partial_refunds_then_over_refund_is_k023(self):
        sale = self.k.charge(online_amount(subtotal_iva=800, subtotal_iva0=48, iva=152), 1000)
        self.assertEqual(sale["details"]["transactionStatus"], "APPROVAL")
        self.assertEqual(sale["details"]["transactionType"], "SALE")
        self.assertEqual(sale["details"]["approvedTransactionAmount"], 1000)
        self.assertEqual(sale["details"]["paymentBrand"], "Visa")
        self.assertEqual(sale["details"]["maskedCardNumber"], "411111XXXXXX1111")
        t = sale["ticketNumber"]

        first = self.k.refund(t, {"fullResponse": "v2",
                                  "amount": online_amount(subtotal_iva=300)})
        self.assertEqual(self.assertCancel(first, sale)["details"]["requestAmount"], 300)
        second = self.k.refund(t, {"fullResponse": "v2",
                                   "amount": online_amount(subtotal_iva=400, iva=100)})
        self.assertEqual(self.assertCancel(second, sale)["details"]["requestAmount"], 500)
        self.assertNotEqual(first.json["ticketNumber"], second.json["ticketNumber"])
        # 100 of subtotalIva is left: 200 is over that bucket, even though 300 remain in total.
        self.assertKushkiError(
            self.k.refund(t, {"amount": online_amount(subtotal_iva=200)}), 400, "K023")
        # Over the whole sale.
        self.assertKushkiError(
            self.k.refund(t, {"amount": online_amount(subtotal_iva=100, subtotal_iva0=48,
                                                      iva=53)}), 400, "K023")
        # A bucket the sale never had.
        self.assertKushkiError(self.k.refund(t, {"amount": online_amount(subtotal_iva=1,
                                                                         ice=1)}), 400, "K023")
        # What remains, exactly, then nothing more.
        last = self.k.refund(t, {"fullResponse": "v2"})
        d = self.assertCancel(last, sale)["details"]
        self.assertEqual(d["requestAmount"], 200)
        self.assertEqual(d["amount"], {"subtotalIva": 100, "subtotalIva0": 48, "iva": 52,
                                       "currency": "COP"})
        self.assertFalse(d["partialVoid"])
        self.assertKushkiError(self.k.refund(t), 400, "K023")
        self.assertKushkiError(self.k.void(t), 400, "K023")

    def test_charge_then_void(self):
        sale = self.k.charge(online_amount(subtotal_iva=1000), 1000)
        resp = self.k.void(sale["ticketNumber"], {"fullResponse": True})
        self.assertEqual(self.assertCancel(resp, sale)["details"]["requestAmount"], 1000)
        self.assertKushkiError(self.k.void(sale["ticketNumber"]), 400, "K023")
        self.assertKushkiError(self.k.refund(sale["ticketNumber"]), 400, "K023")

    def test_void_before_the_cut_off_and_refund_after_it(self):
        # Colombia: voids until 20:59 local time on the sale's day (sandbox clock).
        at_ten = local_ms("COP", 2026, 4, 16, 10, 0)
        sale = self.k.charge(online_amount(subtotal_iva=100), 100, now=at_ten)
        self.assertEqual(sale["details"]["created"], at_ten)
        early = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2"},
                              now=local_ms("COP", 2026, 4, 16, 20, 58, 59))
        self.assertCancel(early, sale, "VOID")

        sale = self.k.charge(online_amount(subtotal_iva=100), 100, now=at_ten)
        late = self.k.void(sale["ticketNumber"], {"fullResponse": "v2"},
                           now=local_ms("COP", 2026, 4, 16, 20, 59))
        self.assertCancel(late, sale, "REFUND")

        sale = self.k.charge(online_amount(subtotal_iva=100), 100, now=at_ten)
        next_day = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2"},
                                 now=local_ms("COP", 2026, 4, 17, 9, 0))
        self.assertCancel(next_day, sale, "REFUND")

    def test_preauthorization_capture_and_void(self):
        auth = self.k.charge(online_amount(subtotal_iva=1000, iva=190), 1190, preauth=True)
        self.assertEqual(auth["details"]["transactionType"], "PREAUTHORIZATION")
        # Nothing captured yet: a refund is refused, a void releases it.
        self.assertKushkiError(self.k.refund(auth["ticketNumber"]), 400, "K020")
        released = self.k.void(auth["ticketNumber"], {"fullResponse": "v2"})
        self.assertEqual(self.assertCancel(released, auth, "VOID")["details"]["requestAmount"],
                         1190)
        self.assertKushkiError(self.k.online("POST", "/card/v1/capture",
                                             {"ticketNumber": auth["ticketNumber"]}), 400, "K020")

        auth = self.k.charge(online_amount(subtotal_iva=1000, iva=190), 1190, preauth=True)
        self.assertKushkiError(
            self.k.online("POST", "/card/v1/capture",
                          {"ticketNumber": auth["ticketNumber"],
                           "amount": online_amount("USD", subtotal_iva=100)}), 400, "K042")
        self.assertKushkiError(
            self.k.online("POST", "/card/v1/capture",
                          {"ticketNumber": auth["ticketNumber"],
                           "amount": online_amount(subtotal_iva=2000)}), 400, "K006")
        cap = self.k.online("POST", "/card/v1/capture",
                            {"ticketNumber": auth["ticketNumber"], "fullResponse": "v2",
                             "amount": online_amount(subtotal_iva=500, iva=95)})
        self.assertEqual(cap.status, 200, cap)
        self.assertEqual(cap.json["details"]["transactionType"], "CAPTURE")
        self.assertEqual(cap.json["details"]["approvedTransactionAmount"], 595)
        self.assertNotEqual(cap.json["ticketNumber"], auth["ticketNumber"])
        # The capture's ticket refunds the captured amount, and no more.
        self.assertKushkiError(self.k.refund(cap.json["ticketNumber"],
                                             {"amount": online_amount(subtotal_iva=600)}),
                               400, "K023")
        full = self.k.refund(cap.json["ticketNumber"], {"fullResponse": "v2"})
        self.assertEqual(self.assertCancel(full, cap.json)["details"]["requestAmount"], 595)

    def test_tokens_are_single_use_and_bound_to_their_amount(self):
        t = self.k.token(1000)
        amount = online_amount(subtotal_iva=1000)
        self.assertKushkiError(self.k.online("POST", "/card/v1/charges", {
            "token": t, "amount": online_amount(subtotal_iva=999)}), 400, "K006")
        self.assertKushkiError(self.k.online("POST", "/card/v1/charges", {
            "token": t, "amount": online_amount("USD", subtotal_iva=1000)}), 400, "K042")
        ok = self.k.online("POST", "/card/v1/charges", {"token": t, "amount": amount})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(sorted(ok.json), ["ticketNumber", "transactionReference"])
        self.assertKushkiError(self.k.online("POST", "/card/v1/charges",
                                             {"token": t, "amount": amount}), 400, "K014")
        self.assertKushkiError(self.k.online("POST", "/card/v1/charges",
                                             {"token": "0" * 32, "amount": amount}), 400, "K014")
        # A token is good for 30 minutes.
        start = local_ms("COP", 2026, 4, 16, 10, 0)
        old = self.k.token(1000, now=start)
        self.assertKushkiError(self.k.online("POST", "/card/v1/charges",
                                             {"token": old, "amount": amount},
                                             now=start + 31 * 60 * 1000), 400, "K005")

    def test_partial_refunds_outside_colombia_are_k006(self):
        sale = self.k.charge(online_amount("PEN", subtotal_iva=100, iva=18), 118)
        self.assertKushkiError(self.k.refund(sale["ticketNumber"], {
            "amount": online_amount("PEN", subtotal_iva=50)}), 400, "K006")
        full = self.k.refund(sale["ticketNumber"], {
            "fullResponse": "v2", "amount": online_amount("PEN", subtotal_iva=100, iva=18)})
        self.assertEqual(self.assertCancel(full, sale)["details"]["requestAmount"], 118)

    # --- idempotency ---------------------------------------------------------------------------

    def test_idempotency_key_replays_and_refuses_another_body(self):
        sale = self.k.charge(online_amount(subtotal_iva=1000), 1000)
        key = new_id()
        body = {"fullResponse": "v2", "amount": online_amount(subtotal_iva=100)}
        first = self.k.refund(sale["ticketNumber"], body, idempotency_key=key)
        self.assertEqual(first.status, 201, first)
        # Same request in another key order and spacing: the same answer, byte for byte.
        again = self.k.refund(sale["ticketNumber"], json.dumps(body, indent=3, sort_keys=True),
                              idempotency_key=key)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        self.assertKushkiError(self.k.refund(sale["ticketNumber"], {
            "amount": online_amount(subtotal_iva=200)}, idempotency_key=key), 409, "K001")
        # Only one refund happened: 900 remain.
        rest = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2"})
        self.assertEqual(rest.json["details"]["requestAmount"], 900)

    def test_a_refused_request_does_not_claim_its_idempotency_key(self):
        # Issue 19, fault 4 (found in other dialects): a request refused while decoding must not
        # hold its key, or the corrected request with the same key could only replay the refusal.
        sale = self.k.charge(online_amount(subtotal_iva=1000), 1000)
        key = new_id()
        bad = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2", "amount": online_amount(
            subtotal_iva="abc")}, idempotency_key=key)
        self.assertKushkiError(bad, 400, "K001")
        body = {"fullResponse": "v2", "amount": online_amount(subtotal_iva=100)}
        first = self.k.refund(sale["ticketNumber"], body, idempotency_key=key)
        self.assertEqual(first.status, 201, first)
        again = self.k.refund(sale["ticketNumber"], body, idempotency_key=key)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        rest = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2"})
        self.assertEqual(rest.json["details"]["requestAmount"], 900)

    # --- concurrency ---------------------------------------------------------------------------

    def test_100_concurrent_partial_refunds_never_exceed_the_sale(self):
        # 100.00 COP in subtotalIva; 100 refunds of 1.50 ask for 150.00: exactly 66 fit.
        sale = self.k.charge(online_amount(subtotal_iva=100), 100)
        body = json.dumps({"fullResponse": "v2", "amount": online_amount(subtotal_iva=1.5)})

        def one(_i, barrier):
            k = self.k.fork()
            try:
                k.http.connect()
                barrier.wait()
                return k.refund(sale["ticketNumber"], body)
            finally:
                k.close()

        results = run_threads(100, one)
        errors = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(errors, [])
        ok = [r for r in results if r.status == 201]
        refused = [r for r in results if r.status != 201]
        self.assertEqual(len(ok), 66, sorted({r.body for r in refused}))
        for r in refused:
            self.assertKushkiError(r, 400, "K023")
        self.assertEqual(len({r.json["ticketNumber"] for r in ok}), 66)
        self.assertEqual(sum(r.json["details"]["requestAmount"] for r in ok), 99)
        last = self.k.refund(sale["ticketNumber"], {"fullResponse": "v2"})
        self.assertEqual(last.json["details"]["requestAmount"], 1)

    # --- bad input -----------------------------------------------------------------------------

    def test_bad_input_is_a_kushki_error_and_changes_nothing(self):
        sale = self.k.charge(online_amount(subtotal_iva=1000, iva=190), 1190)
        t = sale["ticketNumber"]
        cases = [
            ("no merchant id", lambda: self.k.refund(t, merchant_id=""), "K004"),
            ("unknown merchant id", lambda: self.k.refund(t, merchant_id="f" * 32), "K004"),
            ("public id on a server call",
             lambda: self.k.refund(t, merchant_id=self.k.creds["public_merchant_id"]), "K004"),
            ("malformed JSON", lambda: self.k.refund(t, '{"amount": {'), "K001"),
            ("not an object", lambda: self.k.refund(t, '[1]'), "K001"),
            ("exponent number", lambda: self.k.refund(
                t, '{"amount":{"subtotalIva":1e2,"subtotalIva0":0,"iva":0,"currency":"COP"}}'),
             "K001"),
            ("amount as text", lambda: self.k.refund(t, {"amount": online_amount(
                subtotal_iva="10")}), "K001"),
            ("negative bucket", lambda: self.k.refund(t, {"amount": online_amount(
                subtotal_iva=-1)}), "K001"),
            ("three decimals", lambda: self.k.refund(t, {"amount": online_amount(
                subtotal_iva=1.005)}), "K001"),
            ("too precise", lambda: self.k.refund(
                t, '{"amount":{"subtotalIva":1.0000000000000000001,"subtotalIva0":0,"iva":0,'
                   '"currency":"COP"}}'), "K001"),
            ("misspelt bucket", lambda: self.k.refund(t, {"amount": {
                "subtotalIVA": 1, "subtotalIva": 1, "subtotalIva0": 0, "iva": 0,
                "currency": "COP"}}), "K001"),
            ("zero amount", lambda: self.k.refund(t, {"amount": online_amount()}), "K001"),
            ("unsupported currency", lambda: self.k.refund(t, {"amount": online_amount(
                "EUR", subtotal_iva=1)}), "K055"),
            ("another currency", lambda: self.k.refund(t, {"amount": online_amount(
                "USD", subtotal_iva=1)}), "K042"),
            ("unknown ticket", lambda: self.k.refund("123456789012345678"), "K010"),
            ("ticket with letters", lambda: self.k.refund("12345678901234567x"), "K010"),
            ("a refund's ticket", lambda: self.k.refund(self.refund_ticket), "K010"),
            ("bad fullResponse", lambda: self.k.refund(t, {"fullResponse": 2}), "K001"),
            ("long Idempotency-Key", lambda: self.k.refund(t, idempotency_key="k" * 256), "K001"),
            ("webhooks not a list", lambda: self.k.refund(t, {"webhooks": "x"}), "K001"),
        ]
        other = self.k.charge(online_amount(subtotal_iva=10), 10)
        self.refund_ticket = self.k.refund(other["ticketNumber"]).json["ticketNumber"]
        for name, send, code in cases:
            with self.subTest(name):
                self.assertKushkiError(send(), 400, code)
        # Nothing changed: the whole sale is still there to refund.
        full = self.k.refund(t, {"fullResponse": "v2"})
        self.assertEqual(self.assertCancel(full, sale)["details"]["requestAmount"], 1190)

    def test_sandbox_controls_are_refused_for_other_merchants(self):
        m = self.server.create_merchant("kushki-no-sandbox")
        other = Kushki(self.server, m["credentials"]["kushki"])
        try:
            t = other.token(10)
            r = other.online("POST", "/card/v1/charges",
                             {"token": t, "amount": online_amount(subtotal_iva=10)}, now=1)
            self.assertKushkiError(r, 400, "K001")
            self.assertIn("X-Refundd-Sandbox", r.json["message"])
        finally:
            other.close()


if __name__ == "__main__":
    unittest.main()
