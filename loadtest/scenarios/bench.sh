#!/usr/bin/env bash
# hookd vs nginx on this machine, in one run (docs/benchmarks.md).
#
#   DUR=10 BUILD=build OUT=bench-results loadtest/scenarios/bench.sh   (these are the defaults)
#
# Starts, on loopback and free ports, nginx serving a static `return 200` of
# the same 64-byte body (the ceiling of this machine) and hookd with the
# example plugins; runs the scenarios with wrk and hookd-load; stops everything
# it started, also on failure or Ctrl-C; prints a markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [DUR=10] [BUILD=build] [OUT=bench-results] $0" >&2; exit 2; }
duration=${DUR:-10}
build=${BUILD:-$root/build}
out=${OUT:-$root/bench-results}
hookd="$build/cli/hookd"
load="$build/loadtest/hookd-load"
plugins="$build/plugins"
for tool in "$hookd" "$load"; do [ -x "$tool" ] || { echo "missing $tool: build first (scripts/build.sh)" >&2; exit 1; }; done
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "needs nginx and wrk (scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/hookd-bench.XXXXXX)
mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM


body=$(head -c 64 /dev/zero | tr '\0' 'x')
printf '%s' "$body" >"$work/body64"
nginx_port=$(free_port); hookd_port=$(free_port); admin_port=$(free_port)

start_nginx "$work/nginx" "$nginx_port" "$body"
hookd_config "$work/hookd.toml" "$hookd_port" "$admin_port" "$work/data" bench-token
"$hookd" serve --config "$work/hookd.toml" --plugin-dir "$plugins" >"$work/hookd.log" 2>&1 &
pids+=($!)
wait_port "$nginx_port"; wait_port "$hookd_port"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
nginx_url="http://127.0.0.1:$nginx_port/"
echo_url="http://127.0.0.1:$hookd_port/plugins/echo/echo"

# wrk_run NAME URL CONNECTIONS -> "rps p99_ms"
wrk_run() {
  wrk -t2 -c"$3" -d"${duration}s" --latency -s "$work/post.lua" "$2" >"$out/wrk-$1.txt"
  python3 - "$out/wrk-$1.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
print(f"{rps:.0f} {p99:.2f}")
PY
}
# load_run NAME URL ARGS... -> "rps p99_ms errors non2xx"
load_run() {
  local name=$1; shift
  "$load" "$@" --no-progress --json "$out/load-$name.json" >"$out/load-$name.txt" 2>&1 || true
  python3 - "$out/load-$name.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("0 0 -1 -1"); sys.exit()
rps = r.get("requests_per_s", 0)
p99_ms = r.get("latency_ns", {}).get("p99", 0) / 1e6
errors = r.get("error_total", 0)
non2xx = sum(v for k, v in r.get("status", {}).items() if not str(k).startswith("2"))
print(f"{rps:.0f} {p99_ms:.2f} {errors} {non2xx}")
PY
}

echo "warming up..." >&2
wrk -t2 -c32 -d2s -s "$work/post.lua" "$echo_url" >/dev/null
wrk -t2 -c32 -d2s -s "$work/post.lua" "$nginx_url" >/dev/null

read -r n100 n100p99 < <(wrk_run nginx-c100 "$nginx_url" 100)
read -r h100 h100p99 < <(wrk_run hookd-c100 "$echo_url" 100)
read -r n32 n32p99 < <(wrk_run nginx-c32 "$nginx_url" 32)
read -r h32 h32p99 < <(wrk_run hookd-c32 "$echo_url" 32)

