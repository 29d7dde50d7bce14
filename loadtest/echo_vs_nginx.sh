#!/bin/bash
# hookd's 64-byte echo against nginx serving the same 64 bytes with
# `return 200`, both with 2 workers, wrk -t2 on the same machine. Rounds
# alternate the two (order flipped every round) and each round gives its own
# ratio; the median over rounds is the result (single runs on a small shared
# machine move by 10-20%). It also prints each server's CPU time per
# request (lib.sh cpu_report), which does not depend on the scheduler.
#
#   loadtest/echo_vs_nginx.sh                    # 8 rounds of 5 s, 100 conns
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/echo_vs_nginx.sh
#   LOGS=1 loadtest/echo_vs_nginx.sh             # access logs on for both, to files
#                                                # (nginx buffer=64k flush=1s; hookd's default batching)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/loadtest/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare echo_vs_nginx.sh wrk nginx python3 curl

nginx_port=$(free_port)
hookd_port=$(free_port)
admin_port=$(free_port)
body=$(printf 'x%.0s' $(seq 64))
if [ "${LOGS:-0}" = 1 ]; then
  export NGINX_ACCESS_LOG="$work/nginx-access.log" ACCESS_LOG="$work/hookd-access.log"
fi
start_nginx "$work/nginx" "$nginx_port" "$body"
hookd_config "$work/hookd.toml" "$hookd_port" "$admin_port" "$work/data" t
"$build/cli/hookd" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/log" 2>&1 &
pid=$!
wait_ready "$hookd_port"
out=$(curl -sf -XPOST "http://127.0.0.1:$hookd_port/plugins/echo/echo" -d "$body")
[ "$out" = "$body" ] || { echo "echo_vs_nginx.sh: hookd echo answered '$out'" >&2; exit 1; }

post64_lua "$work/p.lua"
echo "hookd echo vs nginx return 200 (64 B), 2 workers each, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds, access logs $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
nginx_url="http://127.0.0.1:$nginx_port/"
hookd_url="http://127.0.0.1:$hookd_port/plugins/echo/echo"
nginx_master=$(cat "$work/nginx/nginx.pid")
cpu_pids[$nginx_url]="$nginx_master $(pgrep -P "$nginx_master" | tr '\n' ' ')"
cpu_pids[$hookd_url]=$pid
round_runner=run_wrk_cpu
alternate_rounds nginx "$nginx_url" hookd "$hookd_url"
cpu_report nginx "$nginx_url" hookd "$hookd_url"
