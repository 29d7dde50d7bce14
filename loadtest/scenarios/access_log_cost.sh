#!/bin/bash
# What hookd's access log costs it: two hookd processes side by side, one
# logging every request to a file (the default batching), one not, the same
# 64-byte echo, wrk -t2 on the same machine. Rounds alternate the two (order
# flipped every round); the median of the per-round ratios is the result.
# Throughput on two shared cores moves by +-15% a round, so the script also
# reads each hookd's CPU time (utime + stime from /proc) around every run:
# CPU microseconds per request, logging vs not, is the log's own cost,
# whatever the scheduler did to the rate.
#
#   loadtest/scenarios/access_log_cost.sh                  # 8 rounds of 5 s, 100 conns
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/scenarios/access_log_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare access_log_cost.sh wrk python3 curl

start_hookd off "$build/cli/hookd"
start_hookd on "$build/cli/hookd" "$work/access.log"

post64_lua "$work/p.lua"
off_url="http://127.0.0.1:$off_port/plugins/echo/echo"
on_url="http://127.0.0.1:$on_port/plugins/echo/echo"
cpu_pids[$off_url]=$off_pid
cpu_pids[$on_url]=$on_pid
round_runner=run_wrk_cpu

echo "hookd echo, access log off vs on (to a file), 2 workers, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
alternate_rounds off "$off_url" on "$on_url"
echo "$(wc -l <"$work/access.log") lines logged"
cpu_report off "$off_url" on "$on_url"
