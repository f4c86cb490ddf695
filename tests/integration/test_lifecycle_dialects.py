"""Proves every sandbox scenario in every provider dialect over HTTP against the real binary, with
a real receiver on loopback: the refund's states in the dialect's own words (its answer, its status
call where it has one), the webhooks it sends in order (D24 {"refund_id"} unsigned, Kushki's
approved/declinedTransaction with X-Kushki-* signatures, Rapyd's REFUND_COMPLETED and friends signed
over the URL, UTGL's refund.* with X-Utgl-Signature), each signature checked by an independent
implementation from the spec, and the outcomes by hand (the providers' sandbox complete calls, the
CLI). The native dialect has its own suite (test_lifecycle_native.py)."""

import json
import re
import time
import unittest

from kushki_helpers import CARD_DETAILS, Kushki, new_id, online_amount, pos_amount
from lifecycle_helpers import (CARDS, SETTLE_MS, WORDS, Receiver, lifecycle_server,
                               poll, settle, verify_kushki, verify_rapyd,
                               verify_utgl, webhooks_set)
from test_d24 import D24
from test_rapyd import Rapyd
from test_utgl import Utgl

SERVER = None
RECEIVER = None


def setUpModule():
    global SERVER, RECEIVER
    RECEIVER = Receiver()
    SERVER = lifecycle_server()


def tearDownModule():
    try:
        SERVER.stop()
    finally:
        SERVER.cleanup()
        RECEIVER.close()


class Started:
    def __init__(self, handle, initial):
        self.handle = handle    # how the dialect names the refund
        self.initial = initial  # its state in the creation answer (None: the answer says none)


class D24Driver:
    dialect, path = "d24", "/d24"
    # scenario -> (state in the answer, webhook types in order, final state)
    expect = {
        "instant": ("COMPLETED", ["COMPLETED"], "COMPLETED"),
        "decline": ("REJECTED", ["REJECTED"], "REJECTED"),
        "async_success": ("PENDING", ["COMPLETED"], "COMPLETED"),
        "async_failure": ("PENDING", ["REJECTED"], "REJECTED"),
        "late_failure": ("COMPLETED", ["COMPLETED", "REJECTED"], "REJECTED"),
        "timeout": ("PENDING", ["COMPLETED"], "COMPLETED"),
        "default": ("PENDING", ["COMPLETED"], "COMPLETED"),
    }
    stuck = ("PENDING", {"succeeded": ["COMPLETED"], "canceled": ["CANCELLED"]})

    def __init__(self):
        self.api = D24(SERVER.port, SERVER.sandbox["credentials"]["d24"])
        webhooks_set(SERVER, "d24", RECEIVER.url(self.path))

    def start(self, scenario):
        kind = "BANK_TRANSFER" if scenario == "default" else WORDS[scenario].upper()
        deposit = self.api.deposit("100", payment_type=kind)
        refund_id = self.api.ok(self.api.refund(deposit))["refund_id"]
        return Started(refund_id, self.state(refund_id))

    def state(self, handle):
        return self.api.ok(self.api.call("GET", "/v3/refunds/%d" % handle))["status"]

    def key(self, hook):
        return hook.json.get("refund_id")

    def word(self, hook):
        return hook.event_type

    def verify(self, hook):
        # D24 documents no signature: the receiver calls the status back instead.
        return (hook.body == json.dumps({"refund_id": self.key(hook)}, separators=(",", ":"))
                .encode() and "signature" not in hook.headers)

    def by_hand(self, handle, to):
        if to == "succeeded":
            self.api.ok(self.api.call("POST", "/v3/refunds/%d/complete" % handle))
        else:
            settle(SERVER, str(handle), to)


