"""The shared harness of the black-box suite: it runs the real refundd binary and talks HTTP to it.

Refundd starts `REFUNDD_BIN serve` on 127.0.0.1:0 with a fresh data dir, reads the sandbox
credentials from the JSON line on stdout and the bound port from the "listening on" line on
stderr (polling both with a deadline, never sleeping a fixed time), restarts on the same data
dir, stops with SIGTERM (checking exit code 0) or SIGKILL, and runs `refundd merchants ...`.
Client is a small keep-alive HTTP client that sends form bodies (bracket notation, as Stripe's
clients do) or JSON. Standard library only.
"""

import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

_HERE = os.path.dirname(os.path.abspath(__file__))

def _default_bin():
    build = os.path.join(_HERE, "..", "..", "build")
    for path in (os.path.join(build, "refundd"), os.path.join(build, "src", "app", "refundd")):
        if os.access(path, os.X_OK):
            return path
    return os.path.join(build, "refundd")


# ctest sets REFUNDD_BIN; by hand, the build/ of this checkout is used.
BIN = os.environ.get("REFUNDD_BIN") or _default_bin()

# REFUNDD_IT_BACKEND=postgres runs every server on a fresh database of the PostgreSQL server named
# by REFUNDD_TEST_PG_URL (scripts/with-postgres.sh starts one); without that URL the tests skip.
BACKEND = os.environ.get("REFUNDD_IT_BACKEND", "sqlite")
PG_URL = os.environ.get("REFUNDD_TEST_PG_URL", "")

START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 30.0
REQUEST_TIMEOUT_S = 30.0

_LISTENING = re.compile(r"listening on (https?)://127\.0\.0\.1:(\d+)")


