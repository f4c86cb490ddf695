#!/usr/bin/env python3
"""Checks the layering of src/ against docs/layers.txt.

Reads every `#include "..."` in src/ and every target_link_libraries in src/**/CMakeLists.txt, and
the names the list forbids (`never names`), and fails on a dependency that docs/layers.txt does not
allow. The violations listed in docs/layers-pending.txt (the refactor in progress) are printed as
warnings; a listed violation that no longer happens fails too, so that list only shrinks.

  scripts/check-layers.py              # the repository this script is in
  scripts/check-layers.py --root DIR   # DIR/src against DIR/docs/layers.txt (the tests' fixtures)

Exit status: 0 when every dependency is allowed or pending, 1 on a violation or a stale pending
line, 2 when the list itself cannot be read. docs/layers.txt describes its notation.
"""

import argparse
import fnmatch
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_EXTENSIONS = (".h", ".cc", ".cpp", ".hpp", ".inc")


class ListError(Exception):
    pass


def component_of(rel):
    """The folder a path under src/ belongs to: "core" for core/money.h, "dialects/native" for
    dialects/native/routes.cc, "dialects" for the files directly in dialects/ (the registry)."""
    parts = rel.split("/")
    if len(parts) < 2:
        return None
    if parts[0] == "dialects" and len(parts) > 2:
        return "dialects/" + parts[1]
    return parts[0]


class Layers:
    """docs/layers.txt: `FROM -> TO ...` lines (unioned over every FROM pattern that matches a
    folder) and `FROM never names TOKEN` lines."""

    def __init__(self, path, src, name):
        self.path = name
        self.allowed = []  # (pattern, [targets], line)
        self.forbidden_names = []  # (pattern, token, line)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise ListError(f"{name}: cannot read the list: {e.strerror}")
        for n, raw in enumerate(lines, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"(\S+)\s+never\s+names\s+(\S+)", line)
            if m:
                self.forbidden_names.append((m.group(1), m.group(2), n))
                continue
            m = re.fullmatch(r"(\S+)\s*->(.*)", line)
            if not m:
                raise ListError(f"{name}:{n}: expected `FROM -> TO ...` or `FROM never names X`: "
                                f"{raw.strip()}")
            targets = m.group(2).split()
            for t in [m.group(1)] + targets:
                if not any(c in t for c in "*?[") and not os.path.exists(os.path.join(src, t)):
                    raise ListError(f"{name}:{n}: src/{t} does not exist")
            self.allowed.append((m.group(1), targets, n))

    def known(self, frm):
        return any(fnmatch.fnmatchcase(frm, p) for p, _, _ in self.allowed)

    def allows_include(self, frm, to, header):
        if frm == to:
            return True
        for p, targets, _ in self.allowed:
            if fnmatch.fnmatchcase(frm, p):
                for t in targets:
                    if fnmatch.fnmatchcase(to, t) or t == header:
                        return True
        return False

    def allows_link(self, frm, to):
        """A link to a library is allowed when the list allows anything inside its folder: app may
        link refundd_dialects because it may include dialects/registry.h."""
        if frm == to:
            return True
        for p, targets, _ in self.allowed:
            if fnmatch.fnmatchcase(frm, p):
                for t in targets:
                    if fnmatch.fnmatchcase(to, t) or t.startswith(to + "/"):
                        return True
        return False

    def names_forbidden(self, frm):
        return [tok for p, tok, _ in self.forbidden_names if fnmatch.fnmatchcase(frm, p)]


