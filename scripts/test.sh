#!/usr/bin/env bash
# Builds refundd (scripts/setup.sh) and runs every registered test with ctest: the C++ unit and
# store tests and the black-box integration suite (tests/integration). Exits non-zero on any
# failure, and when no test ran at all. Extra arguments go to ctest (e.g. -R integration).
# REFUNDD_NO_PG=1 runs without the private PostgreSQL server.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh

build_dir=${BUILD_DIR:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Beside a private PostgreSQL server (scripts/with-postgres.sh) when one can be started, so that
# the PostgreSQL store runs the same contract and integration tests as SQLite (they skip
# themselves without it).
beside=()
if [ -z "${REFUNDD_TEST_PG_URL:-}" ] && [ -z "${REFUNDD_NO_PG:-}" ] &&
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  beside=(scripts/with-postgres.sh)
fi

rc=0
"${beside[@]}" ctest --test-dir "$build_dir" --output-on-failure --no-tests=error "$@" 2>&1 |
  tee "$log" || rc=$?

# ctest closes with "NN% tests passed, F tests failed out of T".
line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
if [ -n "$line" ]; then
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)$' "$log" || true)
  passed=$((total - failed - skipped))
  # The plain closing line that CI reads: "N passed, N failed", one word and a colon before it.
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  if [ "$failed" -ne 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
else
  echo "test.sh: ctest printed no summary (no tests ran?)" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