class _PipeLines(threading.Thread):
    """Reads a pipe to its end on its own thread, so the child never blocks on a full pipe."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self._pipe = pipe
        self._cond = threading.Condition()
        self.lines = []
        self.closed = False
        self.start()

    def run(self):
        for raw in iter(self._pipe.readline, b""):
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait_for(self, find, deadline, start_index=0):
        """Returns the first non-None find(line) among lines[start_index:], or None at EOF/deadline."""
        i = start_index
        with self._cond:
            while True:
                while i < len(self.lines):
                    found = find(self.lines[i])
                    if found is not None:
                        return found
                    i += 1
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    return None
                self._cond.wait(min(remaining, 0.5))

    def text(self):
        with self._cond:
            return "\n".join(self.lines)


def _psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (sql, out.stderr.decode()))


def _with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _credentials_line(line):
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if isinstance(obj, dict) and "credentials" in obj:
        return obj
    return None


class Refundd:
    """One refundd server process over one data dir (which outlives restarts)."""

    def __init__(self, args=(), data_dir=None):
        self._tmp = tempfile.mkdtemp(prefix="refundd-it-")
        # A path that does not exist yet: refundd must create it and the sandbox merchant.
        self.data_dir = data_dir or os.path.join(self._tmp, "data")
        self.args = list(args)
        self.db_url = None
        self._db_name = None
        if BACKEND == "postgres":
            if not PG_URL:
                shutil.rmtree(self._tmp, ignore_errors=True)
                print("integration: skipped, REFUNDD_TEST_PG_URL is not set", flush=True)
                raise unittest.SkipTest("REFUNDD_TEST_PG_URL is not set")
            self._db_name = "it_" + os.path.basename(self._tmp).replace("-", "_").lower()
            _psql(PG_URL, "CREATE DATABASE %s" % self._db_name)
            self.db_url = _with_database(PG_URL, self._db_name)
        self._started = False
        self.proc = None
        self.port = None
        self.scheme = "http"
        self.sandbox = None  # the JSON object printed on the first start
        self._stdout = None
        self._stderr = None
        self.previous_stderr = ""

    # --- lifecycle -------------------------------------------------------------------------

    def store_args(self):
        """The command line options that name this server's store."""
        return ["--db", self.db_url] if self.db_url else ["--data", self.data_dir]

    def start(self):
        if self.db_url:
            fresh = not self._started
        else:
            fresh = not os.path.exists(self.data_dir)
        self._started = True
        cmd = [BIN, "serve"] + self.store_args() + ["--listen", "127.0.0.1:0"] + self.args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self._stdout = _PipeLines(self.proc.stdout)
        self._stderr = _PipeLines(self.proc.stderr)
        deadline = time.monotonic() + START_DEADLINE_S
        m = self._stderr.wait_for(_LISTENING.search, deadline)
        if m is None:
            self._fail_start("no 'listening on http://127.0.0.1:PORT' line on stderr")
        self.scheme, self.port = m.group(1), int(m.group(2))
        if fresh:
            creds = self._stdout.wait_for(_credentials_line, deadline)
            if creds is None:
                self._fail_start("no sandbox credentials JSON line on stdout for a new data dir")
            self.sandbox = creds
        return self

    def _fail_start(self, why):
        code = self.proc.poll()
        if code is None:
            self.kill()
        raise AssertionError("refundd did not start (%s; exit code %s)\ncmd args: %s\nstdout:\n%s\n"
                             "stderr:\n%s" % (why, self.proc.returncode, self.args,
                                              self._stdout.text(), self._stderr.text()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, check=True, deadline_s=STOP_DEADLINE_S):
        """SIGTERM, wait; returns the exit code (and with check, asserts it is 0)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("refundd did not exit within %.0f s of SIGTERM\nstderr:\n%s"
                                 % (deadline_s, self.stderr_text()))
        self._reap()
        if check and code != 0:
            raise AssertionError("refundd exited %s after SIGTERM (expected 0)\nstderr:\n%s"
                                 % (code, self.previous_stderr))
        return code

    def kill(self):
        """SIGKILL: no chance to flush or clean up anything."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait(timeout=STOP_DEADLINE_S)
        self._reap()
        return code

    def _reap(self):
        self._stdout.join(5)
        self._stderr.join(5)
        self.previous_stderr = self._stderr.text()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        if self.running():
            self.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)
        if self._db_name:
            try:
                _psql(PG_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self._db_name)
            except (AssertionError, OSError, subprocess.SubprocessError):
                pass  # the server goes away with the test run anyway

    def stderr_text(self):
        return self._stderr.text() if self._stderr else self.previous_stderr

    def stdout_lines(self):
        return list(self._stdout.lines) if self._stdout else []

    # --- merchants ---------------------------------------------------------------------------

    @property
    def key(self):
        return self.sandbox["credentials"]["native"]["secret_key"]

    def cli(self, *args):
        out = subprocess.run([BIN] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=30)
        if out.returncode != 0:
            raise AssertionError("refundd %s exited %d\nstdout:\n%s\nstderr:\n%s"
                                 % (" ".join(args), out.returncode, out.stdout.decode(),
                                    out.stderr.decode()))
        return out.stdout.decode()

    def create_merchant(self, name):
        """`refundd merchants create`: returns the printed object (id, name, credentials)."""
        lines = [l for l in self.cli("merchants", "create", *self.store_args(),
                                     "--name", name).splitlines() if l.strip()]
        if len(lines) != 1:
            raise AssertionError("merchants create printed %d lines, expected one JSON object: %r"
                                 % (len(lines), lines))
        return json.loads(lines[0])

    def list_merchants(self):
        text = self.cli("merchants", "list", *self.store_args())
        return text, [json.loads(l) for l in text.splitlines() if l.strip()]

    # --- clients -----------------------------------------------------------------------------

    def client(self, key=None, **kw):
        return Client(self.port, key=self.key if key is None else key,
                      tls=self.scheme == "https", **kw)

    def anonymous(self):
        return Client(self.port, key="", tls=self.scheme == "https")