def strip_comments(text):
    """The text with comments and string literals blanked out, newlines kept (so line numbers
    hold)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' and not text.startswith('R"', i - 1):
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def source_files(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTENSIONS) or name == "CMakeLists.txt":
                yield os.path.relpath(os.path.join(dirpath, name), src).replace(os.sep, "/")


def cmake_calls(text, command):
    """(line, [(token, line)]) for each call of `command` in CMake text."""
    text = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r"\b" + command + r"\s*\(", text):
        end = text.find(")", m.end())
        end = len(text) if end < 0 else end
        tokens = []
        for t in re.finditer(r"[^\s()]+", text[m.end():end]):
            tokens.append((t.group(0), text.count("\n", 0, m.end() + t.start()) + 1))
        yield tokens


def find_violations(root, layers):
    """{(file, dependency text): (line, detail)}: one entry per file and dependency, at its first
    line."""
    src = os.path.join(root, "src")
    found = {}
    problems = []
    files = list(source_files(src))
    libraries = {}  # CMake library name -> folder
    for rel in files:
        if rel.endswith("CMakeLists.txt"):
            with open(os.path.join(src, rel), encoding="utf-8") as f:
                for tokens in cmake_calls(f.read(), "add_library"):
                    if tokens:
                        libraries[tokens[0][0]] = component_of(rel)

    def report(rel, dep, line, detail):
        found.setdefault((f"src/{rel}", dep), (line, detail))

    for rel in files:
        frm = component_of(rel)
        if frm is None:
            continue
        if not layers.known(frm):
            problems.append(f"src/{rel}: src/{frm} has no line in {layers.path}")
            continue
        with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        if rel.endswith("CMakeLists.txt"):
            for tokens in cmake_calls(text, "target_link_libraries"):
                for name, line in tokens[1:]:
                    to = libraries.get(name)
                    if to is not None and not layers.allows_link(frm, to):
                        report(rel, f"{frm} -> {to}", line, f"links {name}")
            continue
        for line, raw in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(raw)
            if not m:
                continue
            header = m.group(1)
            beside = os.path.normpath(os.path.join(os.path.dirname(rel), header))
            if not beside.startswith("..") and os.path.exists(os.path.join(src, beside)):
                header = beside.replace(os.sep, "/")
            to = component_of(header)
            if to is None or not os.path.exists(os.path.join(src, header)):
                problems.append(f"src/{rel}:{line}: #include \"{m.group(1)}\" is not a file under "
                                f"src/ (include headers by their path from src/)")
                continue
            if not layers.allows_include(frm, to, header):
                report(rel, f"{frm} -> {to}", line, f'#include "{header}"')
        tokens = layers.names_forbidden(frm)
        if tokens:
            code = strip_comments(text)
            for token in tokens:
                pattern = re.compile(r"(?<![\w:])(?:\w+::)*" + re.escape(token) + r"\b")
                for line, raw in enumerate(code.splitlines(), 1):
                    if pattern.search(raw):
                        report(rel, f"{frm} names {token}", line, f"names {token}")
                        break
    return found, problems


def read_pending(path, name):
    """{(file, dependency text): line} from docs/layers-pending.txt (absent: none pending)."""
    pending = {}
    if not os.path.exists(path):
        return pending
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f.read().splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"(\S+):\s+(.+?)", line)
            if not m:
                raise ListError(f"{name}:{n}: expected `src/FILE: FROM -> TO` or "
                                f"`src/FILE: FROM names X`: {raw.strip()}")
            key = (m.group(1), re.sub(r"\s+", " ", m.group(2)))
            if key in pending:
                raise ListError(f"{name}:{n}: listed twice (first on line {pending[key]})")
            pending[key] = n
    return pending


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=here, help="the tree to check (holds src/ and docs/)")
    args = parser.parse_args()
    root = args.root
    list_name = "docs/layers.txt"
    pending_name = "docs/layers-pending.txt"
    try:
        layers = Layers(os.path.join(root, list_name), os.path.join(root, "src"), list_name)
        pending = read_pending(os.path.join(root, pending_name), pending_name)
    except ListError as e:
        print(f"check-layers: {e}", file=sys.stderr)
        return 2
    found, problems = find_violations(root, layers)

    errors = list(problems)
    warnings = []
    for (rel, dep), (line, detail) in sorted(found.items()):
        if (rel, dep) in pending:
            warnings.append(f"{rel}:{line}: {dep} ({detail}): pending in {pending_name}")
        elif " names " in dep:
            errors.append(f"{rel}:{line}: {dep}: {list_name} says it never may")
        else:
            errors.append(f"{rel}:{line}: {dep} ({detail}) is not in {list_name}")
    for (rel, dep), n in sorted(pending.items(), key=lambda kv: kv[1]):
        if (rel, dep) not in found:
            errors.append(f"{pending_name}:{n}: {rel}: {dep} no longer happens: delete the line "
                          f"(the list only shrinks)")

    for w in warnings:
        print(f"check-layers: warning: {w}", file=sys.stderr)
    for e in errors:
        print(f"check-layers: error: {e}", file=sys.stderr)
    print(f"check-layers: {len(errors)} violations, {len(warnings)} pending "
          f"({pending_name}), checked against {list_name}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
