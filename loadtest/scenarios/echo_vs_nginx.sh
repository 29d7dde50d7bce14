#!/bin/bash
# hookd's 64-byte echo against nginx serving the same 64 bytes with
# `return 200`, both with 2 workers, wrk -t2 on the same machine. Rounds
# alternate the two (order flipped every round) and each round gives its own
# ratio; the median over rounds is the result (single runs on a small shared
# machine move by 10-20%). It also prints each server's CPU time per
# request (lib.sh cpu_report), which does not depend on the scheduler.
#
#   loadtest/scenarios/echo_vs_nginx.sh                    # 8 rounds of 5 s, 100 conns
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/scenarios/echo_vs_nginx.sh
#   LOGS=1 loadtest/scenarios/echo_vs_nginx.sh             # access logs on for both, to files
#                                                # (nginx buffer=64k flush=1s; hookd's default batching)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare echo_vs_nginx.sh wrk nginx python3 curl

start_echo_pair echo_vs_nginx.sh

post64_lua "$work/p.lua"
echo "hookd echo vs nginx return 200 (64 B), 2 workers each, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds, access logs $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
nginx_master=$(cat "$work/nginx/nginx.pid")
cpu_pids[$nginx_url]="$nginx_master $(pgrep -P "$nginx_master" | tr '\n' ' ')"
cpu_pids[$hookd_url]=$pid
round_runner=run_wrk_cpu
alternate_rounds nginx "$nginx_url" hookd "$hookd_url"
cpu_report nginx "$nginx_url" hookd "$hookd_url"
