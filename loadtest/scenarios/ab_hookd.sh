#!/bin/bash
# Two hookd binaries side by side on the 64-byte echo: a change to the
# request path measured against the build before it, in one run. Both run
# the same config (2 workers) on their own ports, rounds alternate them
# (order flipped every round) and the result is the median B/A of the rate
# and of the CPU time per request (lib.sh cpu_report).
#
#   cp build/cli/hookd /tmp/hookd.before     # before the change
#   ...build...
#   loadtest/scenarios/ab_hookd.sh /tmp/hookd.before build/cli/hookd
#   LOGS=1 ROUNDS=10 DUR=5 CONNS=100 loadtest/scenarios/ab_hookd.sh A B   # access log on for both
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# = 2 ] || { echo "usage: $0 HOOKD_A HOOKD_B" >&2; exit 2; }
a_bin=$(realpath "$1")
b_bin=$(realpath "$2")
for b in "$a_bin" "$b_bin"; do [ -x "$b" ] || { echo "ab_hookd.sh: $b is not executable" >&2; exit 2; }; done
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare ab_hookd.sh wrk python3 curl

access_a= access_b=
[ "${LOGS:-0}" = 1 ] && access_a="$work/a-access.log" access_b="$work/b-access.log"
start_hookd a "$a_bin" "$access_a"
start_hookd b "$b_bin" "$access_b"
a_url="http://127.0.0.1:$a_port/plugins/echo/echo"
b_url="http://127.0.0.1:$b_port/plugins/echo/echo"
body=$(printf 'x%.0s' $(seq 64))
for url in "$a_url" "$b_url"; do
  out=$(curl -sf -XPOST "$url" -d "$body")
  [ "$out" = "$body" ] || { echo "ab_hookd.sh: $url answered '$out'" >&2; exit 1; }
done

post64_lua "$work/p.lua"
echo "hookd A ($a_bin) vs B ($b_bin): 64 B echo, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds, access log $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
cpu_pids[$a_url]=$a_pid
cpu_pids[$b_url]=$b_pid
round_runner=run_wrk_cpu
alternate_rounds A "$a_url" B "$b_url"
cpu_report A "$a_url" B "$b_url"
