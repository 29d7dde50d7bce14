#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing (scripts/setup.sh), builds everything, runs every test with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build="${HOOKD_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600