def key_of(merchant):
    return merchant["credentials"]["native"]["secret_key"]


# --- HTTP ------------------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body  # raw bytes
        self._json = None

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body)
            except ValueError as e:
                raise AssertionError("response %d is not JSON (%s): %r"
                                     % (self.status, e, self.body[:500]))
        return self._json

    @property
    def error(self):
        """The error object ({} when the body has none)."""
        j = self.json
        return j.get("error", {}) if isinstance(j, dict) else {}

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:400].decode("utf-8", "replace"))


def form_encode(params, prefix=None, out=None):
    """Stripe-style form encoding: metadata[k]=v, items[0][x]=y, booleans as true/false."""
    out = [] if out is None else out
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for k, v in items:
        name = str(k) if prefix is None else "%s[%s]" % (prefix, k)
        if isinstance(v, (dict, list, tuple)):
            form_encode(v, name, out)
        else:
            if v is True or v is False:
                v = "true" if v else "false"
            elif v is None:
                v = ""
            out.append((name, str(v)))
    return urllib.parse.urlencode(out)


_KEEP = object()


class Client:
    """One keep-alive connection to refundd. Not thread-safe: give each thread its own Client."""

    def __init__(self, port, key="", tls=False, auth="bearer", timeout=REQUEST_TIMEOUT_S):
        self.port = port
        self.key = key
        self.tls = tls
        self.auth = auth
        self.timeout = timeout
        self._conn = None
        self._used = False

    def connect(self):
        if self._conn is None:
            if self.tls:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                self._conn = http.client.HTTPSConnection("127.0.0.1", self.port,
                                                         timeout=self.timeout, context=ctx)
            else:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=self.timeout)
            self._conn.connect()
            self._used = False
        return self

    def __del__(self):
        self.close()

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _auth_headers(self, key):
        if not key:
            return {}
        if self.auth == "basic":
            import base64
            return {"Authorization": "Basic " + base64.b64encode((key + ":").encode()).decode()}
        return {"Authorization": "Bearer " + key}

    def request(self, method, path, params=None, json_body=_KEEP, raw_body=None,
                content_type=None, query=None, idempotency_key=None, headers=None, key=_KEEP):
        hdrs = self._auth_headers(self.key if key is _KEEP else key)
        body = None
        if raw_body is not None:
            body = raw_body if isinstance(raw_body, bytes) else raw_body.encode()
            if content_type:
                hdrs["Content-Type"] = content_type
        elif json_body is not _KEEP:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        elif params is not None or method == "POST":
            body = form_encode(params or {}).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if idempotency_key is not None:
            hdrs["Idempotency-Key"] = idempotency_key
        if headers:
            hdrs.update(headers)
        if query:
            path = path + ("&" if "?" in path else "?") + form_encode(query)
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
        for attempt in (0, 1):
            reused = self._conn is not None and self._used
            self.connect()
            try:
                self._conn.request(method, path, body=body, headers=hdrs)
                r = self._conn.getresponse()
                data = r.read()
                self._used = True
                resp = Response(r.status, r.getheaders(), data)
                if r.will_close:
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                # The classic keep-alive race (server closed an idle connection): retry once on
                # a new connection. A fresh connection failing is a real failure.
                if not reused or attempt == 1:
                    raise
            except Exception:
                self.close()
                raise

    def get(self, path, query=None, **kw):
        return self.request("GET", path, query=query, **kw)

    def post(self, path, params=None, **kw):
        return self.request("POST", path, params=params, **kw)

    # --- conveniences (they assert success) ---------------------------------------------------

    def ok(self, resp, what):
        if resp.status != 200:
            raise AssertionError("%s: expected 200, got %r" % (what, resp))
        return resp.json

    def pay(self, amount=1000, currency="usd", capture_method="automatic", confirm=True,
            payment_method="pm_card_visa", **extra):
        params = {"amount": amount, "currency": currency, "capture_method": capture_method}
        if confirm:
            params["confirm"] = "true"
        if payment_method:
            params["payment_method"] = payment_method
        params.update(extra)
        return self.ok(self.post("/v1/payment_intents", params), "create payment intent")

    def refund(self, payment_intent=None, amount=None, **extra):
        params = {}
        if payment_intent is not None:
            params["payment_intent"] = payment_intent
        if amount is not None:
            params["amount"] = amount
        idem = extra.pop("idempotency_key", None)
        key = extra.pop("key", _KEEP)
        params.update(extra)
        return self.post("/v1/refunds", params, idempotency_key=idem, key=key)

    def intent(self, pi_id):
        return self.ok(self.get("/v1/payment_intents/" + pi_id), "get payment intent")

    def charge(self, ch_id):
        return self.ok(self.get("/v1/charges/" + ch_id), "get charge")

    def charge_of(self, pi_id):
        return self.charge(self.intent(pi_id)["latest_charge"])

    def refunds_of(self, pi_id):
        """Every refund of one payment intent, newest first, following has_more."""
        out, after = [], None
        while True:
            q = {"payment_intent": pi_id, "limit": 100}
            if after:
                q["starting_after"] = after
            page = self.ok(self.get("/v1/refunds", q), "list refunds")
            out.extend(page["data"])
            if not page["has_more"] or not page["data"]:
                return out
            after = page["data"][-1]["id"]


