#!/bin/bash
# Two hookd binaries side by side on the 64-byte echo: a change to the
# request path measured against the build before it, in one run. Both run
# the same config (2 workers) on their own ports, rounds alternate them
# (order flipped every round) and the result is the median B/A of the rate
# and of the CPU time per request (lib.sh cpu_report).
#
#   cp build/cli/hookd /tmp/hookd.before     # before the change
#   ...build...
#   loadtest/ab_hookd.sh /tmp/hookd.before build/cli/hookd
#   LOGS=1 ROUNDS=10 DUR=5 CONNS=100 loadtest/ab_hookd.sh A B   # access log on for both
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/loadtest/lib.sh"
[ $# = 2 ] || { echo "usage: $0 HOOKD_A HOOKD_B" >&2; exit 2; }
a_bin=$(realpath "$1")
b_bin=$(realpath "$2")
for b in "$a_bin" "$b_bin"; do [ -x "$b" ] || { echo "ab_hookd.sh: $b is not executable" >&2; exit 2; }; done
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
bench_prepare ab_hookd.sh wrk python3 curl

body=$(printf 'x%.0s' $(seq 64))
start_one() {  # NAME BINARY -> sets port_NAME, pid_NAME
  local name=$1 bin=$2 port admin
  port=$(free_port)
  admin=$(free_port)
  local access=
  [ "${LOGS:-0}" = 1 ] && access="$work/$name-access.log"
  ACCESS_LOG=$access hookd_config "$work/$name.toml" "$port" "$admin" "$work/$name-data" t
  "$bin" serve --config "$work/$name.toml" --plugin-dir "$build/plugins" >"$work/$name.log" 2>&1 &
  eval "pid_$name=$!; port_$name=$port"
  wait_ready "$port"
  local out
  out=$(curl -sf -XPOST "http://127.0.0.1:$port/plugins/echo/echo" -d "$body")
  [ "$out" = "$body" ] || { echo "ab_hookd.sh: $bin's echo answered '$out'" >&2; exit 1; }
}
start_one a "$a_bin"
start_one b "$b_bin"
# bench_cleanup stops $pid; the other one is stopped here.
pid=$pid_a
trap 'kill "$pid_b" 2>/dev/null; bench_cleanup' EXIT INT TERM

post64_lua "$work/p.lua"
echo "hookd A ($a_bin) vs B ($b_bin): 64 B echo, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds, access log $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
a_url="http://127.0.0.1:$port_a/plugins/echo/echo"
b_url="http://127.0.0.1:$port_b/plugins/echo/echo"
cpu_pids[$a_url]=$pid_a
cpu_pids[$b_url]=$pid_b
round_runner=run_wrk_cpu
alternate_rounds A "$a_url" B "$b_url"
cpu_report A "$a_url" B "$b_url"
