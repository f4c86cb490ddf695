"""Proves the D24 deposits API v3 over HTTP against the real binary: the seed's cash and card refund
examples with correct signatures and D24's answer shapes, the header errors 100-103 and 202, the
refund codes 208/801/802/804, sandbox completion of deposits and bank refunds, X-Idempotency-Key,
merchant isolation, and 100 concurrent refunds that never exceed the deposit. The signing helper
is written from the spec (HMAC-SHA256 of X-Date + X-Login + body, lowercase hex)."""

import datetime
import hashlib
import hmac
import json
import re
import unittest
import uuid

from harness import (Client, ServerTestCase, body_over_the_limit, headers_over_the_limit,
                     run_threads, send_raw)


def sign(secret, x_date, x_login, body):
    return hmac.new(secret.encode(), (x_date + x_login + body).encode(), hashlib.sha256).hexdigest()


def now_header(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class D24:
    """A D24 client over one keep-alive connection: signs every call as D24's SDK does."""

    def __init__(self, port, creds):
        self.http = Client(port, key="")
        self.login = creds["x_login"]
        self.secret = creds["secret_key"]

    def call(self, method, path, body=None, raw=None, date=None, signature=None, headers=None,
             idempotency_key=None, drop=()):
        text = raw if raw is not None else ("" if body is None else json.dumps(body))
        x_date = date or now_header()
        hdrs = {"X-Login": self.login, "X-Date": x_date,
                "Authorization": "D24 " + (signature or sign(self.secret, x_date, self.login, text))}
        if text:
            hdrs["Content-Type"] = "application/json"
        if idempotency_key:
            hdrs["X-Idempotency-Key"] = idempotency_key
        hdrs.update(headers or {})
        for name in drop:
            hdrs.pop(name)
        return self.http.request(method, path, raw_body=text if text else None, headers=hdrs)

    def ok(self, resp):
        if resp.status != 200:
            raise AssertionError("expected 200, got %r" % resp)
        return resp.json

    def deposit(self, amount="100", currency="MXN", method="OX", complete=True, **extra):
        body = {"invoice_id": "inv-" + uuid.uuid4().hex[:12], "amount": amount,
                "currency": currency, "country": "MX", "payment_method": method,
                "payer": {"document": "848392783", "email": "payer@example.com"}}
        body.update(extra)
        created = self.ok(self.call("POST", "/v3/deposits", body))
        if complete and method not in ("VI", "MC", "AE"):
            self.ok(self.call("POST", "/v3/deposits/%d/complete" % created["deposit_id"]))
        return created

    def refund(self, deposit, amount=None, bank=True, **extra):
        body = {"deposit_id": deposit["deposit_id"], "invoice_id": deposit["merchant_invoice_id"]}
        if amount is not None:
            body["amount"] = amount
        if bank:
            body["bank_account"] = BANK_ACCOUNT
        body.update(extra)
        return self.call("POST", "/v3/refunds", body)


BANK_ACCOUNT = {"beneficiary": "Carlos Ramirez", "bank_code": 1, "branch": "9283",
                "account_number": "18293435", "account_type": "SAVING"}


class D24Api(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.d24 = D24(cls.server.port, cls.server.sandbox["credentials"]["d24"])

    def assertD24Error(self, resp, status, code, type_=None):
        self.assertEqual(resp.status, status, resp)
        body = resp.json
        self.assertEqual(body.get("code"), code, resp)
        self.assertTrue(isinstance(body.get("description"), str) and body["description"], resp)
        self.assertTrue(isinstance(body.get("type"), str) and body["type"], resp)
        if type_:
            self.assertEqual(body["type"], type_, resp)

    # --- the seed's examples ------------------------------------------------------------------

    def test_seed_cash_example(self):
        dep = self.d24.deposit(amount="500", method="OX", complete=False)
        self.assertIsInstance(dep["deposit_id"], int)
        self.assertEqual(len(str(dep["deposit_id"])), 9)
        status = self.d24.ok(self.d24.call("GET", "/v3/deposits/%d" % dep["deposit_id"]))
        self.assertEqual(status["status"], "PENDING")
        # Seed body, with this deposit's ids; sent exactly as the seed writes it (pretty-printed).
        raw = """{
    "deposit_id": %d,
    "invoice_id": "%s",
    "amount": "100",
    "bank_account": {
        "beneficiary": "Carlos Ramirez",
        "bank_code": 1,
        "branch": "9283",
        "account_number": "18293435",
        "account_type": "SAVING"
    },
    "comments": "Test refund over v3",
    "notification_url": ""
}""" % (dep["deposit_id"], dep["merchant_invoice_id"])
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=raw), 400, 801,
                            "DEPOSIT_NOT_COMPLETED")
        self.d24.ok(self.d24.call("POST", "/v3/deposits/%d/complete" % dep["deposit_id"]))
        created = self.d24.ok(self.d24.call("POST", "/v3/refunds", raw=raw))
        self.assertEqual(list(created), ["refund_id"])
        self.assertIsInstance(created["refund_id"], int)

        resp = self.d24.call("GET", "/v3/refunds/%d" % created["refund_id"])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json, {"deposit_id": dep["deposit_id"],
                                     "merchant_invoice_id": dep["merchant_invoice_id"],
                                     "status": "PENDING", "amount": 100})
        self.assertIn(b'"amount":100.00', resp.body)
        done = self.d24.ok(self.d24.call("POST", "/v3/refunds/%d/complete" % created["refund_id"]))
        self.assertEqual(done["status"], "COMPLETED")
        again = self.d24.ok(self.d24.call("GET", "/v3/refunds/%d" % created["refund_id"]))
        self.assertEqual(again["status"], "COMPLETED")

    def test_seed_card_example(self):
        dep = self.d24.deposit(amount=505.95, method="AE")
        self.assertEqual(dep["checkout_type"], "ONE_SHOT")
        body = {"deposit_id": dep["deposit_id"], "invoice_id": dep["merchant_invoice_id"],
                "comments": "Test CREDIT CARD refund over v3", "notification_url": ""}
        resp = self.d24.call("POST", "/v3/refunds", body)
        self.assertEqual(resp.status, 200, resp)
        r = resp.json
        self.assertIsInstance(r["refund_id"], str)
        self.assertTrue(r["refund_id"].isdigit())
        self.assertEqual(r["deposit_id"], dep["deposit_id"])
        self.assertEqual(r["merchant_invoice_id"], dep["merchant_invoice_id"])
        info = r["refund_info"]
        self.assertEqual({k: info[k] for k in ("type", "result", "payment_method",
                                               "payment_method_name", "currency")},
                         {"type": "CREDIT_CARD", "result": "SUCCESS", "payment_method": "AE",
                          "payment_method_name": "American Express", "currency": "MXN"})
        self.assertIn(b'"amount":505.95', resp.body)
        self.assertRegex(info["created_at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        status = self.d24.ok(self.d24.call("GET", "/v3/refunds/" + r["refund_id"]))
        self.assertEqual(status["status"], "COMPLETED")
        deposit = self.d24.ok(self.d24.call("GET", "/v3/deposits/%d" % dep["deposit_id"]))
        self.assertIs(deposit["refunded"], True)
        # Nothing remains: a second card refund is an invalid amount.
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", body), 400, 802,
                            "INVALID_AMOUNT_TO_REFUND")

    def test_card_refunds_are_full_only(self):
        dep = self.d24.deposit(amount="200", method="VI")
        self.assertD24Error(self.d24.refund(dep, "50", bank=False), 400, 802)
        self.d24.ok(self.d24.refund(dep, "200.00", bank=False))

    # --- auth and bad input -------------------------------------------------------------------

    def test_header_errors(self):
        body = json.dumps({"deposit_id": 1, "invoice_id": "x"})
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, signature="0" * 64), 400,
                            102, "INVALID_SIGNATURE")
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, drop=("X-Login",)), 400,
                            101, "MISSING_REQUIRED_HEADER")
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, drop=("X-Date",)), 400,
                            101)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body,
                                          drop=("Authorization",)), 400, 101)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body,
                                          headers={"X-Login": "nobody"}), 401, 100,
                            "INVALID_CREDENTIALS")
        stale = now_header(-600)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, date=stale), 400, 103,
                            "INVALID_DATE_RANGE")
        future = now_header(600)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, date=future), 400, 103)
        # Milliseconds in X-Date, as newer clients send, are fine.
        millis = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=body, date=millis), 404, 208)
        # The body is signed as received: re-serializing it breaks the signature.
        x_date = now_header()
        sig = sign(self.d24.secret, x_date, self.d24.login, body)
        spaced = body.replace(":", ": ", 1) if ": " not in body else body.replace(": ", ":", 1)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=spaced, date=x_date,
                                          signature=sig), 400, 102)

    def test_bad_json_and_bad_fields(self):
        for raw in ['{"deposit_id": 1,', "[]", '{"deposit_id": 1e3, "invoice_id": "x"}',
                    '{"deposit_id": "1", "invoice_id": "x"}', '{"invoice_id": "x"}']:
            self.assertD24Error(self.d24.call("POST", "/v3/refunds", raw=raw), 400, 202,
                                "INVALID_REQUEST_BODY")
        self.assertD24Error(self.d24.call("POST", "/v3/deposits", {"invoice_id": "x"}), 400, 202)

    def test_unknown_paths_and_wrong_methods_answer_in_d24_shape(self):
        # Regression: /v3 answered the shared router's Stripe-shaped 404/405.
        for method, path, allow in [("GET", "/v3/refunds", "POST"),
                                    ("DELETE", "/v3/deposits/123456789", "GET"),
                                    ("PUT", "/v3/refunds/123456789/complete", "POST")]:
            with self.subTest(method=method, path=path):
                r = self.d24.call(method, path)
                self.assertD24Error(r, 405, 200, "METHOD_NOT_ALLOWED")
                self.assertEqual(r.json["description"], "Request method %s not supported" % method)
                self.assertEqual(r.header("Allow"), allow, r)
        r = self.d24.call("POST", "/v3/withdrawals", {"amount": 1})
        self.assertD24Error(r, 404, 208, "RESOURCE_NOT_FOUND")
        self.assertIsNone(r.header("Allow"), r)
        # Without D24's headers too: /v3 is D24's alone.
        r = Client(self.server.port, key="").request("GET", "/v3/refunds")
        self.assertD24Error(r, 405, 200, "METHOD_NOT_ALLOWED")

    def test_refusals_of_the_http_server_answer_in_d24_shape(self):
        # Regression: a body or headers over the server's limits got its Stripe-shaped error.
        login = {"X-Login": self.d24.login}
        r = send_raw(self.server.port, body_over_the_limit("POST", "/v3/refunds", login))
        self.assertD24Error(r, 413, 202, "INVALID_REQUEST_BODY")
        self.assertIn("1048576 bytes", r.json["description"], r)
        self.assertEqual(r.header("Connection"), "close", r)
        r = send_raw(self.server.port, headers_over_the_limit("GET", "/v3/refunds/1", login))
        self.assertD24Error(r, 431, 703, "HEADERS_TOO_LARGE")

    def test_unknown_ids(self):
        self.assertD24Error(self.d24.call("GET", "/v3/deposits/123456789"), 404, 208,
                            "RESOURCE_NOT_FOUND")
        self.assertD24Error(self.d24.call("GET", "/v3/refunds/123456789"), 404, 208)
        self.assertD24Error(self.d24.call("GET", "/v3/refunds/abc"), 404, 208)
        self.assertD24Error(self.d24.call("POST", "/v3/refunds",
                                          {"deposit_id": 123456789, "invoice_id": "x",
                                           "bank_account": BANK_ACCOUNT}), 404, 208)
        dep = self.d24.deposit()
        wrong_invoice = dict(dep, merchant_invoice_id="not-" + dep["merchant_invoice_id"])
        self.assertD24Error(self.d24.refund(wrong_invoice, "1"), 404, 208)

    def test_another_merchants_deposit_is_not_found(self):
        other = self.server.create_merchant("d24-other-" + uuid.uuid4().hex[:8])
        self.assertIn("d24", other["credentials"])
        self.assertEqual(set(other["credentials"]["d24"]), {"x_login", "secret_key"})
        theirs = D24(self.server.port, other["credentials"]["d24"])
        dep = theirs.deposit()
        self.assertD24Error(self.d24.refund(dep, "1"), 404, 208)
        self.assertD24Error(self.d24.call("GET", "/v3/deposits/%d" % dep["deposit_id"]), 404, 208)
        refund = theirs.ok(theirs.refund(dep, "1"))
        self.assertD24Error(self.d24.call("GET", "/v3/refunds/%d" % refund["refund_id"]), 404, 208)
        theirs.http.close()

    # --- refund rules -------------------------------------------------------------------------

    def test_partial_refunds_up_to_the_deposit_and_no_further(self):
        dep = self.d24.deposit(amount="100.00")
        ids = []
        for amount in ("10", "20.50", 30.25):
            ids.append(self.d24.ok(self.d24.refund(dep, amount))["refund_id"])
        self.assertEqual(len(set(ids)), 3)
        self.assertD24Error(self.d24.refund(dep, "39.26"), 400, 802, "INVALID_AMOUNT_TO_REFUND")
        # No amount means the full deposit, which is more than what remains.
        self.assertD24Error(self.d24.refund(dep), 400, 802)
        self.d24.ok(self.d24.refund(dep, "39.25"))
        self.assertD24Error(self.d24.refund(dep, "0.01"), 400, 802)
        status = self.d24.ok(self.d24.call("GET", "/v3/deposits/%d" % dep["deposit_id"]))
        self.assertIs(status["refunded"], True)

    def test_full_refund_by_default_and_amount_rules(self):
        dep = self.d24.deposit(amount="80")
        self.assertD24Error(self.d24.refund(dep, bank=False), 400, 804, "MISSING_BANK_ACCOUNT")
        self.assertD24Error(self.d24.refund(dep, "1", bank=False,
                                            bank_account={"beneficiary": "C"}), 400, 804)
        for bad in ("0", "-5", "1.005", "ten", 80.001):
            self.assertD24Error(self.d24.refund(dep, bad), 400, 802)
        self.assertD24Error(self.d24.refund(dep, "1", currency="USD"), 400, 802)
        r = self.d24.ok(self.d24.refund(dep))
        self.assertEqual(self.d24.ok(self.d24.call("GET", "/v3/refunds/%d" % r["refund_id"]))["amount"],
                         80)

    def test_deposit_shapes_and_sandbox_completion(self):
        dep = self.d24.deposit(amount=250, method="OX", complete=False)
        self.assertEqual(dep["checkout_type"], "HOSTED")
        self.assertTrue(dep["redirect_url"])
        path = "/v3/deposits/%d" % dep["deposit_id"]
        status = self.d24.ok(self.d24.call("GET", path))
        for field in ("user_id", "deposit_id", "invoice_id", "country", "currency", "local_amount",
                      "payment_method", "payment_type", "status", "payer", "refunded"):
            self.assertIn(field, status)
        self.assertEqual(status["payer"]["document"], "848392783")
        self.assertEqual(self.d24.ok(self.d24.call("POST", path + "/complete"))["status"], "COMPLETED")
        self.assertEqual(self.d24.ok(self.d24.call("POST", path + "/complete"))["status"], "COMPLETED")
        self.assertEqual(self.d24.ok(self.d24.call("GET", path))["status"], "COMPLETED")
        # An invoice id is used once per merchant.
        self.assertD24Error(self.d24.call("POST", "/v3/deposits",
                                          {"invoice_id": dep["merchant_invoice_id"], "amount": 1,
                                           "currency": "MXN", "country": "MX"}), 400, 202)

    def test_idempotency_key(self):
        dep = self.d24.deposit(amount="50")
        key = "it-" + uuid.uuid4().hex
        body = {"deposit_id": dep["deposit_id"], "invoice_id": dep["merchant_invoice_id"],
                "amount": "5", "bank_account": BANK_ACCOUNT}
        first = self.d24.call("POST", "/v3/refunds", body, idempotency_key=key)
        self.assertEqual(first.status, 200, first)
        again = self.d24.call("POST", "/v3/refunds", body, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertD24Error(self.d24.call("POST", "/v3/refunds", dict(body, amount="6"),
                                          idempotency_key=key), 400, 502)
        # One refund was made: 45 remain.
        self.assertD24Error(self.d24.refund(dep, "45.01"), 400, 802)
        self.d24.ok(self.d24.refund(dep, "45"))

    def test_concurrent_refunds_never_exceed_the_deposit(self):
        dep = self.d24.deposit(amount="100.00")
        creds = self.server.sandbox["credentials"]["d24"]

        def one(_i, barrier):
            c = D24(self.server.port, creds)
            try:
                barrier.wait()
                return c.refund(dep, "1.50")
            finally:
                c.http.close()

        results = run_threads(100, one)
        self.assertFalse([r for r in results if isinstance(r, BaseException)], results)
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 66, sorted({(r.status, r.body[:80]) for r in results}))
        for r in results:
            if r.status != 200:
                self.assertD24Error(r, 400, 802)
        self.assertEqual(len({r.json["refund_id"] for r in ok}), 66)
        self.assertD24Error(self.d24.refund(dep, "1.01"), 400, 802)
        self.d24.ok(self.d24.refund(dep, "1.00"))


if __name__ == "__main__":
    unittest.main()
