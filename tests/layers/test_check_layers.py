"""scripts/check-layers.py fails, naming file:line and the arrow, on each kind of violation of a
tree's docs/layers.txt (and on a stale line of docs/layers-pending.txt), and passes a clean tree."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "..", "..", "scripts", "check-layers.py")
FIXTURE = os.path.join(HERE, "fixture")


def check(root):
    p = subprocess.run([sys.executable, CHECKER, "--root", root], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stderr


class CheckedInTrees(unittest.TestCase):
    def test_clean_tree_passes_and_warns_about_its_pending_violation(self):
        rc, out = check(os.path.join(FIXTURE, "clean"))
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: src/app/cli.cc:1: app -> dialects/alpha", out)
        self.assertIn("0 violations, 1 pending", out)

    def test_violating_tree_fails_and_names_every_violation(self):
        rc, out = check(os.path.join(FIXTURE, "violating"))
        self.assertEqual(rc, 1, out)
        for message in [
            'error: src/dialects/alpha/routes.cc:3: dialects/alpha -> store '
            '(#include "store/store.h") is not in docs/layers.txt',
            "error: src/dialects/alpha/routes.cc:5: dialects/alpha names store::WriteTx",
            "error: src/core/CMakeLists.txt:2: core -> store (links fx_store) is not in "
            "docs/layers.txt",
            "error: docs/layers-pending.txt:3: src/dialects/alpha/routes.h: dialects/alpha -> "
            "store no longer happens",
        ]:
            self.assertIn(message, out)
        self.assertIn("4 violations, 1 pending", out)


class OneViolationInACopyOfTheCleanTree(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="layers-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.root = os.path.join(self.tmp, "tree")
        shutil.copytree(os.path.join(FIXTURE, "clean"), self.root)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def append(self, rel, text):
        with open(os.path.join(self.root, rel), "a") as f:
            f.write(text)

    def assertFailsWith(self, message):
        rc, out = check(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn(message, out)

    def test_the_copy_passes(self):
        rc, out = check(self.root)
        self.assertEqual(rc, 0, out)

    def test_an_include_of_a_higher_layer_fails(self):
        self.append("src/core/money.cc", '#include "store/store.h"\n')
        self.assertFailsWith('error: src/core/money.cc:2: core -> store (#include "store/store.h")'
                             " is not in docs/layers.txt")

    def test_app_including_a_dialects_internals_fails(self):
        self.write("src/dialects/beta/refunds.h", "#pragma once\n")
        self.append("src/app/main.cc", '#include "dialects/beta/refunds.h"\n')
        self.assertFailsWith("error: src/app/main.cc:2: app -> dialects/beta")

    def test_a_dialect_including_another_dialect_fails(self):
        self.write("src/dialects/beta/refunds.h", '#pragma once\n#include "dialects/alpha/routes.h"\n')
        self.assertFailsWith("error: src/dialects/beta/refunds.h:2: dialects/beta -> dialects/alpha")

    def test_a_link_to_a_higher_layer_fails(self):
        self.append("src/core/CMakeLists.txt", "target_link_libraries(fx_core PRIVATE\n  fx_dialects)\n")
        self.assertFailsWith("error: src/core/CMakeLists.txt:5: core -> dialects (links fx_dialects)")

    def test_a_forbidden_name_in_code_fails(self):
        self.append("src/dialects/common/kit.h", "void Run(store::WriteTx& tx);\n")
        self.assertFailsWith("error: src/dialects/common/kit.h:3: dialects/common names "
                             "store::WriteTx")

    def test_a_pending_line_whose_violation_is_gone_fails(self):
        self.write("src/app/cli.cc", '#include "dialects/registry.h"\n#include "store/store.h"\n')
        self.assertFailsWith("error: docs/layers-pending.txt:2: src/app/cli.cc: app -> "
                             "dialects/alpha no longer happens: delete the line")

    def test_a_folder_without_a_line_fails(self):
        self.write("src/extra/x.h", '#pragma once\n#include "base/ids.h"\n')
        self.assertFailsWith("error: src/extra/x.h: src/extra has no line in docs/layers.txt")

    def test_an_include_outside_src_fails(self):
        self.append("src/core/money.h", '#include "nowhere/thing.h"\n')
        self.assertFailsWith('error: src/core/money.h:5: #include "nowhere/thing.h" is not a file')

    def test_a_list_naming_a_missing_folder_is_refused(self):
        self.append("docs/layers.txt", "core -> crypto\n")
        rc, out = check(self.root)
        self.assertEqual(rc, 2, out)
        self.assertIn("docs/layers.txt:9: src/crypto does not exist", out)


if __name__ == "__main__":
    unittest.main()
