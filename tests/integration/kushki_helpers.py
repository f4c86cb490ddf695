"""Helpers for the Kushki integration tests: a client that speaks both Kushki dialects (the
Private-Merchant-Id / Public-Merchant-Id / Private-Credential-Id headers, JSON bodies sent as raw
bytes so seeds replay byte for byte, the X-Refundd-Sandbox-* controls), the seeds' request
bodies exactly as published, and time helpers. Standard library only; built on harness.py."""

import datetime
import json
import re
import sqlite3
import subprocess
import uuid

from harness import Client

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TICKET_RE = re.compile(r"^[1-9][0-9]{17}$")

# --- the seeds' request bodies, byte for byte -------------------------------------------------

# Online seed (DELETE /v1/refund/{ticketNumber}): "Partial refund request example".
SEED_ONLINE_PARTIAL = """{
  "fullResponse": "v2",
  "amount": {
    "subtotalIva": 8737,
    "subtotalIva0": 9976,
    "ice": 2099,
    "iva": 8967,
    "currency": "COP"
  }
}"""

# Online seed: the cURL example's --data-raw.
SEED_ONLINE_CURL = """{
    "fullResponse": "v2",
    "amount": {
        "subtotalIva": 500,
        "subtotalIva0": 0,
        "ice": 0,
        "iva": 0,
        "currency": "COP"
    },
    "webhooks": [
        {
            "events": [
                "approvedTransaction"
            ],
            "headers": [
                {
                    "label": "json",
                    "value": "12"
                }
            ],
            "urls": [
                "https://eof2hhkrta4ooo1.m.pipedream.net"
            ]
        }
    ]
}"""

# Card-present seed (POST /pos/v1/refund): the cURL example's --data-raw (no
# transaction_reference: an unreferenced refund to the presented card).
SEED_POS_CURL = """{
    "amount": {
        "currency": "MXN",
        "iva": 0,
        "subtotal_iva": 0,
        "subtotal_iva0": 600,
        "tip": 0,
        "extra_taxes": {
            "airport_tax": 0,
            "iac": 0,
            "ice": 0,
            "travel_agency": 0
        }
    },
    "card_details": {
        "enc_tlv": "CE447A062C49774934E42A7F826668C0C478E38402C158062EE794C0E471B43EA8CE49C256C2C8B157526B0B2BE74FC23F65E18D4F52B99A1A0910E6CCD9B11A32D6D537E2B6E2B011C89569DE6A3D53318080BC77E0E70B398ED3083FD7366CCF8FB4DBF34A116E6D52CFBEF26371878D842034E5029EF62DF235D2C427F04102E451773D9E8975978917E3BC531327702967052E239F8C592734AE14688E603C52B858FC1D97B763AE623603F1475FFFB065EC07AF7A29",
        "pin_ksn": "FFFF4357486333600002",
        "reading_type": "ICC",
        "tracks": {
            "enc_track2": "283587285CE10278E7FA50AD5C97CFFE87F472C9FE6406F8",
            "track_ksn": "FFFF4357486333600002"
        }
    },
    "card": {
        "card_holder_name": "CUST IMP MC 103"
    },
    "contact_details": {
        "document_number": "",
        "document_type": "-1",
        "email": "",
        "first_name": "",
        "last_name": "",
        "second_last_name": "",
        "phone_number": ""
    },
    "pos_details": {
        "terminal_id": "PB04216R20537",
        "brand": "SUNMI",
        "location": {
            "latitude": -0.22480833333333333,
            "longitude": -78.487955
        },
        "model": "P2-EU",
        "version": "Kushki SunmiV1.1.26",
        "has_print": true
    },
    "country": "MEX",
    "is_deferred": false,
    "client_transaction_id": "6680eadc-6c8d-44aa-8ca0-18e061c1472a",
    "transaction_type": "refund",
    "transaction_mode": "Authorization",
    "is_cashback": false,
    "cvm_type": "none"
}"""

# Card-present seed: "Example of a cardless operation".
SEED_POS_CARDLESS = """{
    "amount": {
        "currency": "PEN",
        "iva": 0.0,
        "subtotal_iva": 0.0,
        "subtotal_iva0": 600
    },
    "transaction_mode": "Authorization",
    "transaction_type": "refund",
    "client_transaction_id": "6680eadc-6c8d-44aa-8ca0-18e061c1472a",
    "transaction_reference": "f2f29080-0214-42c0-95a5-77ecf3434cd7",
    "omit_card": true
}"""
SEED_POS_CARDLESS_REFERENCE = "f2f29080-0214-42c0-95a5-77ecf3434cd7"

# The seed's 200 response to POST /pos/v1/refund: its keys, in order.
SEED_POS_RESPONSE_KEYS = [
    "additional_amounts", "authorized_amount", "cvm_type", "F11", "franchise", "kushki_response",
    "message_fields", "transaction_reference", "ticket_number", "transaction_status",
    "transaction_type",
]

# --- time ---------------------------------------------------------------------------------------

OFFSETS_H = {"COP": -5, "PEN": -5, "USD": -5, "MXN": -6, "CLP": -4}


def local_ms(currency, year, month, day, hour, minute=0, second=0):
    """Unix ms of a local civil time in the country of `currency` (fixed offsets, as refundd)."""
    tz = datetime.timezone(datetime.timedelta(hours=OFFSETS_H[currency]))
    return int(datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz).timestamp()
               * 1000)


def new_id():
    return str(uuid.uuid4())


# --- bodies -------------------------------------------------------------------------------------

def online_amount(currency="COP", subtotal_iva=0, subtotal_iva0=0, iva=0, ice=None, **extra):
    a = {"subtotalIva": subtotal_iva, "subtotalIva0": subtotal_iva0, "iva": iva,
         "currency": currency}
    if ice is not None:
        a["ice"] = ice
    if extra:
        a["extraTaxes"] = extra
    return a


