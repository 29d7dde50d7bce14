#!/usr/bin/env bash
# Configures and builds the sanitizer build (AddressSanitizer + UBSan on
# hookd's code, plus the libFuzzer targets): everything, or the targets given.
# Build dir: $HOOKD_ASAN_BUILD_DIR, default build-asan. Benchmarks are left
# out (they have no tests), and the code is built with -O1 -g1 (what ASan
# recommends; compiles faster than -O2 -g, with line numbers in reports).
# The wasm plugins do not depend on the host's flags: they are built once, in
# the main build dir ($HOOKD_BUILD_DIR, default build; configured if missing),
# and copied here (HOOKD_PLUGINS_FROM in cmake/HookdPlugin.cmake).
# docs/security/fuzzing.md explains the set-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${HOOKD_ASAN_BUILD_DIR:-$root/build-asan}"
plugins_from="${HOOKD_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DHOOKD_SANITIZE=address,undefined -DHOOKD_FUZZ=ON -DHOOKD_BUILD_BENCHMARKS=OFF \
    "-DHOOKD_PLUGINS_FROM=$plugins_from" >/dev/null
fi
HOOKD_BUILD_DIR="$build" exec "$root/scripts/build.sh" "$@"
