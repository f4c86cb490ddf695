"""Proves the native lifecycle over HTTP against the real binary, with a real receiver on loopback:
webhook endpoints (whsec_ secrets, enabled_events, update, delete, a rolled secret signing twice),
every sandbox scenario's states and Stripe events with Stripe-Signature verified by an independent
implementation, unique event ids and sequences in each object's order, the events API and its delivery log,
a late failure that gives its amount back (refundable again, and said in refund.failed), outcomes
by hand (cancel, test helpers, the CLI), and private targets refused without the flag."""

import time
import unittest

from harness import Refundd
from lifecycle_helpers import (SETTLE_MS, Receiver, lifecycle_server, poll, settle,
                               verify_stripe)


def object_id(hook):
    return hook.json["data"]["object"]["id"]


class NativeLifecycle(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.server = lifecycle_server()
        cls.api = cls.server.client()
        r = cls.api.post("/v1/webhook_endpoints", {"url": cls.receiver.url("/native"),
                                                   "enabled_events": ["*"]})
        cls.endpoint = cls.api.ok(r, "create endpoint")
        cls.secret = cls.endpoint["secret"]

    @classmethod
    def tearDownClass(cls):
        cls.api.close()
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            cls.receiver.close()

    # --- helpers -----------------------------------------------------------------------------

    def refund_with(self, payment_method, amount=400, total=1000):
        pi = self.api.pay(total, payment_method=payment_method)
        r = self.api.refund(pi["id"], amount)
        self.assertEqual(r.status, 200, r)
        return pi, r.json

    def state(self, refund_id):
        return self.api.ok(self.api.get("/v1/refunds/" + refund_id), "get refund")

    def wait_state(self, refund_id, status):
        return poll(lambda: (lambda r: r if r["status"] == status else None)(self.state(refund_id)),
                    what="refund %s to be %s" % (refund_id, status))

    def hooks(self, obj, count):
        """The first delivery of each event about `obj` at the native endpoint, once `count` have
        arrived; every one signed by the endpoint's secret."""
        def got(_):
            hs = [h for h in self.receiver.events_for(obj, object_id) if h.path == "/native"]
            return hs if len(hs) >= count else None
        hs = self.receiver.wait_for(got, what="%d webhooks about %s" % (count, obj))
        for h in hs:
            self.assertTrue(verify_stripe(h.headers.get("stripe-signature"), h.body, self.secret),
                            h)
            body = h.json
            self.assertEqual(body["object"], "event")
            self.assertEqual(body["id"], h.event_id)
            self.assertEqual(body["type"], h.event_type)
            self.assertFalse(body["livemode"])
        # Sorted by sequence already (events_for): each event its own, none missing.
        self.assertEqual(len({h.sequence for h in hs}), len(hs), hs)
        self.assertTrue(all(h.sequence > 0 for h in hs), hs)
        return hs

    def assertEvents(self, hooks, expected):
        """expected: [(type, status of data.object)] in sequence order."""
        self.assertEqual([(h.event_type, h.json["data"]["object"]["status"]) for h in hooks],
                         expected)

    # --- endpoints ---------------------------------------------------------------------------

    def test_endpoints_are_created_read_listed_updated_and_deleted(self):
        r = self.api.post("/v1/webhook_endpoints", {"url": self.receiver.url("/other"),
                                                    "enabled_events": ["refund.failed"],
                                                    "description": "failures"})
        e = self.api.ok(r, "create")
        self.assertTrue(e["id"].startswith("we_"), e)
        self.assertTrue(e["secret"].startswith("whsec_"), e)
        self.assertEqual((e["object"], e["status"], e["enabled_events"], e["description"]),
                         ("webhook_endpoint", "enabled", ["refund.failed"], "failures"))
        got = self.api.ok(self.api.get("/v1/webhook_endpoints/" + e["id"]), "get")
        self.assertNotIn("secret", got)
        listed = self.api.ok(self.api.get("/v1/webhook_endpoints"), "list")
        self.assertIn(e["id"], [x["id"] for x in listed["data"]])
        up = self.api.ok(self.api.post("/v1/webhook_endpoints/" + e["id"],
                                       {"enabled_events": ["refund.created", "charge.refunded"]}),
                         "update")
        self.assertEqual(up["enabled_events"], ["refund.created", "charge.refunded"])
        gone = self.api.ok(self.api.request("DELETE", "/v1/webhook_endpoints/" + e["id"]),
                           "delete")
        self.assertEqual(gone, {"id": e["id"], "object": "webhook_endpoint", "deleted": True})
        self.assertEqual(self.api.get("/v1/webhook_endpoints/" + e["id"]).status, 404)

    def test_endpoint_parameters_are_checked(self):
        for params, code in [({"enabled_events": ["*"]}, "parameter_missing"),
                             ({"url": "ftp://x/", "enabled_events": ["*"]}, "url_invalid"),
                             ({"url": "https://user:pw@x/", "enabled_events": ["*"]},
                              "url_invalid"),
                             ({"url": "https://x/"}, "parameter_missing"),
                             ({"url": "https://x/", "enabled_events": ["payout.paid"]},
                              "parameter_invalid"),
                             ({"url": "https://x/", "enabled_events": ["*"], "bogus": "1"},
                              "parameter_unknown")]:
            r = self.api.post("/v1/webhook_endpoints", params)
            self.assertEqual((r.status, r.error.get("code")), (400, code), (params, r))
        self.assertEqual(self.api.get("/v1/webhook_endpoints/we_nope").status, 404)

    def test_enabled_events_choose_what_an_endpoint_gets(self):
        e = self.api.ok(self.api.post("/v1/webhook_endpoints",
                                      {"url": self.receiver.url("/failures"),
                                       "enabled_events": ["refund.failed"]}), "create")
        try:
            _, ok = self.refund_with("pm_card_visa")
            _, declined = self.refund_with("pm_card_refundDecline")
            self.hooks(declined["id"], 2)
            got = self.receiver.wait_for(
                lambda hs: [h for h in hs if h.path == "/failures"], what="the failure")
            self.assertEqual([(h.event_type, object_id(h)) for h in got],
                             [("refund.failed", declined["id"])])
            self.hooks(ok["id"], 1)
            self.assertEqual(len([h for h in self.receiver.received("/failures")]), 1)
        finally:
            self.api.request("DELETE", "/v1/webhook_endpoints/" + e["id"])

    # --- the sandbox's scenarios -------------------------------------------------------------

    def test_instant_success(self):
        pi, refund = self.refund_with("pm_card_visa")
        self.assertEqual(refund["status"], "succeeded")
        self.assertEvents(self.hooks(refund["id"], 1), [("refund.created", "succeeded")])
        charge = self.hooks("ch_" + pi["id"][3:], 1)[0].json["data"]["object"]
        self.assertEqual((charge["object"], charge["amount_refunded"]), ("charge", 400))

    def test_synchronous_decline_releases_the_amount_at_once(self):
        pi, refund = self.refund_with("pm_card_refundDecline", amount=1000)
        self.assertEqual((refund["status"], refund["failure_reason"]), ("failed", "declined"))
        self.assertEvents(self.hooks(refund["id"], 2),
                          [("refund.created", "failed"), ("refund.failed", "failed")])
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 0)
        again = self.api.refund(pi["id"], 1000)
        self.assertEqual(again.status, 200, again)

    def test_asynchronous_success_after_the_settle_delay(self):
        pi, refund = self.refund_with("pm_card_refundAsync")
        self.assertEqual(refund["status"], "pending")
        self.assertEqual(self.api.refund(pi["id"], 601).error.get("code"), "amount_too_large",
                         "a pending refund holds its amount")
        self.wait_state(refund["id"], "succeeded")
        hooks = self.hooks(refund["id"], 2)
        self.assertEvents(hooks, [("refund.created", "pending"), ("refund.updated", "succeeded")])
        self.assertEqual(hooks[1].json["data"]["previous_attributes"], {"status": "pending"})
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 400)

    def test_asynchronous_failure_after_the_settle_delay(self):
        pi, refund = self.refund_with("pm_card_refundAsyncFail")
        self.assertEqual(refund["status"], "pending")
        failed = self.wait_state(refund["id"], "failed")
        self.assertEqual(failed["failure_reason"], "lost_or_stolen_card")
        self.assertEvents(self.hooks(refund["id"], 3),
                          [("refund.created", "pending"), ("refund.updated", "failed"),
                           ("refund.failed", "failed")])
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 0)

    def test_a_late_failure_gives_the_amount_back_and_says_so(self):
        pi, refund = self.refund_with("pm_card_refundFail", amount=1000)
        self.assertEqual(refund["status"], "succeeded")
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 1000)
        self.assertEqual(self.api.refund(pi["id"], 1).error.get("code"), "charge_already_refunded")
        failed = self.wait_state(refund["id"], "failed")
        self.assertEqual(failed["failure_reason"], "expired_or_canceled_card")
        hooks = self.hooks(refund["id"], 3)
        self.assertEvents(hooks, [("refund.created", "succeeded"), ("refund.updated", "failed"),
                                  ("refund.failed", "failed")])
        self.assertEqual(hooks[2].json["data"]["object"]["failure_reason"],
                         "expired_or_canceled_card")
        self.assertEqual(hooks[1].json["data"]["previous_attributes"], {"status": "succeeded"})
        charge = self.api.charge_of(pi["id"])
        self.assertEqual((charge["amount_refunded"], charge["refunded"]), (0, False))
        again = self.api.refund(pi["id"], 1000)
        self.assertEqual((again.status, again.json.get("amount")), (200, 1000), again)

    def test_stuck_until_canceled_by_hand(self):
        pi, refund = self.refund_with("pm_card_refundStuck")
        self.assertEqual(refund["status"], "pending")
        self.hooks(refund["id"], 1)
        # Nothing happening is checked by waiting: three settle delays later it is still pending.
        time.sleep(3 * SETTLE_MS / 1000.0)
        self.assertEqual(self.state(refund["id"])["status"], "pending")
        canceled = self.api.ok(self.api.post("/v1/refunds/%s/cancel" % refund["id"]), "cancel")
        self.assertEqual(canceled["status"], "canceled")
        self.assertEvents(self.hooks(refund["id"], 2),
                          [("refund.created", "pending"), ("refund.updated", "canceled")])
        self.assertEqual(self.api.charge_of(pi["id"])["amount_refunded"], 0)
        self.assertEqual(self.api.refund(pi["id"], 1000).status, 200, "the hold is released")

    def test_stuck_until_completed_or_failed_by_hand(self):
        _, refund = self.refund_with("pm_card_refundStuck")
        done = self.api.ok(self.api.post("/v1/test_helpers/refunds/%s/succeed" % refund["id"]),
                           "succeed")
        self.assertEqual(done["status"], "succeeded")
        late = self.api.ok(self.api.post("/v1/test_helpers/refunds/%s/fail" % refund["id"],
                                         {"failure_reason": "insufficient_funds"}), "fail")
        self.assertEqual((late["status"], late["failure_reason"]), ("failed", "insufficient_funds"))
        self.assertEvents(self.hooks(refund["id"], 4),
                          [("refund.created", "pending"), ("refund.updated", "succeeded"),
                           ("refund.updated", "failed"), ("refund.failed", "failed")])
        r = self.api.post("/v1/test_helpers/refunds/%s/succeed" % refund["id"])
        self.assertEqual((r.status, r.error.get("code")), (400, "refund_unexpected_state"), r)
        # The CLI moves refunds of any dialect by hand, with the same events.
        _, other = self.refund_with("pm_card_refundStuck")
        self.assertEqual(settle(self.server, other["id"], "succeeded")["status"], "succeeded")
        self.assertEvents(self.hooks(other["id"], 2),
                          [("refund.created", "pending"), ("refund.updated", "succeeded")])

    def test_an_unknown_outcome_is_looked_up_not_guessed(self):
        _, refund = self.refund_with("pm_card_refundTimeout")
        self.assertEqual(refund["status"], "pending", "no answer is not a failure")
        self.wait_state(refund["id"], "succeeded")
        self.assertEvents(self.hooks(refund["id"], 2),
                          [("refund.created", "pending"), ("refund.updated", "succeeded")])

    # --- events, deliveries, secrets -----------------------------------------------------------

    def test_events_api_serves_what_was_delivered_with_its_log(self):
        _, refund = self.refund_with("pm_card_refundAsync")
        hooks = self.hooks(refund["id"], 2)
        for h in hooks:
            got = self.api.get("/v1/events/" + h.event_id)
            self.assertEqual((got.status, got.body), (200, h.body))
        listed = self.api.ok(self.api.get("/v1/events", query={"limit": 100}), "list")
        ids = [e["id"] for e in listed["data"]]
        self.assertLess(ids.index(hooks[1].event_id), ids.index(hooks[0].event_id),
                        "newest first")
        typed = self.api.ok(self.api.get("/v1/events", query={"type": "refund.updated"}), "typed")
        self.assertTrue(all(e["type"] == "refund.updated" for e in typed["data"]))
        log = self.api.ok(self.api.get("/v1/events/%s/deliveries" % hooks[0].event_id), "log")
        d = poll(lambda: (lambda l: l if l["data"][0]["status"] == "delivered" else None)(
            self.api.ok(self.api.get("/v1/events/%s/deliveries" % hooks[0].event_id), "log")))
        self.assertEqual(len(log["data"]), 1)
        self.assertEqual(d["data"][0]["attempts"][-1]["http_status"], 200)
        self.assertEqual(d["data"][0]["url"], self.receiver.url("/native"))
        self.assertEqual(self.api.get("/v1/events/evt_nope").status, 404)

    def test_redelivery_sends_the_same_event_again(self):
        _, refund = self.refund_with("pm_card_visa")
        first = self.hooks(refund["id"], 1)[0]
        r = self.api.ok(self.api.post("/v1/events/%s/redeliver" % first.event_id), "redeliver")
        self.assertEqual(r["deliveries"], 1)
        again = self.receiver.wait_for(
            lambda hs: [h for h in hs if h.event_id == first.event_id][1:], what="redelivery")
        self.assertEqual(again[0].body, first.body)
        self.assertTrue(verify_stripe(again[0].headers["stripe-signature"], again[0].body,
                                      self.secret))

    def test_a_rolled_secret_signs_next_to_the_previous_one(self):
        e = self.api.ok(self.api.post("/v1/webhook_endpoints",
                                      {"url": self.receiver.url("/rolled"),
                                       "enabled_events": ["refund.created"]}), "create")
        try:
            rolled = self.api.ok(self.api.post("/v1/webhook_endpoints/%s/roll_secret" % e["id"]),
                                 "roll")
            self.assertNotEqual(rolled["secret"], e["secret"])
            _, refund = self.refund_with("pm_card_visa")
            hook = self.receiver.wait_for(
                lambda hs: [h for h in hs if h.path == "/rolled" and object_id(h) == refund["id"]],
                what="the rolled endpoint's webhook")[0]
            header = hook.headers["stripe-signature"]
            self.assertEqual(header.count("v1="), 2, header)
            self.assertTrue(verify_stripe(header, hook.body, rolled["secret"]))
            self.assertTrue(verify_stripe(header, hook.body, e["secret"]))
            # Expire the previous one now: one v1, the newest.
            now = self.api.ok(self.api.post("/v1/webhook_endpoints/%s/roll_secret" % e["id"],
                                            {"previous_secret_expires_in": 0}), "roll now")
            _, refund = self.refund_with("pm_card_visa")
            hook = self.receiver.wait_for(
                lambda hs: [h for h in hs if h.path == "/rolled" and object_id(h) == refund["id"]],
                what="the rolled endpoint's webhook")[0]
            self.assertEqual(hook.headers["stripe-signature"].count("v1="), 1)
            self.assertTrue(verify_stripe(hook.headers["stripe-signature"], hook.body,
                                          now["secret"]))
            self.assertFalse(verify_stripe(hook.headers["stripe-signature"], hook.body,
                                           rolled["secret"]))
        finally:
            self.api.request("DELETE", "/v1/webhook_endpoints/" + e["id"])


class PrivateTargets(unittest.TestCase):

    def test_loopback_targets_are_refused_without_the_flag(self):
        receiver = Receiver()
        server = Refundd(["--settle-delay-ms", "100", "--retry-time-scale", "0.0002"]).start()
        try:
            api = server.client()
            api.ok(api.post("/v1/webhook_endpoints", {"url": receiver.url(),
                                                      "enabled_events": ["*"]}), "create")
            pi = api.pay(1000)
            api.ok(api.refund(pi["id"], 100), "refund")
            event = api.ok(api.get("/v1/events"), "events")["data"][0]

            def refused():
                log = api.ok(api.get("/v1/events/%s/deliveries" % event["id"]), "log")["data"]
                attempts = log[0]["attempts"] if log else []
                return attempts if attempts else None
            attempts = poll(refused, what="a refused attempt")
            self.assertIn("refused", attempts[0]["error"])
            self.assertIsNone(attempts[0]["http_status"])
            self.assertEqual(receiver.received(delivered_only=False), [])
            api.close()
        finally:
            server.stop()
            server.cleanup()
            receiver.close()


if __name__ == "__main__":
    unittest.main()