half=$((h100 / 2)); ninety=$((h100 * 9 / 10))
read -r _ hhalf_p99 _ _ < <(load_run hookd-open50 "$echo_url" -c 100 -t 2 -d "${duration}s" --warmup 1s -r "$half" --body-file "$work/body64" -m POST --plot "$out/hookd-open50.png")
read -r _ nhalf_p99 _ _ < <(load_run nginx-open50 "$nginx_url" -c 100 -t 2 -d "${duration}s" --warmup 1s -r "$half" --body-file "$work/body64" -m POST)
read -r _ h90_p99 _ _ < <(load_run hookd-open90 "$echo_url" -c 100 -t 2 -d "${duration}s" --warmup 1s -r "$ninety" --body-file "$work/body64" -m POST --plot "$out/hookd-open90.png")
read -r _ n90_p99 _ _ < <(load_run nginx-open90 "$nginx_url" -c 100 -t 2 -d "${duration}s" --warmup 1s -r "$ninety" --body-file "$work/body64" -m POST)

# 10 kv_get per request (kvbench.read10, a test plugin: ten reads of the
# counter's key in the embedded LMDB store, then the same 64-byte echo) vs
# echo; loadtest/scenarios/kv_cost.sh alternates the two over many rounds for
# a steadier ratio.
curl -sf -XPOST "http://127.0.0.1:$hookd_port/plugins/counter/incr" >/dev/null
curl -sf -XPUT -H "Authorization: Bearer bench-token" \
  -H 'X-Hookd-Settings: {"grants":{"kv":{"namespace":"counter","mode":"r"}}}' \
  --data-binary @"$plugins/kvbench.wasm" "http://127.0.0.1:$admin_port/admin/plugins/kvbench" >/dev/null
read -r kv10 kv10p99 _ _ < <(load_run kv10 "http://127.0.0.1:$hookd_port/plugins/kvbench/read10" -c 100 -t 2 -d "${duration}s" -m POST --body-file "$work/body64")
read -r echo_hl _ _ _ < <(load_run echo-closed "$echo_url" -c 100 -t 2 -d "${duration}s" -m POST --body-file "$work/body64")

printf '{"name":"%s"}' "$(printf 'x%.0s' $(seq 1 4000))" >"$work/greet.json"
read -r greet_rps greet_p99 _ _ < <(load_run greet-json "http://127.0.0.1:$hookd_port/plugins/greet/greet" -c 32 -t 2 -d "${duration}s" \
  --body-file "$work/greet.json" -m POST -H "Content-Type: application/json")
read -r ws_rps ws_p99 _ _ < <(load_run ws-echo "ws://127.0.0.1:$hookd_port/plugins/echo/echo" -c 32 -t 2 -d "${duration}s" --ws-binary --body-file "$work/body64")

# Hot replace under load: 50 replacements of "ver" while requests run.
curl -sf -XPUT -H "Authorization: Bearer bench-token" --data-binary @"$plugins/version_a.wasm" \
  "http://127.0.0.1:$admin_port/admin/plugins/ver" >/dev/null
"$load" "http://127.0.0.1:$hookd_port/plugins/ver/which" -m POST -c 16 -t 1 -d "$((duration + 20))s" --no-progress \
  --json "$out/load-hot-replace.json" >"$out/load-hot-replace.txt" 2>&1 &
loadpid=$!
replace_fail=0
for i in $(seq 50); do
  v=$([ $((i % 2)) = 0 ] && echo version_a || echo version_b)
  curl -sf -XPUT -H "Authorization: Bearer bench-token" --data-binary @"$plugins/$v.wasm" \
    "http://127.0.0.1:$admin_port/admin/plugins/ver" >/dev/null || replace_fail=$((replace_fail + 1))
done
kill -INT "$loadpid" 2>/dev/null || true
wait "$loadpid" 2>/dev/null || true
read -r hot_rps _ hot_errors hot_non2xx < <(python3 - "$out/load-hot-replace.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("0 0 -1 -1"); sys.exit()
errs = r.get("error_total", 0)
non2xx = sum(v for k, v in r.get("status", {}).items() if not str(k).startswith("2"))
print(f"{r.get('requests_per_s', 0):.0f} 0 {errs} {non2xx}")
PY
)

