"""Helpers of the lifecycle suites (test_lifecycle_*.py): a webhook receiver on loopback that can
fail on demand (500s, hanging past refundd's timeout, connection resets, refusing connections),
independent verifiers of every dialect's webhook signature written from the spec and
docs/lifecycle.md (never by calling refundd), the CLI commands of the lifecycle, and polling with a
deadline. Standard library only."""

import base64
import hashlib
import hmac
import http.server
import json
import socket
import subprocess
import threading
import time

from harness import BIN, Refundd

# Fast lifecycle for tests: asynchronous refunds settle after 0.6 s, every retry delay (and the
# give-up age) is 1/5000 of its real value (3 days -> 52 s), one attempt may take 1 s.
SETTLE_MS = 600
LIFECYCLE_ARGS = ["--settle-delay-ms", str(SETTLE_MS), "--retry-time-scale", "0.0002",
                  "--allow-private-webhook-targets", "--webhook-timeout-ms", "1000"]

# The sandbox's test cards (BIN 400000, docs/lifecycle.md).
CARDS = {"instant": "4000000000005100", "late_failure": "4000000000005126",
         "decline": "4000000000005134", "async_success": "4000000000005142",
         "async_failure": "4000000000005159", "stuck": "4000000000005167",
         "timeout": "4000000000005175"}
# The sandbox's test words, as a payment method type or a holder's name.
WORDS = {"instant": "refund_instant", "late_failure": "refund_fail", "decline": "refund_decline",
         "async_success": "refund_async", "async_failure": "refund_async_fail",
         "stuck": "refund_stuck", "timeout": "refund_timeout"}


def poll(fn, timeout=20.0, interval=0.05, what="condition"):
    """Calls fn() until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s (last: %r)"
                                 % (timeout, what, value))
        time.sleep(interval)


class Hook:
    """One request the receiver got."""

    def __init__(self, path, headers, body, status):
        self.path = path
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.status = status  # what the receiver answered (0: it answered nothing)

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def event_id(self):
        return self.headers.get("x-refundd-event-id")

    @property
    def event_type(self):
        return self.headers.get("x-refundd-event-type")

    @property
    def sequence(self):
        return int(self.headers.get("x-refundd-event-sequence", "0"))

    def __repr__(self):
        return "<Hook %s %s %s %d %s>" % (self.path, self.event_type, self.event_id, self.status,
                                          self.body[:120])


class Receiver:
    """An HTTP receiver on 127.0.0.1 that records every request. mode: "ok" (200), "500",
    "hang" (answers nothing for `hang_s`, past refundd's timeout), "reset" (closes the connection
    without answering). close() stops listening (connection refused); listen() starts again on the
    same port."""

    def __init__(self):
        self.mode = "ok"
        self.hang_s = 2.5
        self.hooks = []
        self._cond = threading.Condition()
        self.port = None
        self._server = None
        self.listen()

    def listen(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                mode = receiver.mode
                status = {"ok": 200, "500": 500}.get(mode, 0)
                receiver._record(Hook(self.path, self.headers.items(), body, status))
                if mode == "hang":
                    time.sleep(receiver.hang_s)
                    self.close_connection = True
                    return
                if mode == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", self.port or 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _record(self, hook):
        with self._cond:
            self.hooks.append(hook)
            self._cond.notify_all()

    def received(self, path=None, delivered_only=True):
        with self._cond:
            return [h for h in self.hooks if (path is None or h.path == path)
                    and (not delivered_only or 200 <= h.status < 300)]

    def wait_for(self, predicate, timeout=20.0, what="webhooks"):
        """Waits until predicate(delivered hooks) is truthy; returns its value."""
        return poll(lambda: predicate(self.received()), timeout=timeout, what=what)

    def events_for(self, object_id, key):
        """The delivered webhooks whose key(hook) is object_id, first delivery of each event id,
        in sequence order."""
        seen, out = set(), []
        for h in self.received():
            try:
                k = key(h)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # another dialect's webhook: not this shape
            if k == object_id and h.event_id not in seen:
                seen.add(h.event_id)
                out.append(h)
        return sorted(out, key=lambda h: h.sequence)


# --- signature schemes, from the spec ----------------------------------------------------------


def _hmac_hex(key, message):
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def verify_stripe(header, body, secret, tolerance_s=300, now=None):
    """Stripe-Signature: t=<s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=...]."""
    if not header:
        return False
    items = [part.split("=", 1) for part in header.split(",") if "=" in part]
    t = [v for k, v in items if k == "t"]
    v1 = [v for k, v in items if k == "v1"]
    if len(t) != 1 or not v1:
        return False
    if abs((now or time.time()) - int(t[0])) > tolerance_s:
        return False
    expected = _hmac_hex(secret, t[0].encode() + b"." + body)
    return any(hmac.compare_digest(expected, v) for v in v1)


def verify_kushki(headers, body, webhook_signature):
    """X-Kushki-Signature = hex HMAC(key, body + "." + X-Kushki-Id); X-Kushki-SimpleSignature =
    hex HMAC(key, X-Kushki-Id); X-Kushki-Id in milliseconds (spec section 2.7)."""
    kid = headers.get("x-kushki-id", "")
    if not kid.isdigit() or abs(int(kid) - time.time() * 1000) > 300_000:
        return False
    full = _hmac_hex(webhook_signature, body + b"." + kid.encode())
    simple = _hmac_hex(webhook_signature, kid)
    return (hmac.compare_digest(full, headers.get("x-kushki-signature", ""))
            and hmac.compare_digest(simple, headers.get("x-kushki-simplesignature", "")))


def verify_rapyd(headers, body, url, access_key, secret_key):
    """signature = BASE64(HEX(HMAC(secret, url + salt + timestamp + access_key + secret + body)))
    (spec section 5.8)."""
    salt, ts = headers.get("salt", ""), headers.get("timestamp", "")
    if not salt or not ts.isdigit() or abs(int(ts) - time.time()) > 300:
        return False
    digest = _hmac_hex(secret_key, (url + salt + ts + access_key + secret_key).encode() + body)
    expected = base64.b64encode(digest.encode()).decode()
    return hmac.compare_digest(expected, headers.get("signature", ""))


def verify_utgl(headers, body, secret):
    """X-Utgl-Signature: the Stripe scheme under UTGL's header (docs/lifecycle.md)."""
    return verify_stripe(headers.get("x-utgl-signature", ""), body, secret)


# --- the lifecycle's CLI ---------------------------------------------------------------------


def cli_json(server, *args):
    out = subprocess.run([BIN] + list(args) + server.store_args(), capture_output=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise AssertionError("refundd %s exited %d: %s" % (" ".join(args), out.returncode,
                                                           out.stderr.decode()))
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]


def webhooks_set(server, dialect, url, merchant="sandbox", secret=None, events=None):
    args = ["webhooks", "set", "--merchant", merchant, "--dialect", dialect, "--url", url]
    if secret:
        args += ["--secret", secret]
    if events:
        args += ["--events", ",".join(events)]
    return cli_json(server, *args)[0]


def settle(server, refund_id, to, merchant="sandbox"):
    return cli_json(server, "refunds", "settle", "--merchant", merchant, "--refund", refund_id,
                    "--to", to)[0]


def lifecycle_server(extra=()):
    return Refundd(LIFECYCLE_ARGS + list(extra)).start()


