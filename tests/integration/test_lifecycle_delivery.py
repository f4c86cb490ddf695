"""Proves that webhooks are never lost: while the receiver answers 500, then hangs past the
timeout, then resets connections, then refuses them, and refundd is killed with SIGKILL and started
again in the middle, refunds keep settling (pending ones resume after the restart); once the
receiver recovers every event arrives, signed, with sequences in each object's order, and the only
duplicates are the same event (same id, same bytes). Also: a delivery that fails past the give-up
age is dead (refundd's schedule and D24's own), shows in the delivery log, and is sent again by
the redeliver endpoint and by the CLI."""

import collections
import time
import unittest

from harness import Refundd
from lifecycle_helpers import (LIFECYCLE_ARGS, Receiver, cli_json, poll,
                               verify_stripe, webhooks_set)
from test_d24 import D24


def all_events(api):
    """Every native event, oldest first."""
    out, after = [], None
    while True:
        q = {"limit": 100}
        if after:
            q["starting_after"] = after
        page = api.ok(api.get("/v1/events", query=q), "events")
        out.extend(page["data"])
        if not page["has_more"]:
            return list(reversed(out))
        after = page["data"][-1]["id"]


class NeverLost(unittest.TestCase):

    def setUp(self):
        self.receiver = Receiver()
        self.server = Refundd(LIFECYCLE_ARGS).start()
        self.addCleanup(self.receiver.close)
        self.addCleanup(self.server.cleanup)

    def test_every_event_arrives_through_failures_and_a_kill(self):
        api = self.server.client()
        endpoint = api.ok(api.post("/v1/webhook_endpoints", {"url": self.receiver.url("/chaos"),
                                                             "enabled_events": ["*"]}), "endpoint")
        secret = endpoint["secret"]
        methods = ["pm_card_visa"] * 6 + ["pm_card_refundAsync"] * 4 + ["pm_card_refundFail"] * 3
        refunds = {}  # id -> payment method

        def refund_batch(tag):
            for pm in methods:
                pi = api.pay(1000, payment_method=pm)
                r = api.ok(api.refund(pi["id"], 500, metadata={"batch": tag}), "refund")
                refunds[r["id"]] = pm

        self.receiver.mode = "500"
        refund_batch("500s")
        poll(lambda: len(self.receiver.received(delivered_only=False)) >= 20,
             what="failed attempts")
        self.receiver.mode = "hang"  # past refundd's 1 s timeout: received, never answered
        poll(lambda: sum(1 for h in self.receiver.received(delivered_only=False)
                         if h.status == 0) >= 4, what="attempts that time out")
        self.receiver.mode = "reset"
        refund_batch("resets")
        time.sleep(0.5)
        # SIGKILL in the middle: pending refunds, claimed deliveries and attempts in flight.
        self.server.kill()
        self.receiver.close()  # connection refused from now on
        self.server.start()
        api.close()
        api = self.server.client()
        refund_batch("refused")
        time.sleep(1.0)
        self.receiver.mode = "ok"
        self.receiver.listen()

        # Pending refunds resumed after the restart: every one reached its final state.
        final = {"pm_card_visa": "succeeded", "pm_card_refundAsync": "succeeded",
                 "pm_card_refundFail": "failed"}
        for rid, pm in refunds.items():
            poll(lambda: api.ok(api.get("/v1/refunds/" + rid), "refund")["status"] == final[pm],
                 what="%s (%s) to settle" % (rid, pm))

        events = all_events(api)
        per_refund = {"pm_card_visa": 2, "pm_card_refundAsync": 3, "pm_card_refundFail": 4}
        self.assertEqual(len(events), sum(per_refund[pm] for pm in refunds.values()))
        expected = {e["id"] for e in events}
        self.assertEqual(len(expected), len(events), "unique event ids")

        def all_delivered(hooks):
            got = {h.event_id for h in hooks if h.path == "/chaos"}
            return got >= expected
        self.receiver.wait_for(all_delivered, timeout=45, what="every event delivered")

        # Every request the receiver saw (answered or not) is one of the events, and the repeats
        # of one event (after a 500, a timeout, a reset, the kill) are the same bytes.
        seen = [h for h in self.receiver.received(delivered_only=False) if h.path == "/chaos"]
        by_id = collections.defaultdict(list)
        for h in seen:
            by_id[h.event_id].append(h)
        self.assertEqual(set(by_id), expected, "nothing that was not an event")
        self.assertTrue(any(len(hs) > 1 for hs in by_id.values()), "some were sent again")
        bodies = {e["id"]: e for e in events}
        for eid, hooks in by_id.items():
            self.assertEqual({h.body for h in hooks}, {hooks[0].body},
                             "a duplicate is the same event, byte for byte")
            self.assertEqual(hooks[0].json, bodies[eid])
            for h in hooks:
                self.assertTrue(verify_stripe(h.headers["stripe-signature"], h.body, secret), h)
        # Per object, the sequences follow the order the events were written in (all_events:
        # oldest first), each event its own.
        per_object = collections.defaultdict(list)
        for e in events:
            per_object[e["data"]["object"]["id"]].append(by_id[e["id"]][0].sequence)
        for obj, seqs in per_object.items():
            self.assertEqual(seqs, sorted(set(seqs)), obj)
        # The log shows the failures that came first.
        failed_first = [e for e in events if e["data"]["object"].get("metadata", {})
                        .get("batch") == "500s"][:1]
        if failed_first:
            log = api.ok(api.get("/v1/events/%s/deliveries" % failed_first[0]["id"]), "log")
            attempts = log["data"][0]["attempts"]
            self.assertEqual(log["data"][0]["status"], "delivered")
            self.assertIn("HTTP 500", [a["error"] for a in attempts])
            self.assertEqual(attempts[-1]["http_status"], 200)
        api.close()


