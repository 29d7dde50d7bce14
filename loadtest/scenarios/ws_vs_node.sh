#!/bin/bash
# hookd's WebSocket echo against a Node.js peer (the WebSocket echo target): a Node
# `cluster` of 2 workers, each a `ws` server running every message through
# waPC's JavaScript host (@wapc/host) and the waPC AssemblyScript echo plugin
# (loadtest/peers/ws_wapc_server.mjs). hookd: 2 workers, the echo example on
# /plugins/echo/echo, access log off. The same client for both: hookd-load,
# binary 64-byte messages, CONNS connections, 2 threads. Rounds alternate the
# two (order flipped every round); each round gives its own ratio and the
# median over rounds is the result.
#
#   loadtest/scenarios/ws_vs_node.sh                     # 6 rounds of 5 s, 32 conns
#   DUR=5 ROUNDS=6 CONNS=32 loadtest/scenarios/ws_vs_node.sh
#
# The Node packages are pinned in loadtest/peers (package.json + lock) and
# installed by scripts/setup.sh, or here when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-6}
conns=${CONNS:-32}
peers="$root/loadtest/peers"
load="$build/loadtest/hookd-load"
bench_prepare ws_vs_node.sh node npm python3 curl
[ -x "$load" ] || { echo "ws_vs_node.sh: build hookd-load first ($load)" >&2; exit 2; }
for p in echo as_wapc_echo; do
  [ -f "$build/plugins/$p.wasm" ] || { echo "ws_vs_node.sh: build the plugins first (scripts/build.sh hookd_plugins): $p.wasm" >&2; exit 2; }
done
if [ ! -f "$peers/node_modules/.package-lock.json" ] || [ "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]; then
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
node_pid=
cleanup_all() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null; fi
  bench_cleanup
}
trap cleanup_all EXIT INT TERM

hookd_port=$(free_port)
admin_port=$(free_port)
node_port=$(free_port)
hookd_config "$work/hookd.toml" "$hookd_port" "$admin_port" "$work/data" t
"$build/cli/hookd" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/hookd.log" 2>&1 &
pid=$!
WORKERS=2 node "$peers/ws_wapc_server.mjs" "$node_port" "$build/plugins/as_wapc_echo.wasm" >"$work/node.log" 2>&1 &
node_pid=$!
wait_ready "$hookd_port"
for _ in $(seq 100); do grep -q '^ready' "$work/node.log" && break; sleep 0.1; done
grep -q '^ready' "$work/node.log" || { echo "ws_vs_node.sh: the Node peer did not start:" >&2; cat "$work/node.log" >&2; exit 1; }

head -c 64 /dev/zero | tr '\0' 'x' >"$work/body64"
hookd_url="ws://127.0.0.1:$hookd_port/plugins/echo/echo"
node_url="ws://127.0.0.1:$node_port/plugins/echo/echo"
# ws_run SECONDS URL -> messages/s (0 when the run had errors or no replies)
ws_run() {
  "$load" "$2" -c "$conns" -t 2 -d "${1}s" --ws-binary --body-file "$work/body64" --no-progress \
    --json "$work/run.json" >"$work/run.txt" 2>&1 || true
  python3 - "$work/run.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print(0); sys.exit()
print(f"{r.get('requests_per_s', 0):.0f}" if r.get("error_total", 0) == 0 else 0)
PY
}
# Both answer the message unchanged before anything is measured.
for url in "$hookd_url" "$node_url"; do
  "$load" "$url" -c 1 -n 10 --ws-binary --body-file "$work/body64" --no-progress --json "$work/check.json" >/dev/null 2>&1 || true
  python3 -c "import json,sys; r=json.load(open('$work/check.json')); sys.exit(r.get('error_total',1) != 0 or r.get('requests', 0) < 10)" ||
    { echo "ws_vs_node.sh: $url does not echo"; cat "$work/node.log" >&2; exit 1; }
done

echo "# WebSocket echo, 64 B binary, hookd-load -c$conns -t2, ${dur}s per run, $rounds rounds; node $(node --version)," \
  "ws $(node -p "require('$peers/node_modules/ws/package.json').version"), @wapc/host" \
  "$(node -p "require('$peers/node_modules/@wapc/host/package.json').version"); load: $(cut -d' ' -f1-3 /proc/loadavg)"
round_runner=ws_run round_unit=msg/s alternate_rounds node+waPC "$node_url" hookd "$hookd_url"
echo "target: hookd >= 150% of the Node peer"
