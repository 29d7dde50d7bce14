#!/usr/bin/env bash
# A plugin fetch (fetchproxy, call deadline 1 s) from an upstream whose
# trailers never end: how long the call takes to answer, what it answers, and
# hookd's peak RSS (VmHWM) before and after.
#
#   BUILD=build DEADLINE_MS=1000 loadtest/scenarios/fetch_trailers_probe.sh   (these are the defaults)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [BUILD=build] [DEADLINE_MS=1000] $0" >&2; exit 2; }
build=${BUILD:-$root/build} deadline=${DEADLINE_MS:-1000}
hookd="$build/cli/hookd"
[ -x "$hookd" ] || { echo "missing $hookd: build first" >&2; exit 1; }

work=$(mktemp -d /tmp/hookd-trailers.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

port=$(free_port) admin=$(free_port) upstream=$(free_port)
python3 "$root/loadtest/scenarios/hostile_upstream.py" "$upstream" >"$work/upstream.log" 2>&1 &
pids+=($!)
hookd_config "$work/hookd.toml" "$port" "$admin" "$work/data" t
"$hookd" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/hookd.log" 2>&1 &
pid=$!
pids+=($pid)
wait_port "$upstream"
wait_ready "$port"
curl -sf -XPUT -H "Authorization: Bearer t" \
  -H "X-Hookd-Settings: {\"deadline_ms\":$deadline,\"config\":{\"upstream\":\"http://127.0.0.1:$upstream/\"},\"grants\":{\"config\":true,\"fetch\":[\"http://127.0.0.1:$upstream\"]}}" \
  --data-binary @"$build/plugins/fetchproxy.wasm" "http://127.0.0.1:$admin/admin/plugins/fetchproxy" >/dev/null
rss() { awk '/VmHWM/ {print int($2 / 1024) " MB"}' "/proc/$pid/status"; }
echo "hookd peak RSS before: $(rss)"
start=$SECONDS
( while sleep 1; do echo "  t+$((SECONDS - start))s RSS $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"; done ) &
sampler=$!
pids+=($sampler)
curl -s -o "$work/body" -w 'answer: %{http_code} after %{time_total} s\n' -XPOST \
  --max-time "${MAX_TIME:-60}" "http://127.0.0.1:$port/plugins/fetchproxy/get" || true
kill "$sampler" 2>/dev/null || true
echo "body: $(head -c 200 "$work/body")"
echo "hookd peak RSS after: $(rss)"
sleep 0.5
tail -1 "$work/upstream.log"
