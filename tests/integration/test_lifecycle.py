"""Proves the process contract: healthz, the CLI's merchant commands, TLS, the request timeout, and a
graceful SIGTERM that answers every request it took on before exiting 0."""

import json
import os
import shutil
import subprocess
import threading
import unittest

from harness import Client, Refundd, key_of, run_threads, send_raw


class Process(unittest.TestCase):

    def setUp(self):
        self.server = Refundd().start()
        self.addCleanup(self.server.cleanup)

    def test_new_data_dir_prints_sandbox_credentials_once(self):
        s = self.server.sandbox
        self.assertEqual(s["name"], "sandbox")
        self.assertTrue(s["id"].startswith("mer_"), s)
        self.assertTrue(key_of(s).startswith("sk_test_"), s)
        lines = [l for l in self.server.stdout_lines() if l.strip()]
        self.assertEqual(len(lines), 1, lines)

    def test_healthz(self):
        r = self.server.anonymous().get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok"})

    def test_merchants_create_and_list_while_serving(self):
        m = self.server.create_merchant("acme")
        self.assertEqual(m["name"], "acme")
        self.assertTrue(m["id"].startswith("mer_"), m)
        self.assertTrue(key_of(m).startswith("sk_test_"), m)
        self.assertNotEqual(key_of(m), self.server.key)
        # The running server accepts the new key at once.
        c = self.server.client(key=key_of(m))
        self.assertEqual(c.pay(100)["status"], "succeeded")
        c.close()

        text, merchants = self.server.list_merchants()
        self.assertEqual(sorted((x["id"], x["name"]) for x in merchants),
                         sorted([(self.server.sandbox["id"], "sandbox"), (m["id"], "acme")]))
        self.assertNotIn("sk_test_", text)
        self.assertNotIn("secret", text)
        for x in merchants:
            self.assertLessEqual({"id", "name"}, set(x))
            self.assertFalse({"credentials", "secret_key"} & set(x), x)

    def test_graceful_sigterm_answers_requests_in_flight(self):
        api = self.server.client()
        pis = [api.pay(1_000_000) for _ in range(4)]
        api.close()
        lock = threading.Lock()
        acked = []
        started = threading.Event()
        threads = 16

        def one(i, barrier):
            c = Client(self.server.port, key=self.server.key, timeout=10).connect()
            barrier.wait()
            for j in range(5000):
                try:
                    r = c.refund(pis[(i + j) % len(pis)]["id"], 1)
                except OSError:  # closed between requests: fine, it was idle
                    return None
                self.assertEqual(r.status, 200, r)
                with lock:
                    acked.append(r.json["id"])
                    if len(acked) >= 100:
                        started.set()
                if r.header("Connection") == "close":
                    return None
            return None

        terminator = threading.Thread(target=lambda: (started.wait(60), self.server.stop(check=False)))
        terminator.start()
        results = run_threads(threads, one)
        terminator.join()
        for r in results:
            if isinstance(r, BaseException):
                raise r
        self.assertEqual(self.server.proc.returncode, 0, self.server.stderr_text())

        # Every refund that was carried out was also answered.
        self.server.start()
        api = self.server.client()
        stored = set()
        for pi in pis:
            stored.update(r["id"] for r in api.refunds_of(pi["id"]))
        api.close()
        self.assertEqual(stored, set(acked))

    def test_sigterm_right_after_listening_exits_0(self):
        # The "listening on" line is the promise that the process is up, signal handling included.
        self.assertEqual(self.server.stop(check=False), 0, self.server.stderr_text())


class Limits(unittest.TestCase):

    def test_request_timeout_answers_408(self):
        slow = Refundd(["--request-timeout-ms", "300"]).start()
        self.addCleanup(slow.cleanup)
        r = send_raw(slow.port, b"POST /v1/refunds HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab",
                     timeout=10)
        self.assertEqual(r.status, 408, r)
        self.assertEqual(r.error.get("code"), "request_timeout", r)
        self.assertEqual(slow.anonymous().get("/healthz").status, 200)
        slow.stop()

    def test_max_body_bytes_flag(self):
        small = Refundd(["--max-body-bytes", "1000"]).start()
        self.addCleanup(small.cleanup)
        api = small.client()
        r = api.post("/v1/payment_intents", {"amount": 100, "currency": "usd",
                                             "description": "d" * 2000})
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.error.get("code"), "request_too_large", r)
        api.close()
        small.stop()

    def test_max_connections_flag(self):
        few = Refundd(["--max-connections", "4"]).start()
        self.addCleanup(few.cleanup)
        held = [few.client().connect() for _ in range(4)]
        for c in held:
            self.assertEqual(c.get("/healthz").status, 200)
        extra = few.anonymous()
        try:
            r = extra.get("/healthz")
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.error.get("code"), "too_many_connections", r)
        except OSError:
            pass  # closed without an answer: also a refusal
        extra.close()
        for c in held:
            c.close()
        few.stop()


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class Tls(unittest.TestCase):

    def test_https_serves_the_api(self):
        srv = Refundd()
        self.addCleanup(srv.cleanup)
        cert, key = (os.path.join(srv._tmp, n) for n in ("cert.pem", "key.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=60)
        srv.args = ["--tls-cert", cert, "--tls-key", key]
        srv.start()
        self.assertEqual(srv.scheme, "https")
        self.assertIn("listening on https://127.0.0.1:%d" % srv.port, srv.stderr_text())
        api = srv.client()
        self.assertEqual(api.get("/healthz").json, {"status": "ok"})
        pi = api.pay(1000)
        self.assertEqual(api.refund(pi["id"], 100).status, 200)
        api.close()
        srv.stop()


if __name__ == "__main__":
    unittest.main()