def send_raw(port, data, timeout=15.0):
    """Writes raw bytes on a new connection and reads one response.

    Stops writing as soon as the server starts answering (as curl does), so a server that refuses
    a request early (413, 431) is not hit by a reset for the bytes it never read.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        deadline = time.monotonic() + timeout
        sent, write_error = 0, None
        sock.setblocking(False)
        while sent < len(data):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            readable, writable, _ = select.select([sock], [sock], [], remaining)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(data[sent:sent + 65536])
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError) as e:
                    write_error = e
                    break
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        r = http.client.HTTPResponse(sock)
        try:
            r.begin()
            body = r.read()
        except (ConnectionResetError, http.client.RemoteDisconnected) as e:
            raise AssertionError("no response: %s (sent %d of %d bytes; write error %s)"
                                 % (e, sent, len(data), write_error))
        return Response(r.status, r.getheaders(), body)
    finally:
        sock.close()


def body_over_the_limit(method, path, headers=None, size=2 << 20):
    """The raw bytes of a request with a `size`-byte JSON body, over the default 1 MiB limit."""
    body = b'{"x":"' + b"a" * (size - 8) + b'"}'
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            % (method, path))
    head += "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode() + body


def headers_over_the_limit(method, path, headers=None, size=64 << 10):
    """The raw bytes of a bodiless request with a `size`-byte header, over the 16 KiB limit."""
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    return (head + "X-Padding: %s\r\n\r\n" % ("p" * size)).encode()


def run_threads(n, fn, timeout=120.0):
    """Runs fn(i) on n threads released together by a barrier; returns results (or exceptions)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def body(i):
        try:
            results[i] = fn(i, barrier)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            results[i] = e

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    end = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    if any(t.is_alive() for t in threads):
        raise AssertionError("threads still running after %.0f s" % timeout)
    return results


class ServerTestCase(unittest.TestCase):
    """A test class sharing one refundd (sandbox merchant) across its tests."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Refundd(cls.server_args).start()
        cls.api = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.api.close()
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()

    def assertError(self, resp, status, code, param=_KEEP, type_="invalid_request_error"):
        """Asserts a Stripe-shaped error: status, error.type, error.code and (if given) param."""
        self.assertEqual(resp.status, status, resp)
        err = resp.error
        self.assertEqual(err.get("type"), type_, resp)
        self.assertEqual(err.get("code"), code, resp)
        self.assertTrue(isinstance(err.get("message"), str) and err["message"], resp)
        if param is not _KEEP:
            self.assertEqual(err.get("param"), param, resp)
