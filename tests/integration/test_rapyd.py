"""Proves Rapyd over HTTP against the real binary: the seed's refund body with a correct signature
and Rapyd's envelope, UNAUTHENTICATED_API_CALL for a wrong signature, a stale timestamp or a
missing header, INVALID_FIELDS for bad JSON, the routing of the shared /v1/refunds by auth
headers, payments (capture, cancel, sandbox completion, e-wallet splits), refunds (partial up to
the total, over-refund, currency, unknown and foreign payments, retrieve, list, update, sandbox
complete), the idempotency header, and 100 concurrent refunds that never exceed the payment.
The signing helper is written from the spec: BASE64(HEX(HMAC-SHA256(secret, lower(method) + path
+ salt + timestamp + access_key + secret + body))), "{}" signing as empty."""

import base64
import hashlib
import hmac
import json
import random
import string
import time
import unittest
import uuid

from harness import (Client, ServerTestCase, body_over_the_limit, headers_over_the_limit,
                     run_threads, send_raw)


def signature(secret, access_key, method, path, salt, timestamp, body, urlsafe=False):
    to_sign = (method.lower() + path + salt + str(timestamp) + access_key + secret
               + ("" if body == "{}" else body))
    digest = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest().encode()
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(digest).decode()


class Rapyd:
    """A Rapyd client over one keep-alive connection; bodies are compact JSON, as Rapyd wants."""

    def __init__(self, port, creds):
        self.http = Client(port, key="")
        self.access = creds["access_key"]
        self.secret = creds["secret_key"]

    def call(self, method, path, body=None, raw=None, timestamp=None, sig=None, drop=(),
             idempotency=None, urlsafe=False):
        text = raw if raw is not None else ("" if body is None else
                                            json.dumps(body, separators=(",", ":")))
        salt = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(12))
        ts = str(int(time.time()) if timestamp is None else timestamp)
        hdrs = {"access_key": self.access, "salt": salt, "timestamp": ts,
                "signature": sig or signature(self.secret, self.access, method, path, salt, ts,
                                              text, urlsafe),
                "Content-Type": "application/json"}
        if idempotency:
            hdrs["idempotency"] = idempotency
        for name in drop:
            hdrs.pop(name)
        return self.http.request(method, path, raw_body=text if text else None, headers=hdrs)

    def data(self, resp):
        if resp.status != 200:
            raise AssertionError("expected 200, got %r" % resp)
        body = resp.json
        status = body["status"]
        if status["status"] != "SUCCESS" or status["error_code"] != "":
            raise AssertionError("not a SUCCESS envelope: %r" % resp)
        return body["data"]

    def pay(self, amount=100, currency="USD", method_type="us_visa_card", **extra):
        body = {"amount": amount, "currency": currency,
                "payment_method": {"type": method_type, "fields": {"number": "4111111111111111"}},
                "complete_payment_url": "https://m.example/ok",
                "error_payment_url": "https://m.example/err"}
        body.update(extra)
        return self.data(self.call("POST", "/v1/payments", body))

    def refund(self, payment, amount=None, **extra):
        body = {"payment": payment}
        if amount is not None:
            body["amount"] = amount
        body.update(extra)
        return self.call("POST", "/v1/refunds", body)


