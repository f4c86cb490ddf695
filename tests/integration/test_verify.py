"""Proves that `refundd verify` reads a consistent store while `serve` runs: with D24 bank refunds
being created and settling (--settle-delay-ms 200), every run reports no problem and exits 0. Read
apart, a payment and its refunds disagreed whenever a refund settled in between (issue 19, fault
2: 17 of 20 runs exited 1). REFUNDD_VERIFY_RUNS sets the number of runs (default 8; the issue's
acceptance is `REFUNDD_VERIFY_RUNS=50 python3 -m unittest test_verify` in tests/integration)."""

import json
import os
import subprocess
import threading
import time
import unittest

from harness import BIN, Refundd
from test_d24 import D24

RUNS = int(os.environ.get("REFUNDD_VERIFY_RUNS", "8"))
DEPOSITS = 6


class VerifyWhileServing(unittest.TestCase):
    def setUp(self):
        self.server = Refundd(["--settle-delay-ms", "200"]).start()
        self.addCleanup(self.server.cleanup)
        if "does not support the refund lifecycle" in self.server.stderr_text():
            self.server.stop()
            self.skipTest("the store backend does not run the lifecycle")

    def verify(self):
        out = subprocess.run([BIN, "verify"] + self.server.store_args(), stdin=subprocess.DEVNULL,
                             capture_output=True, timeout=60)
        lines = [json.loads(l) for l in out.stdout.decode().splitlines() if l.strip()]
        return out.returncode, lines, out.stderr.decode()

    def test_every_run_is_clean_while_bank_refunds_settle(self):
        api = D24(self.server.port, self.server.sandbox["credentials"]["d24"])
        deposits = [api.deposit("100000", payment_type="BANK_TRANSFER") for _ in range(DEPOSITS)]
        stop = threading.Event()
        created = []
        errors = []

        def refunds():
            # Its own connection: refunds of one cent, round the deposits, each settling 200 ms
            # later on the server's lifecycle worker.
            client = D24(self.server.port, self.server.sandbox["credentials"]["d24"])
            n = 0
            while not stop.is_set():
                resp = client.refund(deposits[n % DEPOSITS], "0.01")
                if resp.status != 200:
                    errors.append(resp)
                    return
                created.append(resp.json["refund_id"])
                n += 1

        worker = threading.Thread(target=refunds)
        worker.start()
        try:
            # Refunds are pending and settling before the first run.
            deadline = time.monotonic() + 30
            while len(created) < 20 and not errors and time.monotonic() < deadline:
                time.sleep(0.01)  # polling for the load to start, with a deadline
            self.assertGreaterEqual(len(created), 20, errors)
            results = []
            for _ in range(RUNS):
                before = len(created)
                code, lines, stderr = self.verify()
                results.append((code, lines, stderr, len(created) - before))
        finally:
            stop.set()
            worker.join(60)
        self.assertEqual(errors, [])
        failed = [(code, lines[:3], stderr) for code, lines, stderr, _ in results if code != 0]
        self.assertEqual(failed, [], "%d of %d runs were not clean" % (len(failed), RUNS))
        for _, lines, _, _ in results:
            self.assertEqual(lines[-1]["problems"], 0, lines)
            self.assertEqual(lines[-1]["payments"], DEPOSITS, lines)
        # The runs overlapped the load: refunds were created (and others settled) during them.
        self.assertGreater(sum(during for _, _, _, during in results), RUNS, results)


if __name__ == "__main__":
    unittest.main()
