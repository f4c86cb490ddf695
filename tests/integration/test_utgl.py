"""Proves UTGL Partner Connect over HTTP against the real binary: Basic auth, card binding with the
sandbox OTP, verify, purchase (locked), capture, release (void) and the seed's refund fields and
answer (transactionId, refundTransactionId, status captured/refunded, amountRefunded with two
decimals, refundDate, cardId, refId), the error codes refundd chose (docs/dialects/utgl.md),
Idempotency-Key, merchant isolation, and 100 concurrent refunds that never exceed the capture."""

import base64
import json
import re
import unittest
import uuid

from harness import (Client, ServerTestCase, body_over_the_limit, headers_over_the_limit,
                     run_threads, send_raw)

OTP = "123456"
PAN = "4111111111111111"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Utgl:
    """A Partner Connect client over one keep-alive connection."""

    def __init__(self, port, creds, password=None):
        self.http = Client(port, key="")
        user_pass = "%s:%s" % (creds["username"], creds["password"] if password is None else password)
        self.auth = "Basic " + base64.b64encode(user_pass.encode()).decode()

    def call(self, path, body=None, raw=None, auth=None, idempotency_key=None):
        text = raw if raw is not None else json.dumps(body if body is not None else {})
        hdrs = {"Content-Type": "application/json"}
        if auth is not False:
            hdrs["Authorization"] = auth or self.auth
        if idempotency_key:
            hdrs["Idempotency-Key"] = idempotency_key
        return self.http.request("POST", "/partner-connect" + path, raw_body=text, headers=hdrs)

    def ok(self, resp):
        if resp.status != 200:
            raise AssertionError("expected 200, got %r" % resp)
        return resp.json

    def bind(self, pan=PAN):
        started = self.ok(self.call("/card-binding/initiate", {"fullPan": pan}))
        return self.ok(self.call("/card-binding/confirm",
                                 {"verificationId": started["verificationId"], "code": OTP}))

    def purchase(self, amount=100, currency="USD", capture=True, card=None):
        card = card or self.bind()
        tx = {"cardId": card["cardId"], "amount": amount, "currency": currency,
              "description": "order " + uuid.uuid4().hex[:6]}
        if self.ok(self.call("/transactions/verify", tx)) != {"success": True}:
            raise AssertionError("verify did not answer success")
        locked = self.ok(self.call("/transactions/purchase", dict(tx, otpToken=OTP)))
        if capture:
            return self.ok(self.call("/transactions/capture",
                                     {"transactionId": locked["transactionId"], "amount": amount}))
        return locked

    def refund(self, transaction_id, amount, currency="USD", **extra):
        body = {"transactionId": transaction_id, "amount": amount, "currency": currency,
                "reason": "Customer requested", "description": "Partial refund for item X"}
        body.update(extra)
        return self.call("/transactions/refund", body)


