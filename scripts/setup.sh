#!/usr/bin/env bash
# Installs what refundd needs to build and test (Debian 12 packages), then configures and builds it
# into build/. Idempotent: apt is skipped when every package is already installed, and the build is
# incremental. Environment: CI=1 (or true) turns warnings into errors; BUILD_TYPE overrides the
# default RelWithDebInfo (an optimised build with debug info); BUILD_DIR overrides build/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libsqlite3-dev libssl-dev libpq-dev libcli11-dev
  libjemalloc-dev
  libgtest-dev googletest
  python3 wrk openssl curl sqlite3 ca-certificates
  postgresql
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The tests start a private PostgreSQL server of their own (scripts/with-postgres.sh): no
  # system-wide cluster is wanted, so none is created (and nothing is started) on install.
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q 'install ok installed'; then
    "${sudo[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" |
      "${sudo[@]}" tee /etc/postgresql-common/createcluster.d/refundd.conf >/dev/null
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build_dir=${BUILD_DIR:-build}
generator=Ninja
command -v ninja >/dev/null || generator="Unix Makefiles"
# A build dir configured with another generator cannot be reused: start it again.
if [ -f "$build_dir/CMakeCache.txt" ] &&
  ! grep -qx "CMAKE_GENERATOR:INTERNAL=$generator" "$build_dir/CMakeCache.txt"; then
  echo "setup: $build_dir was configured with another generator; reconfiguring from scratch" >&2
  rm -rf "$build_dir"
fi

# CI=1 turns warnings into errors. Otherwise an existing build dir keeps its settings, so that
# `scripts/run.sh` after `CI=1 scripts/test.sh` does not reconfigure and rebuild everything.
options=()
case "${CI:-}" in 1 | true | TRUE | yes) options+=(-DREFUNDD_WERROR=ON) ;; esac
if [ -n "${BUILD_TYPE:-}" ]; then
  options+=(-DCMAKE_BUILD_TYPE="$BUILD_TYPE")
elif [ ! -f "$build_dir/CMakeCache.txt" ]; then
  options+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S . -B "$build_dir" -G "$generator" "${options[@]}" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
