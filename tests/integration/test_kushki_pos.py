"""Proves the Kushki card-present dialect over HTTP against the real binary: the seed's card-read
curl body (an unreferenced refund) and its cardless example replay byte for byte into the seed's
response shape; card-present charge -> cardless refund; Visa/Mastercard-only cardless refunds;
reversal within 29 s and not after (sandbox clock, no sleeping); same-day voids; capture; the
unreferenced refunds' per-refund and daily limits; client_transaction_id idempotency; and bad
input answered with Kushki-shaped 400/401/412 while nothing changes."""

import unittest

from harness import ServerTestCase, body_over_the_limit, headers_over_the_limit, send_raw
from kushki_helpers import (SEED_POS_CARDLESS, SEED_POS_CARDLESS_REFERENCE, SEED_POS_CURL,
                            SEED_POS_RESPONSE_KEYS, TICKET_RE, UUID_RE, Kushki, local_ms, new_id,
                            pos_amount, set_merchant_setting)


class KushkiPos(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.k = Kushki(cls.server, cls.server.sandbox["credentials"]["kushki"])

    @classmethod
    def tearDownClass(cls):
        cls.k.close()
        super().tearDownClass()

    def merchant(self, name):
        m = self.server.create_merchant(name)
        k = Kushki(self.server, m["credentials"]["kushki"])
        self.addCleanup(k.close)
        return m, k

    def assertApproved(self, resp, type_, amount):
        self.assertEqual(resp.status, 200, resp)
        body = resp.json
        self.assertEqual(list(body), SEED_POS_RESPONSE_KEYS, resp)
        self.assertEqual(body["transaction_status"], "APPROVAL")
        self.assertEqual(body["kushki_response"],
                         {"code": "000", "message": "Approved or completed Successfully."})
        self.assertEqual(body["message_fields"]["F39"], "00")
        self.assertRegex(body["message_fields"]["F38"], r"^[0-9]{6}$")
        self.assertRegex(body["ticket_number"], TICKET_RE)
        self.assertRegex(body["transaction_reference"], UUID_RE)
        self.assertEqual(body["transaction_type"], type_)
        self.assertEqual(body["authorized_amount"], amount)
        self.assertEqual(body["additional_amounts"], {"account_type": "", "amount": 0,
                                                      "amount_type": "", "card_type": "",
                                                      "currency_code": ""})
        return body

    def assertKushkiError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(sorted(resp.json), ["code", "message"], resp)
        self.assertEqual(resp.json["code"], code, resp)

    # --- the seed's examples, byte for byte ---------------------------------------------------

    def test_unknown_paths_and_wrong_methods_answer_in_kushki_shape(self):
        # Regression: /pos answered the shared router's Stripe-shaped {"error": {...}}.
        cred = {"Private-Credential-Id": self.k.creds["private_credential_id"]}
        for headers in ({}, cred):
            with self.subTest(headers=sorted(headers)):
                r = self.k._send("GET", "/pos/v1/refund", None, headers)
                self.assertKushkiError(r, 405, "K405")
                self.assertEqual(r.header("Allow"), "POST", r)
                self.assertIn("GET /pos/v1/refund", r.json["message"], r)
                body = {"amount": pos_amount(subtotal_iva0=1), "client_transaction_id": new_id()}
                r = self.k._send("POST", "/pos/v1/nope", body, headers)
                self.assertKushkiError(r, 404, "K404")
                self.assertIsNone(r.header("Allow"), r)
                self.assertKushkiError(self.k._send("PUT", "/pos", None, headers), 404, "K404")

    def test_refusals_of_the_http_server_answer_in_kushki_shape(self):
        # Regression: a body or headers over the server's limits got its Stripe-shaped error.
        cred = {"Private-Credential-Id": self.k.creds["private_credential_id"]}
        r = send_raw(self.server.port, body_over_the_limit("POST", "/pos/v1/refund", cred))
        self.assertKushkiError(r, 413, "K413")
        self.assertIn("1048576 bytes", r.json["message"], r)
        self.assertEqual(r.header("Connection"), "close", r)
        r = send_raw(self.server.port, headers_over_the_limit("POST", "/pos/v1/refund", cred))
        self.assertKushkiError(r, 431, "K431")
        r = send_raw(self.server.port, b"POST /pos/v1/re%zzfund HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Length: 2\r\n\r\n{}")
        self.assertKushkiError(r, 400, "K400")

    def test_seed_curl_body_is_an_unreferenced_refund(self):
        _, k = self.merchant("kushki-pos-seed-curl")
        first = k.pos("refund", SEED_POS_CURL)
        body = self.assertApproved(first, "Refund", 600)
        self.assertEqual(body["franchise"], "PROSA")  # MXN, as in the seed's answer
        # A retry with the same client_transaction_id and body: the first answer, byte for byte.
        again = k.pos("refund", SEED_POS_CURL)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        # The same client_transaction_id with another body is a conflict.
        other = SEED_POS_CURL.replace('"subtotal_iva0": 600', '"subtotal_iva0": 700')
        self.assertKushkiError(k.pos("refund", other), 409, "K001")

    def test_seed_cardless_example_refunds_its_sale(self):
        # The sandbox merchant's sale gets the example's transaction_reference.
        sale = self.k.pos_sale(pos_amount("PEN", subtotal_iva0=1000), brand="VISA",
                               reference=SEED_POS_CARDLESS_REFERENCE)
        self.assertEqual(sale["transaction_reference"], SEED_POS_CARDLESS_REFERENCE)
        first = self.k.pos("refund", SEED_POS_CARDLESS)
        body = self.assertApproved(first, "Refund", 600)
        self.assertEqual(body["franchise"], "VISA")
        self.assertNotEqual(body["transaction_reference"], SEED_POS_CARDLESS_REFERENCE)
        again = self.k.pos("refund", SEED_POS_CARDLESS)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        # 400 remain of the sale.
        self.assertKushkiError(self.k.pos_refund(pos_amount("PEN", subtotal_iva0=401),
                                                 SEED_POS_CARDLESS_REFERENCE, cardless=True),
                               412, "K023")
        self.assertApproved(self.k.pos_refund(None, SEED_POS_CARDLESS_REFERENCE, cardless=True),
                            "Refund", 400)

    # --- flows ---------------------------------------------------------------------------------

    def test_card_present_charge_then_cardless_refunds(self):
        sale = self.assertApproved(
            self.k.pos("charge", {"amount": pos_amount("MXN", subtotal_iva=100, iva=16, tip=10),
                                  "card_details": {"enc_tlv": "AA", "reading_type": "CTLS"},
                                  "card": {"card_holder_name": "X", "brand": "mastercard"},
                                  "client_transaction_id": new_id()}), "Sale", 126)
        ref = sale["transaction_reference"]
        self.assertApproved(self.k.pos_refund(pos_amount("MXN", subtotal_iva=50), ref,
                                              cardless=True), "Refund", 50)
        self.assertApproved(self.k.pos_refund(pos_amount("MXN", tip=10), ref, cardless=True),
                            "Refund", 10)
        # The tip bucket is used up; the others still hold 66.
        self.assertKushkiError(self.k.pos_refund(pos_amount("MXN", tip=1), ref, cardless=True),
                               412, "K023")
        self.assertKushkiError(self.k.pos_refund(pos_amount("MXN", subtotal_iva=67), ref,
                                                 cardless=True), 412, "K023")
        self.assertKushkiError(self.k.pos_refund(pos_amount("PEN", subtotal_iva=1), ref,
                                                 cardless=True), 412, "K042")
        self.assertApproved(self.k.pos_refund(None, ref, cardless=True), "Refund", 66)
        self.assertKushkiError(self.k.pos_refund(None, ref, cardless=True), 412, "K023")

    def test_cardless_refunds_only_for_visa_and_mastercard(self):
        sale = self.k.pos_sale(pos_amount("PEN", subtotal_iva0=100), brand="AMEX")
        declined = self.k.pos_refund(pos_amount("PEN", subtotal_iva0=100),
                                     sale["transaction_reference"], cardless=True)
        self.assertEqual(declined.status, 200, declined)
        self.assertEqual(declined.json["transaction_status"], "DECLINED")
        self.assertEqual(declined.json["kushki_response"],
                         {"code": "006", "message": "Card brand not supported"})
        self.assertEqual(declined.json["authorized_amount"], 0)
        # Nothing was refunded: with the card read, the whole sale can still be refunded.
        self.assertApproved(self.k.pos_refund(pos_amount("PEN", subtotal_iva0=100),
                                              sale["transaction_reference"]), "Refund", 100)

    def test_reversal_within_29_seconds_and_not_after(self):
        t0 = local_ms("MXN", 2026, 4, 16, 12, 0)
        late = self.k.pos_sale(pos_amount(subtotal_iva0=100), now=t0)
        self.assertKushkiError(
            self.k.pos("reverse", {"client_transaction_id": new_id(),
                                   "transaction_reference": late["transaction_reference"]},
                       now=t0 + 29_001), 412, "K020")
        self.assertKushkiError(
            self.k.pos("reverse", {"client_transaction_id": new_id(),
                                   "transaction_reference": late["transaction_reference"]},
                       now=t0 + 30_000), 412, "K020")
        # The sale is untouched: it can still be refunded in full.
        self.assertApproved(self.k.pos_refund(None, late["transaction_reference"], now=t0 + 60_000),
                            "Refund", 100)

        # In time, the terminal names the original by its own client_transaction_id (it never
        # got an answer, so it has no transaction_reference).
        client_id = new_id()
        sale = self.k.pos_sale(pos_amount(subtotal_iva0=250), now=t0, client_id=client_id)
        rev = self.k.pos("reverse", {"client_transaction_id": client_id}, now=t0 + 29_000)
        self.assertApproved(rev, "Reverse", 250)
        again = self.k.pos("reverse", {"client_transaction_id": client_id}, now=t0 + 29_000)
        self.assertEqual(again.body, rev.body)
        self.assertKushkiError(self.k.pos_refund(None, sale["transaction_reference"],
                                                 now=t0 + 40_000), 412, "K023")
        self.assertKushkiError(self.k.pos("reverse", {"client_transaction_id": new_id()}),
                               412, "K010")

    def test_reversing_a_refund_gives_the_money_back(self):
        t0 = local_ms("PEN", 2026, 4, 16, 12, 0)
        sale = self.k.pos_sale(pos_amount("PEN", subtotal_iva0=100), now=t0)
        refund = self.assertApproved(self.k.pos_refund(None, sale["transaction_reference"],
                                                       now=t0 + 1000), "Refund", 100)
        self.assertApproved(self.k.pos("reverse", {
            "client_transaction_id": new_id(),
            "transaction_reference": refund["transaction_reference"]}, now=t0 + 5000),
            "Reverse", 100)
        self.assertApproved(self.k.pos_refund(None, sale["transaction_reference"],
                                              now=t0 + 9000), "Refund", 100)

    def test_void_on_the_same_day_only(self):
        t0 = local_ms("MXN", 2026, 4, 16, 10, 0)
        sale = self.k.pos_sale(pos_amount(subtotal_iva0=300), now=t0)
        self.assertApproved(self.k.pos("void", {
            "client_transaction_id": new_id(),
            "transaction_reference": sale["transaction_reference"]},
            now=local_ms("MXN", 2026, 4, 16, 23, 58)), "Void", 300)
        self.assertKushkiError(self.k.pos_refund(None, sale["transaction_reference"],
                                                 now=local_ms("MXN", 2026, 4, 16, 23, 59)),
                               412, "K023")

        sale = self.k.pos_sale(pos_amount(subtotal_iva0=300), now=t0)
        self.assertKushkiError(self.k.pos("void", {
            "client_transaction_id": new_id(),
            "transaction_reference": sale["transaction_reference"]},
            now=local_ms("MXN", 2026, 4, 17, 0, 5)), 412, "K020")
        self.assertApproved(self.k.pos_refund(None, sale["transaction_reference"],
                                              now=local_ms("MXN", 2026, 4, 17, 0, 6)),
                            "Refund", 300)

    def test_preauthorization_capture_and_void(self):
        auth = self.assertApproved(self.k.pos("preauthorization", {
            "amount": pos_amount(subtotal_iva=200, iva=32), "card_details": {"enc_tlv": "AA"},
            "client_transaction_id": new_id()}), "PreAuthorization", 232)
        ref = auth["transaction_reference"]
        self.assertKushkiError(self.k.pos_refund(None, ref), 412, "K020")  # nothing captured
        self.assertKushkiError(self.k.pos("capture", {
            "client_transaction_id": new_id(), "transaction_reference": ref,
            "amount": pos_amount(subtotal_iva=300)}), 412, "K006")
        cap = self.assertApproved(self.k.pos("capture", {
            "client_transaction_id": new_id(), "transaction_reference": ref,
            "amount": pos_amount(subtotal_iva=100, iva=16)}), "Capture", 116)
        self.assertKushkiError(self.k.pos_refund(pos_amount(subtotal_iva=101),
                                                 cap["transaction_reference"]), 412, "K023")
        self.assertApproved(self.k.pos_refund(None, ref), "Refund", 116)

        auth = self.k.pos_sale(pos_amount(subtotal_iva0=50), operation="preauthorization")
        self.assertApproved(self.k.pos("void", {
            "client_transaction_id": new_id(),
            "transaction_reference": auth["transaction_reference"]}), "Void", 50)
        self.assertKushkiError(self.k.pos("capture", {
            "client_transaction_id": new_id(),
            "transaction_reference": auth["transaction_reference"]}), 412, "K020")

    def test_a_refused_request_does_not_claim_its_client_transaction_id(self):
        # Issue 19, fault 4 (found in other dialects): a request refused while decoding must not
        # hold its key (the client_transaction_id), or the corrected request could only replay
        # the refusal.
        sale = self.k.pos_sale(pos_amount("PEN", subtotal_iva0=100))
        client_id = new_id()
        bad = self.k.pos_refund(pos_amount("PEN", subtotal_iva0="abc"),
                                sale["transaction_reference"], cardless=True, client_id=client_id)
        self.assertKushkiError(bad, 400, "K001")
        first = self.k.pos_refund(pos_amount("PEN", subtotal_iva0=40),
                                  sale["transaction_reference"], cardless=True,
                                  client_id=client_id)
        self.assertApproved(first, "Refund", 40)
        again = self.k.pos_refund(pos_amount("PEN", subtotal_iva0=40),
                                  sale["transaction_reference"], cardless=True,
                                  client_id=client_id)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        self.assertApproved(self.k.pos_refund(None, sale["transaction_reference"], cardless=True),
                            "Refund", 60)

    # --- unreferenced refunds ------------------------------------------------------------------

    def test_unreferenced_refunds_are_capped_per_refund_and_per_day(self):
        m, k = self.merchant("kushki-pos-limits")
        set_merchant_setting(self.server, m["id"], "kushki.sandbox_controls", "on")
        t0 = local_ms("MXN", 2026, 4, 16, 9, 0)
        # Defaults for MXN: 10 000 per refund, 40 000 per local day.
        self.assertKushkiError(k.pos_refund(pos_amount(subtotal_iva0=10000.01), now=t0),
                               412, "K020")
        last_id = None
        for i in range(4):
            last_id = new_id()
            self.assertApproved(k.pos_refund(pos_amount(subtotal_iva0=10000), client_id=last_id,
                                             now=t0 + i), "Refund", 10000)
        self.assertKushkiError(k.pos_refund(pos_amount(subtotal_iva0=0.01), now=t0 + 10),
                               412, "K020")
        # Reversing the last one (within 29 s) gives its share of the day back.
        self.assertApproved(k.pos("reverse", {"client_transaction_id": last_id}, now=t0 + 20),
                            "Reverse", 10000)
        self.assertApproved(k.pos_refund(pos_amount(subtotal_iva0=9999.99), now=t0 + 30),
                            "Refund", 9999.99)
        # Another currency and another local day have their own allowance.
        self.assertApproved(k.pos_refund(pos_amount("PEN", subtotal_iva0=2000), now=t0 + 40),
                            "Refund", 2000)
        next_day = local_ms("MXN", 2026, 4, 17, 0, 1)
        self.assertApproved(k.pos_refund(pos_amount(subtotal_iva0=10000), now=next_day),
                            "Refund", 10000)

    def test_unreferenced_refunds_follow_the_merchant_settings(self):
        m, k = self.merchant("kushki-pos-settings")
        set_merchant_setting(self.server, m["id"], "kushki.unreferenced_refunds", "off")
        self.assertKushkiError(k.pos("refund", SEED_POS_CURL), 412, "K020")
        set_merchant_setting(self.server, m["id"], "kushki.unreferenced_refunds", "on")
        set_merchant_setting(self.server, m["id"],
                             "kushki.unreferenced_refunds.MXN.per_refund", "500")
        self.assertKushkiError(k.pos("refund", SEED_POS_CURL), 412, "K020")
        set_merchant_setting(self.server, m["id"],
                             "kushki.unreferenced_refunds.MXN.per_refund", "600")
        self.assertApproved(k.pos("refund", SEED_POS_CURL), "Refund", 600)

    # --- bad input -----------------------------------------------------------------------------

    def test_bad_input_is_a_kushki_error_and_changes_nothing(self):
        sale = self.k.pos_sale(pos_amount("PEN", subtotal_iva0=100, iva=18))
        ref = sale["transaction_reference"]
        cases = [
            ("no credential", lambda: self.k.pos("refund", {}, credential=""), 401, "K004"),
            ("unknown credential", lambda: self.k.pos("refund", {}, credential="0" * 32), 401,
             "K004"),
            ("merchant id instead", lambda: self.k.pos(
                "refund", {}, credential=self.k.creds["private_merchant_id"]), 401, "K004"),
            ("malformed JSON", lambda: self.k.pos("refund", '{"amount": '), 400, "K001"),
            ("no client_transaction_id", lambda: self.k.pos("refund", {
                "transaction_type": "refund", "transaction_mode": "Authorization",
                "transaction_reference": ref, "omit_card": True}), 400, "K001"),
            ("amount as text", lambda: self.k.pos_refund(pos_amount(
                "PEN", subtotal_iva0="10"), ref, cardless=True), 400, "K001"),
            ("three decimals", lambda: self.k.pos_refund(pos_amount(
                "PEN", subtotal_iva0=1.001), ref, cardless=True), 400, "K001"),
            ("camelCase bucket", lambda: self.k.pos_refund(
                {"currency": "PEN", "iva": 0, "subtotal_iva": 0, "subtotalIva0": 1}, ref,
                cardless=True), 400, "K001"),
            ("unsupported currency", lambda: self.k.pos_refund(pos_amount(
                "EUR", subtotal_iva0=1), ref, cardless=True), 400, "K055"),
            ("cardless without reference", lambda: self.k.pos_refund(pos_amount(
                "PEN", subtotal_iva0=1), cardless=True), 400, "K001"),
            ("unknown reference", lambda: self.k.pos_refund(None, new_id(), cardless=True), 412,
             "K010"),
            ("over the sale", lambda: self.k.pos_refund(pos_amount(
                "PEN", subtotal_iva0=101), ref, cardless=True), 412, "K023"),
            ("another currency", lambda: self.k.pos_refund(pos_amount(
                "MXN", subtotal_iva0=1), ref, cardless=True), 412, "K042"),
            ("void with an amount", lambda: self.k.pos("void", {
                "client_transaction_id": new_id(), "transaction_reference": ref,
                "amount": pos_amount("PEN", subtotal_iva0=1)}), 400, "K001"),
            ("client id reused on another operation", lambda: self.k.pos("void", {
                "client_transaction_id": self.sale_client_id, "transaction_reference": ref}),
             409, "K001"),
            ("sandbox reference that is taken", lambda: self.k.pos("charge", {
                "amount": pos_amount("PEN", subtotal_iva0=1), "card_details": {"enc_tlv": "A"},
                "client_transaction_id": new_id()}, reference=ref), 409, "K001"),
            ("sandbox clock not a number", lambda: self.k.pos_refund(None, ref, now="soon"),
             400, "K001"),
        ]
        self.sale_client_id = new_id()
        self.k.pos_sale(pos_amount("PEN", subtotal_iva0=1), client_id=self.sale_client_id)
        for name, send, status, code in cases:
            with self.subTest(name):
                self.assertKushkiError(send(), status, code)
        # Nothing changed: the whole sale is still there.
        self.assertApproved(self.k.pos_refund(None, ref, cardless=True), "Refund", 118)


if __name__ == "__main__":
    unittest.main()