class RapydApi(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rapyd = Rapyd(cls.server.port, cls.server.sandbox["credentials"]["rapyd"])

    def assertRapydError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        body = resp.json
        self.assertNotIn("data", body, resp)
        st = body["status"]
        self.assertEqual((st["status"], st["error_code"], st["response_code"]),
                         ("ERROR", code, code), resp)
        self.assertTrue(st["message"], resp)
        uuid.UUID(st["operation_id"])

    # --- the seed --------------------------------------------------------------------------------

    def test_seed_refund_body(self):
        payment = self.rapyd.pay(100)
        self.assertEqual(payment["status"], "CLO")
        raw = ('{"payment":"%s","amount":10.5,"currency":"USD","reason":"test"}' % payment["id"])
        resp = self.rapyd.call("POST", "/v1/refunds", raw=raw)
        refund = self.rapyd.data(resp)
        self.assertTrue(refund["id"].startswith("refund_"))
        self.assertEqual((refund["amount"], refund["currency"], refund["payment"], refund["reason"],
                          refund["status"]), (10.5, "USD", payment["id"], "test", "Completed"))
        self.assertIn(b'"amount":10.5,', resp.body)
        for field in ("created_at", "updated_at", "failure_reason", "merchant_reference_id",
                      "metadata", "payment_created_at", "payment_method_type", "ewallets",
                      "proportional_refund", "receipt_number", "fx_rate", "fixed_side",
                      "merchant_debited_amount", "merchant_debited_currency"):
            self.assertIn(field, refund)
        self.assertEqual(refund["payment_method_type"], "us_visa_card")
        uuid.UUID(resp.json["status"]["operation_id"])
        got = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds/" + refund["id"]))
        self.assertEqual(got["amount"], 10.5)
        p = self.rapyd.data(self.rapyd.call("GET", "/v1/payments/" + payment["id"]))
        self.assertEqual((p["refunded_amount"], p["refunded"]), (10.5, False))
        self.assertEqual(p["refunds"]["total_count"], 1)
        self.assertEqual(p["refunds"]["data"][0]["id"], refund["id"])

    # --- auth, routing and bad input -----------------------------------------------------------

    def test_signature_errors(self):
        payment = self.rapyd.pay(10)
        body = {"payment": payment["id"], "amount": 1}
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", body, sig="b3Zlcg=="), 401,
                              "UNAUTHENTICATED_API_CALL")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", body,
                                              timestamp=int(time.time()) - 120), 401,
                              "UNAUTHENTICATED_API_CALL")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", body,
                                              timestamp=int(time.time()) + 120), 401,
                              "UNAUTHENTICATED_API_CALL")
        for header in ("salt", "timestamp", "signature"):
            self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", body, drop=(header,)), 401,
                                  "UNAUTHENTICATED_API_CALL")
        stranger = Rapyd(self.server.port, {"access_key": "rak_NOBODY", "secret_key": "x"})
        self.assertRapydError(stranger.refund(payment["id"], 1), 401, "UNAUTHENTICATED_API_CALL")
        stranger.http.close()
        # Whitespace outside strings is signed as sent: the same body spaced differently fails.
        salt, ts = "abcdefgh1234", str(int(time.time()))
        compact = json.dumps(body, separators=(",", ":"))
        sig = signature(self.rapyd.secret, self.rapyd.access, "POST", "/v1/refunds", salt, ts,
                        compact)
        spaced = json.dumps(body)
        resp = self.rapyd.http.request("POST", "/v1/refunds", raw_body=spaced, headers={
            "access_key": self.rapyd.access, "salt": salt, "timestamp": ts, "signature": sig,
            "Content-Type": "application/json"})
        self.assertRapydError(resp, 401, "UNAUTHENTICATED_API_CALL")
        # URL-safe base64 (the official Python SDK) is accepted; nothing was refunded so far.
        self.rapyd.data(self.rapyd.call("POST", "/v1/refunds", body, urlsafe=True))
        self.assertEqual(self.rapyd.data(self.rapyd.call(
            "GET", "/v1/payments/" + payment["id"]))["refunded_amount"], 1)

    def test_bad_json_is_invalid_fields(self):
        for raw in ['{"payment": "x",', "[1]", '{"payment":"x","amount":1e3}']:
            self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", raw=raw), 400,
                                  "INVALID_FIELDS")

    def test_empty_object_body_signs_as_empty(self):
        payment = self.rapyd.pay(5, capture=False)
        self.assertEqual(payment["status"], "ACT")
        captured = self.rapyd.data(self.rapyd.call(
            "POST", "/v1/payments/%s/capture" % payment["id"], raw="{}"))
        self.assertEqual((captured["status"], captured["captured"]), ("CLO", True))

    def test_refusals_of_the_http_server_answer_in_rapyd_shape(self):
        # Regression: a body or headers over the server's limits got its Stripe-shaped error.
        rapyd = {"access_key": self.rapyd.access, "salt": "s", "timestamp": "1", "signature": "x"}
        r = send_raw(self.server.port, body_over_the_limit("POST", "/v1/refunds", rapyd))
        self.assertRapydError(r, 413, "ERROR_REQUEST_TOO_LARGE")
        self.assertIn("1048576 bytes", r.json["status"]["message"], r)
        r = send_raw(self.server.port, body_over_the_limit("POST", "/v1/payments"))
        self.assertRapydError(r, 413, "ERROR_REQUEST_TOO_LARGE")
        # A 431 carries no headers: only /v1/payments is Rapyd's without access_key.
        r = send_raw(self.server.port, headers_over_the_limit("GET", "/v1/payments/x", rapyd))
        self.assertRapydError(r, 431, "ERROR_HEADERS_TOO_LARGE")
        r = send_raw(self.server.port, headers_over_the_limit("GET", "/v1/refunds", rapyd))
        self.assertError(r, 431, "headers_too_large")

    def test_native_and_rapyd_share_v1_refunds_by_auth_headers(self):
        payment = self.rapyd.pay(20)
        # The native API (Bearer) does not see Rapyd's payment, and answers in Stripe's shape.
        native = self.api.post("/v1/refunds", {"payment_intent": payment["id"]})
        self.assertError(native, 404, "resource_missing")
        anonymous = self.server.anonymous().post("/v1/refunds", {"payment_intent": payment["id"]})
        self.assertEqual(anonymous.status, 401, anonymous)
        self.assertIn("error", anonymous.json)
        # Rapyd does not see native payment intents.
        pi = self.api.pay(1000)
        self.assertRapydError(self.rapyd.refund(pi["id"]), 400, "ERROR_ADDING_REFUND")
        self.assertRapydError(self.rapyd.call("GET", "/v1/refunds/" + self.api.ok(
            self.api.refund(pi["id"], 100), "native refund")["id"]), 400, "INVALID_REFUND")

    def test_unknown_paths_and_wrong_methods_answer_in_rapyd_shape(self):
        # Regression: Rapyd's paths answered the shared router's Stripe-shaped 404/405.
        payment = self.rapyd.pay(7)
        for method, path, status, allow in [
                ("DELETE", "/v1/refunds", 405, "POST, GET"),
                ("PUT", "/v1/payments/" + payment["id"], 405, "GET, DELETE"),
                ("GET", "/v1/payments/%s/capture" % payment["id"], 405, "POST"),
                ("POST", "/v1/payments/%s/nope" % payment["id"], 404, None),
                ("GET", "/v1/customers", 404, None),
                ("GET", "/v1/payment_intents/pi_x/capture", 404, None)]:  # native's path
            with self.subTest(method=method, path=path):
                r = self.rapyd.call(method, path, {"payment": payment["id"]})
                self.assertRapydError(r, status, "UNAUTHORIZED_API_CALL")
                self.assertEqual(r.header("Allow"), allow, r)
                self.assertIn(method + " " + path, r.json["status"]["message"], r)
        # /v1/payments is Rapyd's whatever the headers; /v1/refunds without access_key is native's.
        self.assertRapydError(self.api.get("/v1/payments/" + payment["id"] + "/x"), 404,
                              "UNAUTHORIZED_API_CALL")
        self.assertError(self.api.request("DELETE", "/v1/refunds"), 405, "method_not_allowed")
        # Nothing was refunded.
        self.assertEqual(self.rapyd.data(self.rapyd.call("GET", "/v1/payments/" + payment["id"]))
                         ["refunded_amount"], 0)

    # --- refunds ------------------------------------------------------------------------------

    def test_partial_refunds_up_to_the_total_and_no_further(self):
        payment = self.rapyd.pay(100)
        for amount in (10, 20.25, "30.5"):
            self.rapyd.data(self.rapyd.refund(payment["id"], amount))
        self.assertRapydError(self.rapyd.refund(payment["id"], 39.26), 400, "ERROR_CREATE_REFUND")
        rest = self.rapyd.data(self.rapyd.refund(payment["id"]))  # default: all that remains
        self.assertEqual(rest["amount"], 39.25)
        self.assertRapydError(self.rapyd.refund(payment["id"], 0.01), 400,
                              "ERROR_CREATE_REFUND_EWALLET_ALREADY_FULLY_REFUNDED")
        p = self.rapyd.data(self.rapyd.call("GET", "/v1/payments/" + payment["id"]))
        self.assertEqual((p["refunded_amount"], p["refunded"]), (100, True))
        self.assertEqual(p["refunds"]["total_count"], 4)
        self.assertEqual(len(p["refunds"]["data"]), 3)
        self.assertIs(p["refunds"]["has_more"], True)

    def test_refund_refusals(self):
        payment = self.rapyd.pay(50)
        self.assertRapydError(self.rapyd.refund(payment["id"], 1, currency="EUR"), 400,
                              "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID")
        self.assertRapydError(self.rapyd.refund(payment["id"], 1.005), 400, "ERROR_CREATE_REFUND")
        self.assertRapydError(self.rapyd.refund(payment["id"], 0), 400, "ERROR_CREATE_REFUND")
        self.assertRapydError(self.rapyd.refund("payment_doesnotexist", 1), 400,
                              "ERROR_ADDING_REFUND")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", {"amount": 1}), 400,
                              "ERROR_ADDING_REFUND")
        self.assertRapydError(self.rapyd.call("GET", "/v1/refunds/refund_doesnotexist"), 400,
                              "INVALID_REFUND")
        self.assertRapydError(self.rapyd.call("GET", "/v1/payments/payment_doesnotexist"), 400,
                              "ERROR_GET_PAYMENT")
        auth_only = self.rapyd.pay(30, capture=False)
        self.assertRapydError(self.rapyd.refund(auth_only["id"], 1), 400, "PAYMENT_NOT_COMPLETED")
        canceled = self.rapyd.data(self.rapyd.call("DELETE", "/v1/payments/" + auth_only["id"]))
        self.assertEqual(canceled["status"], "CAN")
        self.assertRapydError(self.rapyd.refund(auth_only["id"], 1), 400, "PAYMENT_NOT_COMPLETED")
        self.assertRapydError(self.rapyd.call("DELETE", "/v1/payments/" + payment["id"]), 400,
                              "ERROR_CANCEL_PAYMENT")

    def test_another_merchants_payment_is_not_found(self):
        other = self.server.create_merchant("rapyd-other-" + uuid.uuid4().hex[:8])
        self.assertEqual(set(other["credentials"]["rapyd"]), {"access_key", "secret_key"})
        theirs = Rapyd(self.server.port, other["credentials"]["rapyd"])
        payment = theirs.pay(10)
        refund = theirs.data(theirs.refund(payment["id"], 1))
        self.assertRapydError(self.rapyd.refund(payment["id"], 1), 400, "ERROR_ADDING_REFUND")
        self.assertRapydError(self.rapyd.call("GET", "/v1/payments/" + payment["id"]), 400,
                              "ERROR_GET_PAYMENT")
        self.assertRapydError(self.rapyd.call("GET", "/v1/refunds/" + refund["id"]), 400,
                              "INVALID_REFUND")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds/" + refund["id"],
                                              {"metadata": {"a": 1}}), 400, "INVALID_REFUND_TOKEN")
        theirs.http.close()

    def test_capture_then_refund(self):
        payment = self.rapyd.pay(80, capture=False)
        self.assertEqual((payment["status"], payment["next_action"]), ("ACT", "pending_capture"))
        self.assertRapydError(self.rapyd.call("POST", "/v1/payments/%s/capture" % payment["id"],
                                              {"amount": 80.01}), 400, "ERROR_CAPTURE_PAYMENT")
        captured = self.rapyd.data(self.rapyd.call(
            "POST", "/v1/payments/%s/capture" % payment["id"], {"amount": 60}))
        self.assertEqual((captured["status"], captured["amount"], captured["original_amount"]),
                         ("CLO", 60, 80))
        self.assertRapydError(self.rapyd.refund(payment["id"], 60.01), 400, "ERROR_CREATE_REFUND")
        self.rapyd.data(self.rapyd.refund(payment["id"], 60))

    def test_cash_payment_and_pending_refund_with_sandbox_completion(self):
        payment = self.rapyd.pay(200, currency="MXN", method_type="mx_oxxo_cash")
        self.assertEqual((payment["status"], payment["payment_method_type_category"]), ("ACT", "cash"))
        self.assertRapydError(self.rapyd.refund(payment["id"], 1), 400, "PAYMENT_NOT_COMPLETED")
        done = self.rapyd.data(self.rapyd.call("POST", "/v1/payments/completePayment",
                                               {"token": payment["id"]}))
        self.assertEqual((done["status"], done["paid"]), ("CLO", True))
        self.assertRapydError(self.rapyd.call("POST", "/v1/payments/completePayment",
                                              {"token": payment["id"]}), 400,
                              "ERROR_COMPLETE_PAYMENT")
        refund = self.rapyd.data(self.rapyd.refund(payment["id"], 50))
        self.assertEqual(refund["status"], "Pending")
        # A pending refund holds its amount.
        self.assertRapydError(self.rapyd.refund(payment["id"], 150.01), 400, "ERROR_CREATE_REFUND")
        completed = self.rapyd.data(self.rapyd.call("POST", "/v1/refunds/complete",
                                                    {"token": refund["id"]}))
        self.assertEqual(completed["status"], "Completed")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds/complete",
                                              {"token": refund["id"]}), 400,
                              "INVALID_REFUND_STATUS")
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds/complete",
                                              {"token": "refund_nope"}), 400, "INVALID_REFUND")

    def test_ewallet_split_by_amount_and_percent(self):
        payment = self.rapyd.pay(100, ewallets=[{"ewallet": "ewallet_a", "percentage": 60},
                                                {"ewallet": "ewallet_b", "percentage": 40}])
        self.assertEqual([(w["ewallet_id"], w["amount"], w["percent"]) for w in payment["ewallets"]],
                         [("ewallet_a", 60, 60), ("ewallet_b", 40, 40)])
        pid = payment["id"]
        by_amount = self.rapyd.data(self.rapyd.refund(
            pid, ewallets=[{"ewallet": "ewallet_b", "amount": 30}]))
        self.assertEqual((by_amount["amount"], by_amount["ewallets"], by_amount["proportional_refund"]),
                         (30, [{"ewallet": "ewallet_b", "amount": 30}], False))
        self.assertRapydError(self.rapyd.refund(pid, ewallets=[{"ewallet": "ewallet_b",
                                                                "amount": 10.01}]), 400,
                              "ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT")
        by_percent = self.rapyd.data(self.rapyd.refund(
            pid, 20, ewallets=[{"ewallet": "ewallet_a", "percent": 75},
                               {"ewallet": "ewallet_b", "percent": 25}]))
        self.assertEqual(by_percent["ewallets"], [{"ewallet": "ewallet_a", "amount": 15},
                                                  {"ewallet": "ewallet_b", "amount": 5}])
        self.assertRapydError(self.rapyd.refund(pid, 1, ewallets=[{"ewallet": "ewallet_z",
                                                                   "amount": 1}]), 400,
                              "ERROR_CREATE_REFUND_EWALLET_NOT_FOUND_IN_PAYMENT")
        self.assertRapydError(self.rapyd.refund(pid, ewallets=[{"ewallet": "ewallet_a", "amount": 1},
                                                               {"ewallet": "ewallet_a", "amount": 1}]),
                              400, "ERROR_CREATE_REFUND_DUPLICATE_EWALLET")
        self.assertRapydError(self.rapyd.refund(pid, 5, ewallets=[{"ewallet": "ewallet_a",
                                                                   "amount": 4}]), 400,
                              "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY")
        # What remains (a: 45, b: 5) goes back in proportion, emptying both wallets.
        rest = self.rapyd.data(self.rapyd.refund(pid))
        self.assertEqual((rest["amount"], rest["proportional_refund"]), (50, True))
        self.assertEqual(rest["ewallets"], [{"ewallet": "ewallet_a", "amount": 45},
                                            {"ewallet": "ewallet_b", "amount": 5}])
        p = self.rapyd.data(self.rapyd.call("GET", "/v1/payments/" + pid))
        self.assertEqual([w["refunded_amount"] for w in p["ewallets"]], [60, 40])

    def test_retrieve_list_and_update(self):
        payment = self.rapyd.pay(10)
        ids = [self.rapyd.data(self.rapyd.refund(payment["id"], 1, merchant_reference_id="r%d" % i,
                                                 metadata={"n": i}))["id"] for i in range(5)]
        listed = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds?payment=%s&limit=3"
                                                 % payment["id"]))
        self.assertEqual([r["id"] for r in listed], ids[::-1][:3])
        after = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds?payment=%s&starting_after=%s"
                                                % (payment["id"], listed[-1]["id"])))
        self.assertEqual([r["id"] for r in after], ids[::-1][3:])
        before = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds?paymentId=%s&ending_before=%s"
                                                 % (payment["id"], ids[1])))
        self.assertEqual(sorted(r["id"] for r in before), sorted(ids[2:]))
        self.assertRapydError(self.rapyd.call("GET", "/v1/refunds?limit=0"), 400, "INVALID_FIELDS")
        updated = self.rapyd.data(self.rapyd.call("POST", "/v1/refunds/" + ids[0],
                                                  {"metadata": {"merchant_defined": True}}))
        self.assertEqual(updated["metadata"], {"merchant_defined": True})
        got = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds/" + ids[0]))
        self.assertEqual((got["metadata"], got["merchant_reference_id"]),
                         ({"merchant_defined": True}, "r0"))

    def test_list_pages_stay_full_beside_native_refunds(self):
        # Regression: the list dropped other dialects' refunds after the store's LIMIT, so native
        # refunds of the same merchant made a page short although more Rapyd refunds existed.
        payment = self.rapyd.pay(10)
        pi = self.api.pay(1000)
        rapyd_ids, native_ids = [], []
        for i in range(4):
            rapyd_ids.append(self.rapyd.data(self.rapyd.refund(payment["id"], 1))["id"])
            if i < 3:
                for _ in range(3):
                    native_ids.append(self.api.ok(self.api.refund(pi["id"], 10), "refund")["id"])
        listed = self.rapyd.data(self.rapyd.call("GET", "/v1/refunds?limit=3"))
        self.assertEqual([r["id"] for r in listed], rapyd_ids[::-1][:3])
        rest = self.rapyd.data(self.rapyd.call(
            "GET", "/v1/refunds?limit=1&starting_after=" + listed[-1]["id"]))
        self.assertEqual([r["id"] for r in rest], rapyd_ids[:1])
        # The native list is filtered the same way (a Rapyd refund is the newest row).
        native = self.api.ok(self.api.get("/v1/refunds", {"limit": 4}), "list")
        self.assertEqual([r["id"] for r in native["data"]], native_ids[::-1][:4])
        self.assertTrue(native["has_more"])

    def test_idempotency_header(self):
        payment = self.rapyd.pay(10)
        key = "it-" + uuid.uuid4().hex
        first = self.rapyd.call("POST", "/v1/refunds", {"payment": payment["id"], "amount": 2},
                                idempotency=key)
        self.rapyd.data(first)
        again = self.rapyd.call("POST", "/v1/refunds", {"payment": payment["id"], "amount": 2},
                                idempotency=key)
        self.assertEqual((again.status, again.body), (200, first.body))
        self.assertRapydError(self.rapyd.call("POST", "/v1/refunds",
                                              {"payment": payment["id"], "amount": 3},
                                              idempotency=key), 400, "ERROR_IDEMPOTENCY_KEY_REUSED")
        # Creating a payment twice with one key makes one payment.
        pkey = "it-" + uuid.uuid4().hex
        body = {"amount": 7, "currency": "USD", "payment_method": {"type": "us_visa_card"}}
        p1 = self.rapyd.call("POST", "/v1/payments", body, idempotency=pkey)
        p2 = self.rapyd.call("POST", "/v1/payments", body, idempotency=pkey)
        self.assertEqual(self.rapyd.data(p1)["id"], self.rapyd.data(p2)["id"])
        self.assertEqual(self.rapyd.data(self.rapyd.call(
            "GET", "/v1/payments/" + payment["id"]))["refunded_amount"], 2)

    def test_a_request_refused_for_its_amount_does_not_use_up_its_idempotency_key(self):
        # Regression (issue 19, fault 4): the refusal was stored for the key, so the corrected
        # request with the same key got ERROR_IDEMPOTENCY_KEY_REUSED.
        payment = self.rapyd.pay(10, capture=False)
        path = "/v1/payments/%s/capture" % payment["id"]
        key = "it-" + uuid.uuid4().hex
        for bad in ("abc", 10.001):
            self.assertRapydError(self.rapyd.call("POST", path, {"amount": bad}, idempotency=key),
                                  400, "ERROR_CAPTURE_PAYMENT")
        first = self.rapyd.call("POST", path, {"amount": 10}, idempotency=key)
        self.assertEqual(self.rapyd.data(first)["status"], "CLO")
        again = self.rapyd.call("POST", path, {"amount": 10}, idempotency=key)
        self.assertEqual((again.status, again.body), (200, first.body))

        key = "it-" + uuid.uuid4().hex
        body = {"payment": payment["id"], "amount": 2}
        for bad, code in (({"amount": "abc"}, "ERROR_CREATE_REFUND"),
                          ({"amount": -1}, "ERROR_CREATE_REFUND"),
                          ({"currency": "ZZZ"}, "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID"),
                          ({"ewallets": [{"ewallet": "ewallet_a", "percent": 50}]},
                           "ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE")):
            self.assertRapydError(self.rapyd.call("POST", "/v1/refunds", dict(body, **bad),
                                                  idempotency=key), 400, code)
        first = self.rapyd.call("POST", "/v1/refunds", body, idempotency=key)
        self.assertEqual(self.rapyd.data(first)["amount"], 2)
        again = self.rapyd.call("POST", "/v1/refunds", body, idempotency=key)
        self.assertEqual((again.status, again.body), (200, first.body))

    def test_concurrent_refunds_never_exceed_the_payment(self):
        payment = self.rapyd.pay(100)
        creds = self.server.sandbox["credentials"]["rapyd"]

        def one(_i, barrier):
            c = Rapyd(self.server.port, creds)
            try:
                barrier.wait()
                return c.refund(payment["id"], 1.5)
            finally:
                c.http.close()

        results = run_threads(100, one)
        self.assertFalse([r for r in results if isinstance(r, BaseException)], results)
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 66, sorted({(r.status, r.body[:120]) for r in results}))
        for r in results:
            if r.status != 200:
                self.assertRapydError(r, 400, "ERROR_CREATE_REFUND")
        p = self.rapyd.data(self.rapyd.call("GET", "/v1/payments/" + payment["id"]))
        self.assertEqual((p["refunded_amount"], p["refunds"]["total_count"]), (99, 66))


if __name__ == "__main__":
    unittest.main()