def pos_amount(currency="MXN", subtotal_iva=0, subtotal_iva0=0, iva=0, **extra):
    a = {"currency": currency, "iva": iva, "subtotal_iva": subtotal_iva,
         "subtotal_iva0": subtotal_iva0}
    a.update(extra)
    return a


CARD_DETAILS = {"enc_tlv": "CE447A062C49", "pin_ksn": "FFFF4357486333600002",
                "reading_type": "ICC",
                "tracks": {"enc_track2": "283587285CE1", "track_ksn": "FFFF4357486333600002"}}


class Kushki:
    """Talks to one refundd as one merchant's Kushki integration. One connection per object:
    give each thread its own (fork())."""

    def __init__(self, server, credentials):
        self.server = server
        self.creds = credentials
        self.http = Client(server.port, key="", tls=server.scheme == "https")

    def fork(self):
        return Kushki(self.server, self.creds)

    def close(self):
        self.http.close()

    def _send(self, method, path, body, headers, now=None, reference=None):
        hdrs = dict(headers)
        if now is not None:
            hdrs["X-Refundd-Sandbox-Now"] = str(now)
        if reference is not None:
            hdrs["X-Refundd-Sandbox-Transaction-Reference"] = reference
        raw = None
        if body is not None:
            raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.http.request(method, path, raw_body=raw,
                                 content_type="application/json" if raw is not None else None,
                                 headers=hdrs, key="")

    # online --------------------------------------------------------------------------------
    def online(self, method, path, body=None, idempotency_key=None, merchant_id=None, now=None,
               headers=None):
        hdrs = {"Private-Merchant-Id": self.creds["private_merchant_id"]
                if merchant_id is None else merchant_id}
        if idempotency_key is not None:
            hdrs["Idempotency-Key"] = idempotency_key
        hdrs.update(headers or {})
        if merchant_id == "":
            del hdrs["Private-Merchant-Id"]
        return self._send(method, path, body, hdrs, now=now)

    def token(self, total, currency="COP", number="4111111111111111", now=None):
        body = {"card": {"name": "Ana Test", "number": number, "expiryMonth": "12",
                         "expiryYear": "30", "cvv": "123"},
                "totalAmount": total, "currency": currency}
        r = self._send("POST", "/card/v1/tokens", body,
                       {"Public-Merchant-Id": self.creds["public_merchant_id"]}, now=now)
        assert r.status == 200, r
        return r.json["token"]

    def charge(self, amount, total, preauth=False, now=None, number="4111111111111111",
               **extra):
        """A token then a charge (or pre-authorization) of `amount` (online amount object)."""
        t = self.token(total, amount["currency"], number=number, now=now)
        body = dict({"token": t, "amount": amount, "fullResponse": "v2"}, **extra)
        path = "/card/v1/preAuthorization" if preauth else "/card/v1/charges"
        r = self.online("POST", path, body, now=now)
        assert r.status == 200, r
        return r.json

    def refund(self, ticket, body=None, **kw):
        return self.online("DELETE", "/v1/refund/" + ticket, body, **kw)

    def void(self, ticket, body=None, **kw):
        return self.online("DELETE", "/v1/charges/" + ticket, body, **kw)

    # card-present ----------------------------------------------------------------------------
    def pos(self, operation, body, credential=None, now=None, reference=None):
        hdrs = {}
        cred = self.creds["private_credential_id"] if credential is None else credential
        if cred:
            hdrs["Private-Credential-Id"] = cred
        return self._send("POST", "/pos/v1/" + operation, body, hdrs, now=now,
                          reference=reference)

    def pos_sale(self, amount, operation="charge", brand=None, now=None, reference=None,
                 client_id=None):
        body = {"amount": amount, "card_details": CARD_DETAILS,
                "client_transaction_id": client_id or new_id(),
                "transaction_type": "sale", "transaction_mode": "Authorization"}
        if brand:
            body["card"] = {"card_holder_name": "TEST", "brand": brand}
        r = self.pos(operation, body, now=now, reference=reference)
        assert r.status == 200, r
        return r.json

    def pos_refund(self, amount=None, reference=None, cardless=False, client_id=None, now=None):
        body = {"transaction_type": "refund", "transaction_mode": "Authorization",
                "client_transaction_id": client_id or new_id()}
        if amount is not None:
            body["amount"] = amount
        if reference is not None:
            body["transaction_reference"] = reference
        if cardless:
            body["omit_card"] = True
        else:
            body["card_details"] = CARD_DETAILS
        return self.pos("refund", body, now=now)


def set_merchant_setting(server, merchant_id, name, value):
    """Writes a merchant setting straight into the database (refundd has no API for settings
    yet); refundd reads settings per request, so the running server sees it."""
    if getattr(server, "db_url", None):  # the PostgreSQL run of the suite
        sql = ("INSERT INTO merchant_settings (merchant_id, name, value) VALUES (:'m', :'n', :'v') "
               "ON CONFLICT (merchant_id, name) DO UPDATE SET value = EXCLUDED.value;\n")
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server.db_url,
                        "-v", "m=" + merchant_id, "-v", "n=" + name, "-v", "v=" + value],
                       input=sql.encode(), check=True, capture_output=True, timeout=60)
        return
    db = sqlite3.connect(server.data_dir + "/refundd.db", timeout=30)
    try:
        db.execute("INSERT OR REPLACE INTO merchant_settings (merchant_id, name, value) "
                   "VALUES (?, ?, ?)", (merchant_id, name, value))
        db.commit()
    finally:
        db.close()
