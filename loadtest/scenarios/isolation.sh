#!/usr/bin/env bash
# Slow-fetch isolation: echo's open-loop p99 with nothing else running vs while
# a plugin's fetches wait on a 2 s upstream, in alternating rounds (the box's
# own noise shows up as the spread between rounds of the same kind).
#
#   ROUNDS=5 DUR=6 RATE=20000 BUILD=build loadtest/scenarios/isolation.sh   (these are the defaults)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [ROUNDS=5] [DUR=6] [RATE=20000] [BUILD=build] $0" >&2; exit 2; }
rounds=${ROUNDS:-5} duration=${DUR:-6} rate=${RATE:-20000} build=${BUILD:-$root/build} fetchers=16
hookd="$build/cli/hookd" load="$build/loadtest/hookd-load"
for tool in "$hookd" "$load"; do [ -x "$tool" ] || { echo "missing $tool: build first" >&2; exit 1; }; done

work=$(mktemp -d /tmp/hookd-iso.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

port=$(free_port) admin=$(free_port) slow=$(free_port)
python3 "$root/loadtest/scenarios/slow_upstream.py" "$slow" >/dev/null 2>&1 &
pids+=($!)
hookd_config "$work/hookd.toml" "$port" "$admin" "$work/data" t
"$hookd" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/hookd.log" 2>&1 &
pids+=($!)
wait_port "$port"; wait_port "$slow"
curl -sf -XPUT -H "Authorization: Bearer t" \
  -H "X-Hookd-Settings: {\"deadline_ms\":30000,\"config\":{\"upstream\":\"http://127.0.0.1:$slow/slow\"},\"grants\":{\"config\":true,\"fetch\":[\"http://127.0.0.1:$slow\"]}}" \
  --data-binary @"$build/plugins/fetchproxy.wasm" "http://127.0.0.1:$admin/admin/plugins/fetchproxy" >/dev/null
head -c 64 /dev/zero | tr '\0' x >"$work/body"

echo_p99() {  # prints p99 in ms of one open-loop echo run
  "$load" "http://127.0.0.1:$port/plugins/echo/echo" -c 32 -t 1 -d "${duration}s" --warmup 1s -r "$rate" \
    --body-file "$work/body" -m POST --no-progress --json "$work/r.json" >/dev/null 2>&1 || true
  python3 -c "import json; r=json.load(open('$work/r.json')); print(f\"{r['latency_ns']['p99']/1e6:.2f} {r.get('error_total',0)}\")"
}
echo_p99 >/dev/null  # warm-up
idle=() busy=()
for r in $(seq "$rounds"); do
  read -r p e < <(echo_p99); idle+=("$p")
  "$load" "http://127.0.0.1:$port/plugins/fetchproxy/get" -m POST -c "$fetchers" -t 1 -d "$((duration + 3))s" \
    --no-progress --json "$work/f.json" >/dev/null 2>&1 &
  f=$!
  sleep 1
  read -r p e2 < <(echo_p99); busy+=("$p")
  wait "$f" || true
  done_fetches=$(python3 -c "import json; print(json.load(open('$work/f.json'))['status'].get('200', 0))")
  echo "round $r: echo p99 idle ${idle[-1]} ms, during $fetchers pending 2 s fetches ${busy[-1]} ms (errors $e/$e2; $done_fetches fetches answered 200)"
done
python3 - "${idle[*]}" "${busy[*]}" <<'PY'
import statistics, sys
idle = [float(x) for x in sys.argv[1].split()]
busy = [float(x) for x in sys.argv[2].split()]
mi, mb = statistics.median(idle), statistics.median(busy)
print(f"median p99: idle {mi:.2f} ms, during fetches {mb:.2f} ms ({100*(mb/mi-1):+.0f}%); "
      f"idle rounds spread {min(idle):.2f}-{max(idle):.2f} ms")
PY