class DeadLetters(unittest.TestCase):

    def test_given_up_deliveries_are_dead_until_redelivered(self):
        receiver = Receiver()
        # At this scale the three-day schedule lasts 2.6 s and D24's 5..3125 minutes 2.3 s.
        server = Refundd(["--settle-delay-ms", "300", "--retry-time-scale", "0.00001",
                          "--allow-private-webhook-targets", "--webhook-timeout-ms",
                          "1000"]).start()
        self.addCleanup(receiver.close)
        self.addCleanup(server.cleanup)
        api = server.client()
        api.ok(api.post("/v1/webhook_endpoints", {"url": receiver.url("/dead"),
                                                  "enabled_events": ["refund.created"]}), "ep")
        webhooks_set(server, "d24", receiver.url("/d24-dead"))
        receiver.mode = "500"
        first = api.ok(api.refund(api.pay(1000)["id"], 100), "refund")
        second = api.ok(api.refund(api.pay(1000)["id"], 100), "refund")
        d24 = D24(server.port, server.sandbox["credentials"]["d24"])
        deposit = d24.deposit("100", payment_type="REFUND_ASYNC")
        d24_refund = d24.ok(d24.refund(deposit))["refund_id"]

        events = {e["data"]["object"]["id"]: e["id"] for e in all_events(api)}

        def log(event_id):
            return api.ok(api.get("/v1/events/%s/deliveries" % event_id), "log")["data"][0]

        for rid in (first["id"], second["id"]):
            dead = poll(lambda: (lambda d: d if d["status"] == "dead" else None)(
                log(events[rid])), what="a dead letter")
            self.assertGreaterEqual(len(dead["attempts"]), 5, dead)
            self.assertTrue(all(a["error"] == "HTTP 500" for a in dead["attempts"]), dead)

        # D24's notification: one try and five retries (its own schedule), then dead.
        d24_event = poll(lambda: [h for h in receiver.received("/d24-dead", delivered_only=False)
                                  if h.json == {"refund_id": d24_refund}], what="D24 attempts")
        shown = poll(lambda: (lambda s: s if s["deliveries"][0]["status"] == "dead" else None)(
            cli_json(server, "events", "show", "--merchant", "sandbox", "--event",
                     d24_event[0].event_id)[0]), what="D24's dead letter")
        self.assertEqual(len(shown["deliveries"][0]["attempts"]), 6, shown)
        self.assertEqual(shown["body"], '{"refund_id":%d}' % d24_refund)

        receiver.mode = "ok"
        r = api.ok(api.post("/v1/events/%s/redeliver" % events[first["id"]]), "redeliver")
        self.assertEqual(r["deliveries"], 1)
        poll(lambda: log(events[first["id"]])["status"] == "delivered", what="redelivered")
        out = cli_json(server, "events", "redeliver", "--merchant", "sandbox", "--event",
                       events[second["id"]])
        self.assertEqual(out, [{"event": events[second["id"]], "deliveries": 1}])
        poll(lambda: log(events[second["id"]])["status"] == "delivered", what="CLI redelivery")
        cli_json(server, "events", "redeliver", "--merchant", "sandbox", "--event",
                 d24_event[0].event_id)
        receiver.wait_for(lambda hs: [h for h in hs if h.path == "/d24-dead"],
                          what="D24's redelivery")
        api.close()
        server.stop()


if __name__ == "__main__":
    unittest.main()
