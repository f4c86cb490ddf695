"""Proves that bad input from outside gets a clear 4xx in the native dialect and changes nothing: bad
bodies and amounts, unknown ids and other merchants' ids (indistinguishable), bad keys, oversized
bodies and headers, unknown routes."""

import unittest

from harness import (Client, ServerTestCase, body_over_the_limit, headers_over_the_limit, key_of,
                     send_raw)


class BadInput(ServerTestCase):

    def setUp(self):
        # A payment of its own per test, so that one test's failure cannot spill into the next.
        self.pi = self.api.pay(1000)

    def assertUnchanged(self):
        ch = self.api.charge_of(self.pi["id"])
        self.assertEqual(ch["amount_refunded"], 0)
        self.assertEqual(self.api.refunds_of(self.pi["id"]), [])
        self.assertEqual(self.api.intent(self.pi["id"]), self.pi)

    def refund_form(self, raw):
        return self.api.post("/v1/refunds", raw_body=raw,
                             content_type="application/x-www-form-urlencoded")

    def refund_json(self, raw):
        return self.api.post("/v1/refunds", raw_body=raw, content_type="application/json")

    def test_malformed_json(self):
        pi = self.pi["id"]
        for raw in ['{"payment_intent": "%s", "amount": ' % pi, "{", "nul", '{"a":1}}',
                    '{"payment_intent": "%s" "amount": 5}' % pi, "\xff\xfe"]:
            with self.subTest(body=raw):
                self.assertError(self.refund_json(raw.encode("latin-1")), 400, "parameter_invalid")
        self.assertUnchanged()

    def test_json_body_must_be_an_object(self):
        for raw in ["[1,2]", '"x"', "42", "null", "true"]:
            with self.subTest(body=raw):
                r = self.refund_json(raw)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.error.get("type"), "invalid_request_error", r)
        self.assertUnchanged()

    def test_malformed_form(self):
        for raw in ["payment_intent=%s&amount=%%zz" % self.pi["id"], "amount=%G1"]:
            with self.subTest(body=raw):
                r = self.refund_form(raw)
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error.get("code"), ("parameter_invalid", "parameter_invalid_integer"), r)
        self.assertUnchanged()

    def test_amounts_that_are_not_integers(self):
        for amount in ["10.5", "1e3", "ten", "0x10", "1,000", " 100", "100 ", "+-1", "1_000",
                       "\u0661\u0662", "NaN", "Infinity", "10.0"]:
            with self.subTest(amount=amount):
                r = self.api.refund(self.pi["id"], amount)
                self.assertError(r, 400, "parameter_invalid_integer", param="amount")
        self.assertUnchanged()

    def test_json_amounts_of_the_wrong_type(self):
        for amount in [10.5, "ten", True, [1], {"v": 1}]:
            with self.subTest(amount=amount):
                r = self.api.post("/v1/refunds", json_body={"payment_intent": self.pi["id"],
                                                            "amount": amount})
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error.get("code"), ("parameter_invalid_integer", "parameter_invalid"), r)
                self.assertEqual(r.error.get("param"), "amount", r)
        self.assertUnchanged()

    def test_json_numbers_that_are_not_integers_in_their_text(self):
        # An amount is read from its text: 1000.0 is not an integer, whatever its value, and a
        # number in exponent form is refused with the body (docs/native-api.md, Errors).
        for text in ["1000.0", "1000.00", "10.5"]:
            with self.subTest(text=text):
                raw = '{"payment_intent": "%s", "amount": %s}' % (self.pi["id"], text)
                r = self.refund_json(raw)
                self.assertError(r, 400, "parameter_invalid_integer", param="amount")
        for text in ["1e3", "1E3", "0.5e3", "1e+3"]:
            with self.subTest(text=text):
                raw = '{"payment_intent": "%s", "amount": %s}' % (self.pi["id"], text)
                self.assertError(self.refund_json(raw), 400, "parameter_invalid")
        self.assertUnchanged()

    def test_amounts_not_positive(self):
        for amount in ["0", "-1", "-1000"]:
            with self.subTest(amount=amount):
                r = self.api.refund(self.pi["id"], amount)
                self.assertError(r, 400, "amount_too_small", param="amount")
        self.assertUnchanged()

    def test_huge_amounts(self):
        for amount in ["100000000000", "9223372036854775807", "9223372036854775808",
                       "99999999999999999999999999999999"]:
            with self.subTest(amount=amount):
                r = self.api.refund(self.pi["id"], amount)
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error.get("code"), ("amount_too_large", "parameter_invalid_integer"), r)
        self.assertUnchanged()
        for amount in ["100000000000", "9223372036854775808", "-9223372036854775809",
                       "99999999999999999999999999999999"]:
            with self.subTest(create=amount):
                r = self.api.post("/v1/payment_intents", {"amount": amount, "currency": "usd"})
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error.get("code"), ("amount_too_large", "amount_too_small",
                                                    "parameter_invalid_integer"), r)
        r = self.api.post("/v1/payment_intents", {"amount": "100000000000", "currency": "usd"})
        self.assertError(r, 400, "amount_too_large", param="amount")
        top = self.api.pay(99_999_999_999)
        self.assertEqual(top["amount_received"], 99_999_999_999)

    def test_payment_intent_parameters(self):
        cases = [
            ({"currency": "usd"}, "parameter_missing", "amount"),
            ({"amount": 100}, "parameter_missing", "currency"),
            ({"amount": 100, "currency": "xyz"}, "parameter_invalid", "currency"),
            ({"amount": 100, "currency": "usdd"}, "parameter_invalid", "currency"),
            ({"amount": 100, "currency": ""}, None, "currency"),
            ({"amount": "10.5", "currency": "usd"}, "parameter_invalid_integer", "amount"),
            ({"amount": 0, "currency": "usd"}, "amount_too_small", "amount"),
            ({"amount": 100, "currency": "usd", "capture_method": "later"}, "parameter_invalid",
             "capture_method"),
            ({"amount": 100, "currency": "usd", "confirm": "maybe"}, "parameter_invalid", "confirm"),
            ({"amount": 100, "currency": "usd", "bogus": "1"}, "parameter_unknown", "bogus"),
        ]
        for params, code, param in cases:
            with self.subTest(params=params):
                r = self.api.post("/v1/payment_intents", params)
                self.assertEqual(r.status, 400, r)
                if code:
                    self.assertError(r, 400, code, param=param)
                else:
                    self.assertEqual(r.error.get("param"), param, r)

    def test_refund_parameters(self):
        pi = self.pi["id"]
        cases = [
            ({}, "parameter_missing"),
            ({"amount": 10}, "parameter_missing"),
            ({"payment_intent": pi, "reason": "because"}, "parameter_invalid"),
            ({"payment_intent": pi, "bogus": "1"}, "parameter_unknown"),
            ({"payment_intent": pi, "metadata": "flat"}, "parameter_invalid"),
        ]
        for params, code in cases:
            with self.subTest(params=params):
                self.assertError(self.api.post("/v1/refunds", params), 400, code)
        self.assertUnchanged()

    def test_list_parameters(self):
        for q in [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"limit": "-1"}]:
            with self.subTest(query=q):
                r = self.api.get("/v1/refunds", q)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.error.get("param"), "limit", r)
        # The docs do not say what an unknown cursor gives: a refusal or an empty page, not an error.
        r = self.api.get("/v1/refunds", {"starting_after": "re_doesnotexist000000000"})
        self.assertIn(r.status, (200, 400, 404), r)
        if r.status == 200:
            self.assertEqual(r.json["data"], [])

    def test_unknown_ids(self):
        cases = [
            ("GET", "/v1/refunds/re_doesnotexist000000000", None),
            ("POST", "/v1/refunds/re_doesnotexist000000000", {"metadata": {"a": "b"}}),
            ("POST", "/v1/refunds/re_doesnotexist000000000/cancel", None),
            ("POST", "/v1/refunds", {"payment_intent": "pi_doesnotexist000000000"}),
            ("POST", "/v1/refunds", {"charge": "ch_doesnotexist000000000"}),
            ("GET", "/v1/payment_intents/pi_doesnotexist000000000", None),
            ("GET", "/v1/charges/ch_doesnotexist000000000", None),
        ]
        for method, path, params in cases:
            with self.subTest(method=method, path=path, params=params):
                r = self.api.request(method, path, params=params)
                self.assertError(r, 404, "resource_missing")
        self.assertUnchanged()

    def test_another_merchants_ids_look_like_unknown_ids(self):
        other = self.server.create_merchant("bad-input-other")
        them = Client(self.server.port, key=key_of(other))
        theirs = them.pay(1000)
        their_refund = them.ok(them.refund(theirs["id"], 100), "their refund")
        ids = {"pi": theirs["id"], "ch": theirs["latest_charge"], "re": their_refund["id"]}

        def fake(real):
            prefix, _, rest = real.partition("_")
            return prefix + "_" + ("Z" * len(rest))

        cases = [
            ("GET", "/v1/payment_intents/{pi}", None),
            ("POST", "/v1/payment_intents/{pi}/capture", None),
            ("POST", "/v1/payment_intents/{pi}/cancel", None),
            ("GET", "/v1/charges/{ch}", None),
            ("GET", "/v1/refunds/{re}", None),
            ("POST", "/v1/refunds/{re}", {"metadata": {"x": "y"}}),
            ("POST", "/v1/refunds/{re}/cancel", None),
            ("POST", "/v1/refunds", {"payment_intent": "{pi}"}),
            ("POST", "/v1/refunds", {"charge": "{ch}", "amount": 10}),
            ("GET", "/v1/refunds", {"payment_intent": "{pi}"}),
        ]
        for method, path, params in cases:
            with self.subTest(method=method, path=path, params=params):
                real = {k: v for k, v in ids.items()}
                made_up = {k: fake(v) for k, v in ids.items()}

                def call(values):
                    p = None if params is None else {k: v.format(**values)
                                                     if isinstance(v, str) else v
                                                     for k, v in params.items()}
                    return self.api.request(method, path.format(**values), params=p)

                a, b = call(real), call(made_up)
                if method == "GET" and path == "/v1/refunds":
                    # A list filtered by someone else's payment is empty or 404, like a made-up one.
                    self.assertEqual(a.status, b.status, (a, b))
                    if a.status == 200:
                        self.assertEqual(a.json["data"], [])
                    continue
                self.assertError(a, 404, "resource_missing")
                norm_a, norm_b = a.body, b.body
                for k in ids:
                    norm_a = norm_a.replace(real[k].encode(), b"<id>")
                    norm_b = norm_b.replace(made_up[k].encode(), b"<id>")
                self.assertEqual(norm_a, norm_b)
        # Nothing of theirs changed.
        self.assertEqual(them.intent(theirs["id"]), theirs)
        self.assertEqual(them.charge(theirs["latest_charge"])["amount_refunded"], 100)
        self.assertEqual(them.ok(them.get("/v1/refunds/" + their_refund["id"]), "get"), their_refund)
        them.close()

    def test_missing_or_wrong_key(self):
        anon = self.server.anonymous()
        r = anon.get("/v1/refunds")
        self.assertError(r, 401, "api_key_invalid")
        self.assertTrue(r.error["message"].startswith("You did not provide an API key."), r)
        for key in ["sk_test_wrong", self.server.key + "x", self.server.key[:-1]]:
            with self.subTest(key=key):
                r = self.api.refund(self.pi["id"], 10, key=key)
                self.assertError(r, 401, "api_key_invalid")
                self.assertEqual(r.error["message"], "Invalid API Key provided.")
                self.assertNotIn(key.encode(), r.body)
        for header in ["Bearer", "Bearer ", "Basic !!!", "Token " + self.server.key,
                       "bearer" + self.server.key]:
            with self.subTest(header=header):
                r = self.api.get("/v1/refunds", key="", headers={"Authorization": header})
                self.assertError(r, 401, "api_key_invalid")
        self.assertUnchanged()
        anon.close()

    def test_basic_auth_with_the_key_as_user_name(self):
        c = Client(self.server.port, key=self.server.key, auth="basic")
        self.assertEqual(c.intent(self.pi["id"])["id"], self.pi["id"])
        c.close()

    def test_body_over_the_limit_is_413(self):
        body = b"payment_intent=" + self.pi["id"].encode() + b"&metadata[x]=" + b"a" * (2 << 20)
        head = ("POST /v1/refunds HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
                % (self.server.key, len(body))).encode()
        r = send_raw(self.server.port, head + body)
        self.assertError(r, 413, "request_too_large")
        chunked = ("POST /v1/refunds HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n" % self.server.key).encode()
        for _ in range(32):
            chunked += b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
        r = send_raw(self.server.port, chunked + b"0\r\n\r\n")
        self.assertError(r, 413, "request_too_large")
        self.assertUnchanged()

    def test_headers_over_the_limit_are_431(self):
        head = ("GET /v1/refunds HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "X-Padding: %s\r\n\r\n" % (self.server.key, "p" * (64 << 10))).encode()
        r = send_raw(self.server.port, head)
        self.assertError(r, 431, "headers_too_large")
        many = "".join("X-H%d: v\r\n" % i for i in range(4000))
        head = ("GET /v1/refunds HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % many).encode()
        self.assertError(send_raw(self.server.port, head), 431, "headers_too_large")

    def test_refusals_outside_any_dialect_stay_in_the_native_shape_with_the_limit(self):
        r = send_raw(self.server.port, body_over_the_limit("POST", "/nope"))
        self.assertError(r, 413, "request_too_large")
        self.assertIn("1048576 bytes", r.error["message"], r)
        r = send_raw(self.server.port, headers_over_the_limit("GET", "/v1/refunds"))
        self.assertError(r, 431, "headers_too_large")
        self.assertIn("16384 bytes", r.error["message"], r)
        # No request line to route by: the server's own answer.
        self.assertError(send_raw(self.server.port, b"NOT HTTP\r\n\r\n"), 400, "bad_request")

    def test_unknown_route_is_404_without_param(self):
        for method, path in [("GET", "/v1/nope"), ("POST", "/v1/refunds/re_x/y/z"),
                             ("GET", "/"), ("DELETE", "/v1/refunds"), ("GET", "/v2/refunds")]:
            with self.subTest(method=method, path=path):
                r = self.api.request(method, path)
                self.assertIn(r.status, (404, 405), r)
                if r.status == 404:
                    self.assertError(r, 404, "resource_missing")
                    self.assertNotIn("param", r.error)

    def test_wrong_method_is_405_with_the_native_methods(self):
        # /v1/charges/{id} is also Kushki's (DELETE): a native caller is offered native methods.
        ch = self.pi["latest_charge"]
        for method, path, allow in [("DELETE", "/v1/refunds", "POST, GET"),
                                    ("POST", "/v1/charges/" + ch, "GET"),
                                    ("GET", "/v1/refunds/re_x/cancel", "POST")]:
            with self.subTest(method=method, path=path):
                r = self.api.request(method, path)
                self.assertError(r, 405, "method_not_allowed")
                self.assertEqual(r.header("Allow"), allow, r)
        self.assertUnchanged()

    def test_malformed_http_is_400_and_the_server_lives_on(self):
        r = send_raw(self.server.port, b"THIS IS NOT HTTP\r\n\r\n")
        self.assertEqual(r.status, 400, r)
        r = send_raw(self.server.port, b"POST /v1/refunds HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Length: -5\r\n\r\n")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.server.anonymous().get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
