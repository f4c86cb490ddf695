#!/usr/bin/env bash
# Builds refundd if needed (scripts/setup.sh) and serves. Arguments go to `refundd serve`; the
# defaults are --data ./refundd-data and --listen 127.0.0.1:8080.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh >&2
build_dir=${BUILD_DIR:-build}
# build/refundd when the target's output directory is the build root, else where CMake's
# per-folder layout puts it.
for bin in "$build_dir/refundd" "$build_dir/src/app/refundd"; do
  [ -x "$bin" ] && exec "$bin" serve "$@"
done
echo "run.sh: no refundd binary under $build_dir" >&2
exit 1
