#!/bin/bash
# What tracing costs hookd: three hookd processes side by side on the same
# 64-byte echo, tracing off, on at sample_ratio 0.01, and on at 1.0, all
# sending to the same collector (nginx answering every POST with 200, so
# the collector's own speed is not measured). wrk -t2 on the same machine.
# Two comparisons, off vs 0.01 then off vs 1.0, each in alternating rounds
# (order flipped every round) as access_log_cost.sh does, with each hookd's
# CPU time per request read from /proc around every run.
#
#   loadtest/scenarios/tracing_cost.sh                    # 6 rounds of 5 s per pair, 100 conns
#   DUR=5 ROUNDS=6 CONNS=100 loadtest/scenarios/tracing_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-6}
conns=${CONNS:-100}
bench_prepare tracing_cost.sh wrk python3 curl nginx

collector_port=$(free_port)
# In $work/nginx: bench_cleanup stops the nginx whose pid file is there.
start_nginx "$work/nginx" "$collector_port" "{}"
tracing() {
  printf '[tracing]\nenabled = true\ncollector_url = "http://127.0.0.1:%s/v1/traces"\nsample_ratio = %s\n' \
    "$collector_port" "$1"
}
start_hookd off "$build/cli/hookd"
start_hookd r001 "$build/cli/hookd" "" "$(tracing 0.01)"
start_hookd r1 "$build/cli/hookd" "" "$(tracing 1.0)"

post64_lua "$work/p.lua"
url() { echo "http://127.0.0.1:$1/plugins/echo/echo"; }
off_url=$(url "$off_port")
r001_url=$(url "$r001_port")
r1_url=$(url "$r1_port")
cpu_pids[$off_url]=$off_pid
cpu_pids[$r001_url]=$r001_pid
cpu_pids[$r1_url]=$r1_pid
round_runner=run_wrk_cpu

echo "hookd echo, tracing off vs on at ratio 0.01, 2 workers, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
alternate_rounds off "$off_url" ratio_0.01 "$r001_url"
cpu_report off "$off_url" ratio_0.01 "$r001_url"
echo
echo "hookd echo, tracing off vs on at ratio 1.0, 2 workers, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
alternate_rounds off "$off_url" ratio_1.0 "$r1_url"
cpu_report off "$off_url" ratio_1.0 "$r1_url"
echo
metrics() {
  curl -s -H "Authorization: Bearer t" "http://127.0.0.1:$1/metrics" |
    awk '/^hookd_trace_spans_(exported|dropped|export_failed)_total /{printf "%s=%s ", $1, $2}'
}
for n in r001 r1; do
  admin=$(sed -n 's/^admin_listen = "127.0.0.1:\([0-9]*\)"/\1/p' "$work/$n.toml")
  echo "$n: $(metrics "$admin")"
done