class UtglApi(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.utgl = Utgl(cls.server.port, cls.server.sandbox["credentials"]["utgl"])

    def assertUtglError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json.get("code"), code, resp)
        self.assertTrue(resp.json.get("message"), resp)
        self.assertTrue(resp.header("x-request-id"), resp)

    def test_full_flow_with_the_seeds_fields(self):
        started = self.utgl.ok(self.utgl.call("/card-binding/initiate", {"fullPan": PAN}))
        uuid.UUID(started["verificationId"])
        self.assertEqual(started["maskedPan"], "411111******1111")
        self.assertRegex(started["codeExpiry"], ISO)
        card = self.utgl.ok(self.utgl.call("/card-binding/confirm",
                                           {"verificationId": started["verificationId"],
                                            "code": OTP}))
        self.assertEqual((card["bindingStatus"], card["cardType"]), ("success", "VISA"))
        self.assertRegex(card["expirationDate"], r"^\d\d/\d{4}$")
        tx = {"cardId": card["cardId"], "amount": 100, "currency": "USD", "description": "order 1"}
        self.assertEqual(self.utgl.ok(self.utgl.call("/transactions/verify", tx)), {"success": True})
        resp = self.utgl.call("/transactions/purchase", dict(tx, otpToken=OTP))
        locked = self.utgl.ok(resp)
        self.assertTrue(resp.header("x-request-id"))
        self.assertEqual((locked["status"], locked["amountAuthorized"], locked["currency"],
                          locked["cardId"]), ("locked", 100, "USD", card["cardId"]))
        self.assertRegex(locked["refId"], r"^[A-Z0-9]{10}$")
        self.assertRegex(locked["authorizationExpiry"], ISO)
        tid = locked["transactionId"]
        self.assertUtglError(self.utgl.refund(tid, 1), 409, "INVALID_TRANSACTION_STATE")
        captured = self.utgl.ok(self.utgl.call("/transactions/capture",
                                               {"transactionId": tid, "amount": 100}))
        self.assertEqual((captured["status"], captured["amountCaptured"]), ("captured", 100))
        self.assertRegex(captured["captureDate"], ISO)

        resp = self.utgl.refund(tid, 40.5)
        first = self.utgl.ok(resp)
        self.assertEqual(set(first), {"transactionId", "refundTransactionId", "status",
                                      "amountRefunded", "currency", "refundDate", "cardId", "refId"})
        self.assertEqual((first["transactionId"], first["status"], first["amountRefunded"],
                          first["currency"], first["cardId"], first["refId"]),
                         (tid, "captured", 40.5, "USD", card["cardId"], locked["refId"]))
        self.assertIn(b'"amountRefunded":40.50', resp.body)
        uuid.UUID(first["refundTransactionId"])
        self.assertRegex(first["refundDate"], ISO)
        second = self.utgl.ok(self.utgl.refund(tid, "59.50"))
        self.assertEqual((second["status"], second["amountRefunded"]), ("refunded", 59.5))
        self.assertNotEqual(first["refundTransactionId"], second["refundTransactionId"])
        self.assertUtglError(self.utgl.refund(tid, 0.01), 409, "INVALID_TRANSACTION_STATE")

    def test_auth_and_bad_json(self):
        self.assertUtglError(self.utgl.call("/transactions/refund", {}, auth=False), 401,
                             "UNAUTHORIZED")
        wrong = Utgl(self.server.port, self.server.sandbox["credentials"]["utgl"], password="nope")
        self.assertUtglError(wrong.call("/transactions/refund", {}), 401, "UNAUTHORIZED")
        wrong.http.close()
        self.assertUtglError(self.utgl.call("/transactions/refund", {}, auth="Basic !!!"), 401,
                             "UNAUTHORIZED")
        self.assertUtglError(self.utgl.call("/transactions/refund", {},
                                            auth="Bearer " + self.server.key), 401, "UNAUTHORIZED")
        self.assertUtglError(self.utgl.call("/transactions/refund", raw='{"transactionId": '), 400,
                             "VALIDATION_ERROR")
        self.assertUtglError(self.utgl.call("/transactions/refund", raw=""), 400, "VALIDATION_ERROR")

    def test_binding_and_purchase_errors(self):
        self.assertUtglError(self.utgl.call("/card-binding/initiate", {"fullPan": "4111111111111112"}),
                             400, "VALIDATION_ERROR")
        started = self.utgl.ok(self.utgl.call("/card-binding/initiate", {"fullPan": PAN}))
        self.assertUtglError(self.utgl.call("/card-binding/confirm",
                                            {"verificationId": started["verificationId"],
                                             "code": "000000"}), 400, "INVALID_OTP")
        self.assertUtglError(self.utgl.call("/card-binding/confirm",
                                            {"verificationId": str(uuid.uuid4()), "code": OTP}),
                             404, "VERIFICATION_NOT_FOUND")
        card = self.utgl.ok(self.utgl.call("/card-binding/confirm",
                                           {"verificationId": started["verificationId"],
                                            "code": OTP}))
        self.assertUtglError(self.utgl.call("/card-binding/confirm",
                                            {"verificationId": started["verificationId"],
                                             "code": OTP}), 409, "BINDING_ALREADY_CONFIRMED")
        tx = {"cardId": card["cardId"], "amount": 10, "currency": "USD", "description": "d"}
        self.assertUtglError(self.utgl.call("/transactions/purchase", dict(tx, otpToken=OTP)), 400,
                             "VERIFICATION_REQUIRED")
        self.utgl.ok(self.utgl.call("/transactions/verify", tx))
        self.assertUtglError(self.utgl.call("/transactions/purchase",
                                            dict(tx, amount=11, otpToken=OTP)), 400,
                             "VERIFICATION_REQUIRED")
        self.assertUtglError(self.utgl.call("/transactions/purchase", dict(tx, otpToken="1")), 400,
                             "INVALID_OTP")
        unknown = dict(tx, cardId=str(uuid.uuid4()))
        self.assertUtglError(self.utgl.call("/transactions/verify", unknown), 404, "CARD_NOT_FOUND")
        self.assertUtglError(self.utgl.call("/transactions/verify", dict(tx, amount=0.001)), 400,
                             "VALIDATION_ERROR")
        locked = self.utgl.ok(self.utgl.call("/transactions/purchase", dict(tx, otpToken=OTP)))
        self.assertUtglError(self.utgl.call("/transactions/capture",
                                            {"transactionId": locked["transactionId"],
                                             "amount": 10.01}), 422, "AMOUNT_EXCEEDS_AUTHORIZED")
        released = self.utgl.ok(self.utgl.call("/transactions/release",
                                               {"transactionId": locked["transactionId"]}))
        self.assertEqual(released["status"], "void")
        self.assertUtglError(self.utgl.call("/transactions/capture",
                                            {"transactionId": locked["transactionId"]}), 409,
                             "INVALID_TRANSACTION_STATE")
        self.assertUtglError(self.utgl.refund(locked["transactionId"], 1), 409,
                             "INVALID_TRANSACTION_STATE")

    def test_refund_errors(self):
        captured = self.utgl.purchase(50)
        tid = captured["transactionId"]
        self.assertUtglError(self.utgl.refund(tid, 50.01), 422, "AMOUNT_EXCEEDS_REFUNDABLE")
        self.assertUtglError(self.utgl.refund(tid, 1, currency="HKD"), 422, "CURRENCY_MISMATCH")
        for bad in (0, 0.001, -1, "1.005", "x"):
            self.assertUtglError(self.utgl.refund(tid, bad), 400, "VALIDATION_ERROR")
        self.assertUtglError(self.utgl.refund(str(uuid.uuid4()), 1), 404, "TRANSACTION_NOT_FOUND")
        self.assertUtglError(self.utgl.refund("not-a-uuid", 1), 400, "VALIDATION_ERROR")
        body = {"transactionId": tid, "amount": 1, "currency": "USD", "reason": "r"}
        self.assertUtglError(self.utgl.call("/transactions/refund", body), 400, "VALIDATION_ERROR")
        # Partial refunds up to the total, and no further.
        for amount in (10, 15.25, 20):
            self.assertEqual(self.utgl.ok(self.utgl.refund(tid, amount))["status"], "captured")
        self.assertUtglError(self.utgl.refund(tid, 4.76), 422, "AMOUNT_EXCEEDS_REFUNDABLE")
        self.assertEqual(self.utgl.ok(self.utgl.refund(tid, 4.75))["status"], "refunded")

    def test_unknown_paths_and_wrong_methods_answer_in_utgl_shape(self):
        # Regression: /partner-connect answered the shared router's Stripe-shaped 404/405.
        r = self.utgl.call("/transactions/nope", {"transactionId": str(uuid.uuid4())})
        self.assertUtglError(r, 404, "NOT_FOUND")
        self.assertEqual(sorted(r.json), ["code", "message"], r)
        self.assertIn("/partner-connect/transactions/nope", r.json["message"], r)
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(method=method):
                r = self.utgl.http.request(method, "/partner-connect/transactions/refund",
                                           headers={"Authorization": self.utgl.auth})
                self.assertUtglError(r, 405, "METHOD_NOT_ALLOWED")
                self.assertEqual(r.header("Allow"), "POST", r)
        r = self.utgl.http.request("GET", "/partner-connect/card-binding/initiate")
        self.assertUtglError(r, 405, "METHOD_NOT_ALLOWED")

    def test_refusals_of_the_http_server_answer_in_utgl_shape(self):
        # Regression: a body or headers over the server's limits got its Stripe-shaped error.
        auth = {"Authorization": self.utgl.auth}
        path = "/partner-connect/transactions/refund"
        r = send_raw(self.server.port, body_over_the_limit("POST", path, auth))
        self.assertUtglError(r, 413, "PAYLOAD_TOO_LARGE")
        self.assertEqual(sorted(r.json), ["code", "message"], r)
        self.assertIn("1048576 bytes", r.json["message"], r)
        r = send_raw(self.server.port, headers_over_the_limit("POST", path, auth))
        self.assertUtglError(r, 431, "HEADERS_TOO_LARGE")

    def test_another_merchants_transaction_is_not_found(self):
        other = self.server.create_merchant("utgl-other-" + uuid.uuid4().hex[:8])
        self.assertEqual(set(other["credentials"]["utgl"]), {"username", "password"})
        theirs = Utgl(self.server.port, other["credentials"]["utgl"])
        captured = theirs.purchase(10)
        self.assertUtglError(self.utgl.refund(captured["transactionId"], 1), 404,
                             "TRANSACTION_NOT_FOUND")
        self.assertUtglError(self.utgl.call("/transactions/verify",
                                            {"cardId": captured["cardId"], "amount": 1,
                                             "currency": "USD", "description": "d"}), 404,
                             "CARD_NOT_FOUND")
        theirs.ok(theirs.refund(captured["transactionId"], 10))
        theirs.http.close()

    def test_idempotency_key(self):
        captured = self.utgl.purchase(30)
        key = "it-" + uuid.uuid4().hex
        body = {"transactionId": captured["transactionId"], "amount": 5, "currency": "USD",
                "reason": "r", "description": "d"}
        first = self.utgl.call("/transactions/refund", body, idempotency_key=key)
        self.utgl.ok(first)
        again = self.utgl.call("/transactions/refund", body, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertUtglError(self.utgl.call("/transactions/refund", dict(body, amount=6),
                                            idempotency_key=key), 422, "IDEMPOTENCY_KEY_REUSED")
        self.assertUtglError(self.utgl.refund(captured["transactionId"], 25.01), 422,
                             "AMOUNT_EXCEEDS_REFUNDABLE")

    def test_a_request_refused_for_its_amount_does_not_use_up_its_idempotency_key(self):
        # Regression (issue 19, fault 4): the refusal was stored for the key, so the corrected
        # request with the same key got 422 IDEMPOTENCY_KEY_REUSED.
        locked = self.utgl.purchase(30, capture=False)
        tid = locked["transactionId"]
        key = "it-" + uuid.uuid4().hex
        capture = {"transactionId": tid, "amount": 30}
        self.assertUtglError(self.utgl.call("/transactions/capture", dict(capture, amount="abc"),
                                            idempotency_key=key), 400, "VALIDATION_ERROR")
        first = self.utgl.call("/transactions/capture", capture, idempotency_key=key)
        self.assertEqual(self.utgl.ok(first)["status"], "captured")
        again = self.utgl.call("/transactions/capture", capture, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))

        key = "it-" + uuid.uuid4().hex
        refund = {"transactionId": tid, "amount": 5, "currency": "USD", "reason": "r",
                  "description": "d"}
        for bad in ("abc", 0.001):
            self.assertUtglError(self.utgl.call("/transactions/refund", dict(refund, amount=bad),
                                                idempotency_key=key), 400, "VALIDATION_ERROR")
        first = self.utgl.call("/transactions/refund", refund, idempotency_key=key)
        self.assertEqual(self.utgl.ok(first)["amountRefunded"], 5)
        again = self.utgl.call("/transactions/refund", refund, idempotency_key=key)
        self.assertEqual((again.status, again.body), (200, first.body))

    def test_concurrent_refunds_never_exceed_the_capture(self):
        captured = self.utgl.purchase(100)
        creds = self.server.sandbox["credentials"]["utgl"]

        def one(_i, barrier):
            c = Utgl(self.server.port, creds)
            try:
                barrier.wait()
                return c.refund(captured["transactionId"], 1.5)
            finally:
                c.http.close()

        results = run_threads(100, one)
        self.assertFalse([r for r in results if isinstance(r, BaseException)], results)
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 66, sorted({(r.status, r.body[:100]) for r in results}))
        for r in results:
            if r.status != 200:
                self.assertUtglError(r, 422, "AMOUNT_EXCEEDS_REFUNDABLE")
        self.assertEqual(len({r.json["refundTransactionId"] for r in ok}), 66)
        self.assertUtglError(self.utgl.refund(captured["transactionId"], 1.01), 422,
                             "AMOUNT_EXCEEDS_REFUNDABLE")
        self.assertEqual(self.utgl.ok(self.utgl.refund(captured["transactionId"], 1))["status"],
                         "refunded")


if __name__ == "__main__":
    unittest.main()
