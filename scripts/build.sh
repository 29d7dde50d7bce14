#!/usr/bin/env bash
# Configures and builds hookd (everything, or the targets given). Two jobs by
# default: the machines have two cores and Beast translation units are heavy.
# HOOKD_CMAKE_ARGS: extra cmake arguments for the first configure of the build
# dir (e.g. -DHOOKD_BUILD_BENCHMARKS=OFF, what scripts/test.sh passes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${HOOKD_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086 # word splitting wanted: a list of -D arguments
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${HOOKD_CMAKE_ARGS:-} >/dev/null
fi
if [ $# -gt 0 ]; then
  cmake --build "$build" -j "${HOOKD_JOBS:-2}" --target "$@"
else
  cmake --build "$build" -j "${HOOKD_JOBS:-2}"
fi
