"""Proves what a full disk and a failing fdatasync do to `serve` on SQLite (issue 19, fault 1).

On a small tmpfs filled to its last byte, writes answer 503 and store nothing, /healthz stays 200,
one line on stderr says so, and once space is freed the next write succeeds without a restart.
When fdatasync of the WAL fails (the test-only hook REFUNDD_TEST_FAIL_WAL_SYNC_WHILE_EXISTS: while
the named file exists, every fdatasync fails with EIO), the store refuses every write even after
the disk works again, /healthz answers 503 with the reason, one line on stderr says what happened
and what to do, and a restart recovers. The tmpfs test needs root and mount(8); without them it is
skipped, saying why."""

import errno
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BACKEND, Refundd

METADATA = {"metadata[k%d]" % i: "v" * 400 for i in range(20)}  # ~8 KB per refund


def fill(path):
    """Writes `path` until the filesystem has no byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 64 << 10, 4096, 512, 1):
            chunk = b"\0" * size
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)


def poll(fn, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)  # polling interval, with a deadline


@unittest.skipIf(BACKEND != "sqlite", "a full disk and fdatasync failures are SQLite's")
class DiskFull(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="refundd-diskfull-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        if os.geteuid() != 0 or not shutil.which("mount"):
            self.skipTest("mounting a small tmpfs needs root and mount(8)")
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs",
                              self.mnt], capture_output=True, timeout=30)
        if out.returncode != 0:
            self.skipTest("cannot mount a small tmpfs here: " + out.stderr.decode().strip())
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], capture_output=True,
                        timeout=30)

    def test_writes_fail_while_the_disk_is_full_and_resume_once_space_is_freed(self):
        server = Refundd(data_dir=os.path.join(self.mnt, "data")).start()
        self.addCleanup(server.cleanup)
        c = server.client()
        pi = c.pay(amount=10_000_000)["id"]
        filler = os.path.join(self.mnt, "filler")
        fill(filler)

        # Refunds until the store cannot grow (the WAL and the database still have some room).
        stored, failed_key = 0, None
        for i in range(2000):
            r = c.refund(pi, 1, idempotency_key="fill-%d" % i, **METADATA)
            if r.status == 200:
                stored += 1
                continue
            self.assertEqual(r.status, 503, r)
            failed_key = "fill-%d" % i
            break
        self.assertIsNotNone(failed_key, "the full disk never failed a write")
        # A failed write fences nothing: the next one tries the disk again (and fails, or fits).
        r = c.refund(pi, 1, idempotency_key="while-full")
        self.assertIn(r.status, (200, 503), r)
        stored += r.status == 200
        self.assertEqual(server.anonymous().get("/healthz").status, 200)
        self.assertIn("refundd: a write to", server.stderr_text())

        os.remove(filler)
        again = poll(lambda: (lambda r: r if r.status == 200 else None)(
            c.refund(pi, 1, idempotency_key=failed_key, **METADATA)), "a write after freeing space")
        self.assertEqual(again.json["amount"], 1)
        self.assertEqual(c.refund(pi, 1, idempotency_key=failed_key, **METADATA).json["id"],
                         again.json["id"])
        # Nothing of the refused requests was stored: the retried key made one refund, and any
        # other refused while full is not there.
        self.assertEqual(len(c.refunds_of(pi)), stored + 1)
        self.assertIn("succeed again", server.stderr_text())
        server.stop()


@unittest.skipIf(BACKEND != "sqlite", "a full disk and fdatasync failures are SQLite's")
class FdatasyncFailure(unittest.TestCase):
    def test_a_failed_fdatasync_refuses_writes_says_why_and_a_restart_recovers(self):
        trigger = tempfile.mktemp(prefix="refundd-fail-sync-")
        self.addCleanup(lambda: os.path.exists(trigger) and os.remove(trigger))
        server = Refundd()
        self.addCleanup(server.cleanup)
        os.environ["REFUNDD_TEST_FAIL_WAL_SYNC_WHILE_EXISTS"] = trigger
        try:
            server.start()
        finally:
            del os.environ["REFUNDD_TEST_FAIL_WAL_SYNC_WHILE_EXISTS"]
        c = server.client()
        pi = c.pay(amount=5000)["id"]
        self.assertEqual(c.refund(pi, 100).status, 200)

        open(trigger, "w").close()
        self.assertEqual(c.refund(pi, 100, idempotency_key="during").status, 503)
        os.remove(trigger)  # the disk "works" again: the store still refuses, as it must
        self.assertEqual(c.refund(pi, 100, idempotency_key="after").status, 503)
        health = server.anonymous().get("/healthz")
        self.assertEqual(health.status, 503, health)
        self.assertEqual(health.json["status"], "unavailable")
        self.assertIn("fdatasync", health.json["reason"])
        self.assertIn("restart", health.json["reason"])
        lines = [l for l in server.stderr_text().splitlines() if "fdatasync" in l]
        self.assertEqual(len(lines), 1, server.stderr_text())
        self.assertIn("restart refundd", lines[0])
        self.assertEqual(c.intent(pi)["id"], pi)  # reads go on

        server.restart()
        c = server.client()
        self.assertEqual(server.anonymous().get("/healthz").status, 200)
        self.assertEqual(c.refund(pi, 100, idempotency_key="after").status, 200)
        self.assertGreaterEqual(len(c.refunds_of(pi)), 2)


if __name__ == "__main__":
    unittest.main()
