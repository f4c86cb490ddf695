#!/usr/bin/env bash
# Builds refundd if needed (scripts/setup.sh) and serves. Arguments go to `refundd serve`; the
# defaults are --data ./refundd-data and --listen 127.0.0.1:8080.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh >&2
exec "${BUILD_DIR:-build}/refundd" serve "$@"
