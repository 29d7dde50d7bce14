#!/bin/bash
# The peers of hookd's Extism and waPC adapters: Extism's own JavaScript host
# (@extism/extism) and waPC's (@wapc/host) on Node, running the same
# AssemblyScript plugins hookd's engine benchmark runs (echo and
# count-vowels, 64-byte input, in-process). Prints the median ns per call of
# each; compare with `engine_benchmark --benchmark_filter='Extism|WaPC'` run
# in the same session (docs/benchmarks.md).
#
#   loadtest/scenarios/abi_peers.sh                      # 15 rounds of 20000 calls each
#   PEER_ROUNDS=15 PEER_ITERATIONS=20000 loadtest/scenarios/abi_peers.sh
#   BUILD=build-release loadtest/scenarios/abi_peers.sh  # plugins of another build dir
#
# The hosts are npm packages pinned in loadtest/peers (package.json + lock),
# installed into loadtest/peers/node_modules (gitignored) by scripts/setup.sh
# or, when missing, by this script; hookd itself never runs them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
peers="$root/loadtest/peers"
plugins="$build/plugins"

command -v node >/dev/null || { echo "abi_peers.sh: node is required (scripts/setup.sh)" >&2; exit 2; }
for p in as_extism_echo as_extism_count_vowels as_wapc_echo as_wapc_count_vowels extism_raw_kernel; do
  [ -f "$plugins/$p.wasm" ] || { echo "abi_peers.sh: build the plugins first (scripts/build.sh hookd_plugins): $plugins/$p.wasm" >&2; exit 2; }
done
if [ ! -f "$peers/node_modules/.package-lock.json" ] || [ "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]; then
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "# node $(node --version), @extism/extism $(node -p "require('$peers/node_modules/@extism/extism/package.json').version")," \
  "@wapc/host $(node -p "require('$peers/node_modules/@wapc/host/package.json').version"); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# NODE_NO_WARNINGS: Extism's host loads node:wasi, which warns it is experimental.
NODE_NO_WARNINGS=1 node "$peers/extism_bench.mjs" "$plugins"
NODE_NO_WARNINGS=1 node "$peers/wapc_bench.mjs" "$plugins"