class RapydDriver:
    dialect, path = "rapyd", "/rapyd"
    expect = {
        "instant": ("Completed", ["REFUND_COMPLETED"], "Completed"),
        "decline": ("Rejected", ["PAYMENT_REFUND_REJECTED"], "Rejected"),
        "async_success": ("Pending", ["REFUND_COMPLETED"], "Completed"),
        "async_failure": ("Pending", ["PAYMENT_REFUND_REJECTED"], "Rejected"),
        "late_failure": ("Completed", ["REFUND_COMPLETED", "PAYMENT_REFUND_FAILED"], "Rejected"),
        "timeout": ("Pending", ["REFUND_COMPLETED"], "Completed"),
        "default": ("Completed", ["REFUND_COMPLETED"], "Completed"),
    }
    stuck = ("Pending", {"succeeded": ["REFUND_COMPLETED"], "canceled": ["PAYMENT_REFUND_UPDATED"]})

    def __init__(self):
        creds = SERVER.sandbox["credentials"]["rapyd"]
        self.api = Rapyd(SERVER.port, creds)
        self.access, self.secret = creds["access_key"], creds["secret_key"]
        webhooks_set(SERVER, "rapyd", RECEIVER.url(self.path))

    def start(self, scenario):
        method = "us_visa_card" if scenario == "default" else "us_%s_card" % WORDS[scenario]
        payment = self.api.pay(100, method_type=method)
        refund = self.api.data(self.api.refund(payment["id"]))
        return Started(refund["id"], refund["status"])

    def state(self, handle):
        return self.api.data(self.api.call("GET", "/v1/refunds/" + handle))["status"]

    def key(self, hook):
        return hook.json["data"]["id"]

    def word(self, hook):
        return hook.json["type"]

    def verify(self, hook):
        body = hook.json
        return (verify_rapyd(hook.headers, hook.body, RECEIVER.url(self.path), self.access,
                             self.secret)
                and body["id"].startswith("wh_") and body["id"] == hook.event_id
                and body["status"] == "NEW" and isinstance(body["extended_timestamp"], int))

    def by_hand(self, handle, to):
        if to == "succeeded":
            self.api.data(self.api.call("POST", "/v1/refunds/complete", {"token": handle}))
        else:
            settle(SERVER, handle, to)


class KushkiOnlineDriver:
    dialect, path = "kushki_online", "/kushki"
    A, D = "approvedTransaction", "declinedTransaction"
    # Kushki's refunds are semi-automatic: the answer is INITIALIZED, webhooks say the rest.
    expect = {
        "instant": (None, [A], "APPROVAL"),
        "decline": (None, [D], "DECLINED"),
        "async_success": (None, [A], "APPROVAL"),
        "async_failure": (None, [D], "DECLINED"),
        "late_failure": (None, [A, D], "DECLINED"),
        "timeout": (None, [A], "APPROVAL"),
        "default": (None, [A], "APPROVAL"),
    }
    stuck = (None, {"succeeded": [A], "canceled": [D]})

    def __init__(self):
        creds = SERVER.sandbox["credentials"]["kushki"]
        self.k = Kushki(SERVER, creds)
        self.signature = creds["webhook_signature"]
        webhooks_set(SERVER, self.dialect, RECEIVER.url(self.path))

    def sale(self, scenario):
        number = "4111111111111111" if scenario == "default" else CARDS[scenario]
        return self.k.charge(online_amount("COP", subtotal_iva0=1000), 1000, number=number)

    def start(self, scenario, body=None):
        sale = self.sale(scenario)
        r = self.k.refund(sale["ticketNumber"], body)
        assert r.status == 201, r
        return Started(r.json["ticketNumber"], None)

    def state(self, handle):
        return None  # Kushki publishes no refund status call

    def key(self, hook):
        return hook.json.get("ticketNumber")

    def word(self, hook):
        return hook.event_type

    def final(self, hook):
        return hook.json["transactionStatus"]

    def verify(self, hook):
        return (verify_kushki(hook.headers, hook.body, self.signature)
                and hook.headers.get("x-kushki-key") == SERVER.sandbox["id"])

    def by_hand(self, handle, to):
        settle(SERVER, handle, to)


