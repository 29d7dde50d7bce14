#!/bin/bash
# A plugin as an HTTP handler against the echo: headers10x3/headers (a test
# plugin that reads ten request headers and sets three response headers,
# answering 64 bytes), routed at GET /bench/headers and sent ten headers by
# wrk (headers10.lua), vs the 64-byte POST to /plugins/echo/echo, on one
# hookd (2 workers), rounds alternating which goes first; the medians over
# rounds are the result, with hookd's CPU time per request on each side
# (steadier than requests/s on a shared machine). The access log is on (to a
# file) as users run it unless LOGS=0. ROUTES: the size of the route table
# (lib.sh's bench_routes; default 2, the two routes these requests use).
#
#   ROUNDS=8 DUR=5 loadtest/scenarios/handler_cost.sh
#   LOGS=0 ROUTES=1000 loadtest/scenarios/handler_cost.sh
# Instructions per request of the same two (callgrind):
#   ROUTES=2 TARGET="/plugins/echo/echo /bench/headers=loadtest/scenarios/headers10.lua" \
#     loadtest/scenarios/instructions.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
[ $# -eq 0 ] || { echo "usage: [ROUNDS=8 DUR=5 CONNS=100 LOGS=1 ROUTES=2] $0" >&2; exit 2; }
bench_prepare handler_cost.sh wrk python3 curl
[ -f "$build/plugins/headers10x3.wasm" ] || { echo "handler_cost.sh: build headers10x3 first" >&2; exit 2; }

port=$(free_port)
access=
[ "${LOGS:-1}" = 1 ] && access="$work/access.log"
ACCESS_LOG=$access hookd_config "$work/h.toml" "$port" "$(free_port)" "$work/data" t "$(bench_routes "${ROUTES:-2}" "$build/plugins")"
"$build/cli/hookd" serve --config "$work/h.toml" --plugin-dir "$build/plugins" >"$work/log" 2>&1 &
pid=$!
wait_ready "$port"
echo_url="http://127.0.0.1:$port/plugins/echo/echo"
headers_url="http://127.0.0.1:$port/bench/headers"
headers_lua="$root/loadtest/scenarios/headers10.lua"
# The handler really read the ten headers and set its three.
args=()
for i in $(seq 0 9); do args+=(-H "X-Bench-$i: value-$i-abcdefghijklmnop"); done
seen=$(curl -sf -D - -o /dev/null "${args[@]}" "$headers_url" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-bench-seen" {print $2}')
[ "$seen" = "10/240" ] || { echo "handler_cost.sh: X-Bench-Seen was '$seen', not 10/240" >&2; exit 1; }

post64_lua "$work/p.lua"
# Each measured run also records hookd's CPU time (lib.sh's cpu_report):
# steadier than requests/s when other work shares the two cores.
run_by_url() {
  local script=$work/p.lua before after out
  [ "$2" = "$headers_url" ] && script=$headers_lua
  before=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c"$conns" -d"${1}s" -s "$script" "$2")
  after=$(cpu_ticks "$pid")
  if [ "$1" = "$dur" ]; then
    echo "$2 $((after - before)) $(awk '/requests in/{print $1}' <<<"$out")" >>"$work/cpu"
  fi
  awk '/Requests\/sec/{print $2}' <<<"$out"
}
round_runner=run_by_url
echo "hookd 2 workers, access log $([ -n "$access" ] && echo on || echo off), ${ROUTES:-2} routes," \
  "wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
alternate_rounds echo "$echo_url" headers10x3 "$headers_url"
cpu_report echo "$echo_url" headers10x3 "$headers_url"