# A plugin waiting 2 s on a slow upstream must not stall other plugins:
# echo's open-loop p99 idle vs while 16 fetches to a 2 s upstream are pending.
slow_port=$(free_port)
python3 "$root/loadtest/scenarios/slow_upstream.py" "$slow_port" >"$work/slow.log" 2>&1 &
pids+=($!)
wait_port "$slow_port"
curl -sf -XPUT -H "Authorization: Bearer bench-token" \
  -H "X-Hookd-Settings: {\"deadline_ms\":10000,\"config\":{\"upstream\":\"http://127.0.0.1:$slow_port/slow\"},\"grants\":{\"config\":true,\"fetch\":[\"http://127.0.0.1:$slow_port\"]}}" \
  --data-binary @"$plugins/fetchproxy.wasm" "http://127.0.0.1:$admin_port/admin/plugins/fetchproxy" >/dev/null
read -r _ idle_p99 _ _ < <(load_run echo-idle "$echo_url" -c 32 -t 1 -d "${duration}s" -r "$half" --body-file "$work/body64" -m POST)
"$load" "http://127.0.0.1:$hookd_port/plugins/fetchproxy/get" -m POST -c 16 -t 1 -d "$((duration + 4))s" --no-progress \
  --json "$out/load-slow-fetch.json" >"$out/load-slow-fetch.txt" 2>&1 &
slowload=$!
sleep 2
read -r _ busy_p99 _ _ < <(load_run echo-during-fetch "$echo_url" -c 32 -t 1 -d "${duration}s" -r "$half" --body-file "$work/body64" -m POST)
wait "$slowload" 2>/dev/null || true
fetch_done=$(python3 -c "import json; r=json.load(open('$out/load-slow-fetch.json')); print(r['status'].get('200', 0))" 2>/dev/null || echo 0)

"$build/tests/bench/engine_benchmark" --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true >"$out/engine-benchmark.txt" 2>&1 || true

ratio() { python3 -c "print(f'{100*$1/$2:.0f}%')"; }
cat <<TABLE | tee "$out/summary.md"
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); ${duration}s per run.
hookd: 2 workers, access log off; nginx: 2 worker processes, access log off; wrk -t2.

| scenario | nginx req/s | hookd req/s | hookd/nginx | nginx p99 | hookd p99 |
| --- | ---: | ---: | ---: | ---: | ---: |
| 64 B POST echo vs static, 100 conns (wrk) | $n100 | $h100 | $(ratio "$h100" "$n100") | ${n100p99} ms | ${h100p99} ms |
| 64 B POST echo vs static, 32 conns (wrk) | $n32 | $h32 | $(ratio "$h32" "$n32") | ${n32p99} ms | ${h32p99} ms |
| open loop at 50% of hookd peak ($half/s), 100 conns (hookd-load) | | | | ${nhalf_p99} ms | ${hhalf_p99} ms |
| open loop at 90% of hookd peak ($ninety/s), 100 conns (hookd-load) | | | | ${n90_p99} ms | ${h90_p99} ms |

| hookd scenario | req/s | p99 |
| --- | ---: | ---: |
| 4 KB JSON -> msgpack -> greet -> JSON, 32 conns | $greet_rps | ${greet_p99} ms |
| WebSocket echo 64 B, 32 conns (messages/s) | $ws_rps | ${ws_p99} ms |
| 10 kv_get per request (LMDB), 100 conns (hookd-load; echo in the same setup: $echo_hl/s) | $kv10 | ${kv10p99} ms |
| echo open loop at $half/s: p99 idle vs with 16 fetches to a 2 s upstream pending ($fetch_done fetches completed) | | idle ${idle_p99} ms, during ${busy_p99} ms |
| hot replace x50 under load (16 conns) | $hot_rps | errors $hot_errors, non-2xx $hot_non2xx, failed PUTs $replace_fail |

Engine (Google Benchmark, median):
$(grep -E "_median" "$out/engine-benchmark.txt" | awk '{printf "- %s: %s %s\n", $1, $2, $3}')
TABLE