class KushkiPosDriver(KushkiOnlineDriver):
    dialect, path = "kushki_pos", "/pos"
    A, D = "approvedTransaction", "declinedTransaction"
    expect = {
        "instant": ("APPROVAL", [A], "APPROVAL"),
        "decline": ("DECLINED", [D], "DECLINED"),
        "async_success": ("INITIALIZED", [A], "APPROVAL"),
        "async_failure": ("INITIALIZED", [D], "DECLINED"),
        "late_failure": ("APPROVAL", [A, D], "DECLINED"),
        "timeout": ("INITIALIZED", [A], "APPROVAL"),
        "default": ("APPROVAL", [A], "APPROVAL"),
    }
    stuck = ("INITIALIZED", {"succeeded": [A], "canceled": [D]})

    def start(self, scenario, body=None):
        holder = "ANA TEST" if scenario == "default" else WORDS[scenario].replace("_", " ").upper()
        amount = pos_amount("MXN", subtotal_iva0=100)
        sale = self.k.pos("charge", {"amount": amount, "card_details": CARD_DETAILS,
                                     "card": {"card_holder_name": holder},
                                     "client_transaction_id": new_id(),
                                     "transaction_type": "sale",
                                     "transaction_mode": "Authorization"})
        assert sale.status == 200 and sale.json["transaction_status"] == "APPROVAL", sale
        r = self.k.pos_refund(amount=amount, reference=sale.json["transaction_reference"])
        assert r.status == 200, r
        return Started(r.json["ticket_number"], r.json["transaction_status"])


class UtglDriver:
    dialect, path = "utgl", "/utgl"
    # The answer carries no refund state (its status is the original transaction's): "accepted",
    # or 422 REFUND_DECLINED.
    expect = {
        "instant": ("accepted", ["refund.refunded"], "refunded"),
        "decline": ("declined", ["refund.failed"], "failed"),
        "async_success": ("accepted", ["refund.pending", "refund.refunded"], "refunded"),
        "async_failure": ("accepted", ["refund.pending", "refund.failed"], "failed"),
        "late_failure": ("accepted", ["refund.refunded", "refund.failed"], "failed"),
        "timeout": ("accepted", ["refund.pending", "refund.refunded"], "refunded"),
        "default": ("accepted", ["refund.refunded"], "refunded"),
    }
    stuck = ("accepted", {"succeeded": ["refund.pending", "refund.refunded"],
                          "canceled": ["refund.pending", "refund.cancelled"]})

    def __init__(self):
        self.api = Utgl(SERVER.port, SERVER.sandbox["credentials"]["utgl"])
        self.secret = webhooks_set(SERVER, "utgl", RECEIVER.url(self.path))["secrets"][0]["secret"]

    def start(self, scenario):
        pan = "4111111111111111" if scenario == "default" else CARDS[scenario]
        captured = self.api.purchase(100, card=self.api.bind(pan))
        r = self.api.refund(captured["transactionId"], 100)
        if r.status == 422:
            assert r.json["code"] == "REFUND_DECLINED", r
            handle = re.search(r"[0-9a-f-]{36}", r.json["message"]).group(0)
            return Started(handle, "declined")
        assert r.status == 200, r
        return Started(r.json["refundTransactionId"], "accepted")

    def state(self, handle):
        return None  # UTGL publishes no refund status call

    def key(self, hook):
        return hook.json["data"]["refundTransactionId"]

    def word(self, hook):
        return hook.json["eventType"]

    def final(self, hook):
        return hook.json["data"]["refundStatus"]

    def verify(self, hook):
        return verify_utgl(hook.headers, hook.body, self.secret) and \
            hook.json["eventId"] == hook.event_id

    def by_hand(self, handle, to):
        settle(SERVER, handle, to)


