#!/bin/bash
# What hookd's access log costs it: two hookd processes side by side, one
# logging every request to a file (the default batching), one not, the same
# 64-byte echo, wrk -t2 on the same machine. Rounds alternate the two (order
# flipped every round); the median of the per-round ratios is the result.
#
#   loadtest/access_log_cost.sh                  # 8 rounds of 5 s, 100 conns
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/access_log_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/loadtest/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare access_log_cost.sh wrk python3 curl

off_port=$(free_port)
on_port=$(free_port)
hookd_config "$work/off.toml" "$off_port" "$(free_port)" "$work/data-off" t
ACCESS_LOG="$work/access.log" hookd_config "$work/on.toml" "$on_port" "$(free_port)" "$work/data-on" t
"$build/cli/hookd" serve --config "$work/off.toml" --plugin-dir "$build/plugins" >"$work/off.log" 2>&1 &
pid=$!
"$build/cli/hookd" serve --config "$work/on.toml" --plugin-dir "$build/plugins" >"$work/on.log" 2>&1 &
pid_on=$!
trap 'kill $pid_on 2>/dev/null; wait $pid_on 2>/dev/null; bench_cleanup' EXIT INT TERM
wait_ready "$off_port"
wait_ready "$on_port"

post64_lua "$work/p.lua"
echo "hookd echo, access log off vs on (to a file), 2 workers, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
alternate_rounds off "http://127.0.0.1:$off_port/plugins/echo/echo" on "http://127.0.0.1:$on_port/plugins/echo/echo"
echo "$(wc -l <"$work/access.log") lines logged"