class Scenarios:
    """Every scenario for one dialect (DRIVER)."""

    DRIVER = None

    @classmethod
    def setUpClass(cls):
        cls.driver = cls.DRIVER()

    def hooks(self, handle, count):
        d = self.driver

        def got(_):
            hs = [h for h in RECEIVER.events_for(handle, d.key) if h.path == d.path]
            return hs if len(hs) >= count else None
        hs = RECEIVER.wait_for(got, what="%d %s webhooks about %s" % (count, d.dialect, handle))
        for h in hs:
            self.assertTrue(d.verify(h), h)
        self.assertEqual(len({h.event_id for h in hs}), len(hs))
        return hs

    def check(self, scenario):
        d = self.driver
        initial, types, final = d.expect[scenario]
        started = d.start(scenario)
        self.assertEqual(started.initial, initial, scenario)
        hooks = self.hooks(started.handle, len(types))
        self.assertEqual([d.word(h) for h in hooks], types, scenario)
        if hasattr(d, "final"):
            self.assertEqual(d.final(hooks[-1]), final, scenario)
        if d.state(started.handle) is not None:
            poll(lambda: d.state(started.handle) == final, what="%s %s" % (scenario, final))
        # Nothing more comes: the last webhook is the last word.
        time.sleep(SETTLE_MS / 2000.0)
        self.assertEqual(len(RECEIVER.events_for(started.handle, d.key)), len(types))
        return started

    def test_instant_success(self):
        self.check("instant")

    def test_synchronous_decline(self):
        self.check("decline")

    def test_asynchronous_success(self):
        self.check("async_success")

    def test_asynchronous_failure(self):
        self.check("async_failure")

    def test_success_then_late_failure(self):
        self.check("late_failure")

    def test_unknown_outcome_is_looked_up(self):
        self.check("timeout")

    def test_the_dialects_own_default(self):
        self.check("default")

    def test_stuck_until_moved_by_hand(self):
        d = self.driver
        initial, by_hand = d.stuck
        for to in ("succeeded", "canceled"):
            started = d.start("stuck")
            self.assertEqual(started.initial, initial)
            time.sleep(2 * SETTLE_MS / 1000.0)
            expected = by_hand[to]
            before = [t for t in expected[:-1]]
            self.assertEqual([d.word(h) for h in RECEIVER.events_for(started.handle, d.key)],
                             before, "nothing moves a stuck refund but a hand")
            d.by_hand(started.handle, to)
            self.assertEqual([d.word(h) for h in self.hooks(started.handle, len(expected))],
                             expected, to)


class D24Lifecycle(Scenarios, unittest.TestCase):
    DRIVER = D24Driver

    def test_a_refund_names_its_own_notification_url(self):
        deposit = self.driver.api.deposit("100", payment_type="REFUND_ASYNC")
        url = RECEIVER.url("/d24-own")
        refund_id = self.driver.api.ok(self.driver.api.refund(deposit, notification_url=url))[
            "refund_id"]
        hook = RECEIVER.wait_for(lambda hs: [h for h in hs if h.path == "/d24-own"],
                                 what="the refund's own notification_url")[0]
        self.assertEqual(hook.json, {"refund_id": refund_id})
        self.assertEqual(RECEIVER.events_for(refund_id, self.driver.key)[0].path, "/d24-own",
                         "instead of the merchant's URL")


class RapydLifecycle(Scenarios, unittest.TestCase):
    DRIVER = RapydDriver


class KushkiOnlineLifecycle(Scenarios, unittest.TestCase):
    DRIVER = KushkiOnlineDriver

    def test_the_refund_requests_webhooks_with_their_headers_and_events(self):
        url = RECEIVER.url("/kushki-request")
        body = {"webhooks": [{"urls": [url], "events": ["approvedTransaction"],
                              "headers": [{"label": "X-Shop", "value": "42"}]}]}
        approved = self.driver.start("async_success", body)
        declined = self.driver.start("decline", body)
        hook = RECEIVER.wait_for(lambda hs: [h for h in hs if h.path == "/kushki-request"],
                                 what="the request's webhook")[0]
        self.assertEqual(self.driver.key(hook), approved.handle)
        self.assertEqual(hook.headers.get("x-shop"), "42")
        self.assertTrue(self.driver.verify(hook))
        time.sleep(SETTLE_MS / 1000.0)
        self.assertEqual(RECEIVER.events_for(declined.handle, self.driver.key), [],
                         "declinedTransaction was not asked for, and the request's URLs replace "
                         "the merchant's")


class KushkiPosLifecycle(Scenarios, unittest.TestCase):
    DRIVER = KushkiPosDriver


class UtglLifecycle(Scenarios, unittest.TestCase):
    DRIVER = UtglDriver


if __name__ == "__main__":
    unittest.main()
