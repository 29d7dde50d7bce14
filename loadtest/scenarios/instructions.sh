#!/bin/bash
# User-space instructions per request of hookd's 64-byte echo, counted by
# callgrind: a figure that does not move with the scheduler, the VM or the
# load generator, unlike requests/s on a shared 2-core machine (where single
# rounds move by 15-30%). It compares two builds of the request path to a
# fraction of a percent; it says nothing about the kernel's share (two
# thirds of a request's CPU here, docs/benchmarks.md).
#
#   loadtest/scenarios/instructions.sh [HOOKD...]          # default build/cli/hookd
#   LOGS=1 loadtest/scenarios/instructions.sh A B          # access log on (to a file)
#   loadtest/scenarios/instructions.sh nginx build/cli/hookd   # "nginx": nginx's `return 200` of the
#                                                # same 64 bytes (one process, lib.sh's config;
#                                                # LOGS=1: its buffered access log)
#   DUR=10 TOP=30 loadtest/scenarios/instructions.sh A B   # longer; print the top 30 functions (inclusive)
#   ROUTES=1000 TARGET="/plugins/echo/echo /api/v1/echo/7" loadtest/scenarios/instructions.sh
#       # a table of 1,000 routes (lib.sh's bench_routes: POST /api/v1/echo/{id}
#       # to echo, GET /bench/headers to headers10x3, the rest fillers to echo);
#       # each binary is measured at each target in turn (a fresh valgrind each)
#   TARGET="/plugins/echo/echo /bench/headers=FILE.lua"      # PATH=LUA: that wrk script
#       # instead of the 64-byte POST (loadtest/scenarios/handler_cost.sh)
#   EXTRA_TOML=$'[tracing]\nenabled = true\n...' loadtest/scenarios/instructions.sh
#       # more settings in every hookd's config (tracing_cost.sh's instruction counts)
#   KEEP=DIR loadtest/scenarios/instructions.sh A B         # keep the callgrind files (and the
#       # request count) in DIR, for callgrind_annotate of two builds side by side
#
# Each binary runs under valgrind (about 50x slower), warms up for 10 s (V8's
# tier-up and wrapper compilation happen there), then counts only the
# measured window (callgrind_control toggles collection), all threads.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-10}
bench_prepare instructions.sh valgrind callgrind_control wrk curl
[ $# -gt 0 ] || set -- "$build/cli/hookd"

# count_window NAME URL VALGRIND_PID WARMUP_SECONDS [SCRIPT]: warms the server under
# valgrind up with wrk, counts DUR seconds of requests, stops it and prints
# its instructions per request; sets n (requests).
count_window() {
  local name=$1 url=$2 vg=$3 script=${5:-$work/p.lua} ir out
  wrk -t1 -c4 -d"$4s" -s "$script" "$url" >/dev/null
  callgrind_control -i on "$vg" >/dev/null 2>&1
  out=$(wrk -t1 -c4 -d"${dur}s" -s "$script" "$url")
  callgrind_control -i off "$vg" >/dev/null 2>&1
  callgrind_control -d "$vg" >/dev/null 2>&1
  stop_valgrind "$vg"
  n=$(awk '/requests in/{print $1}' <<<"$out")
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "instructions.sh: $name answered errors: $(grep 'Non-2xx' <<<"$out")" >&2
    exit 1
  fi
  ir=$(grep -h '^totals:' "$work"/cg.out* | awk '{s += $2} END {print s}')
  [ "${n:-0}" -gt 0 ] || { echo "instructions.sh: no request completed for $name" >&2; exit 1; }
  echo "$name: $((ir / n)) instructions per request ($n requests, access log $([ "${LOGS:-0}" = 1 ] && echo on || echo off))"
}

# measure BINARY PATH SCRIPT: one valgrind of BINARY, counting requests to
# PATH made by the wrk script SCRIPT.
measure() {
  local bin=$1 path=$2 script=$3 port admin
  port=$(free_port)
  admin=$(free_port)
  rm -rf "$work/data" "$work"/cg.out*
  local access=
  [ "${LOGS:-0}" = 1 ] && access="$work/access.log"
  ACCESS_LOG=$access hookd_config "$work/hookd.toml" "$port" "$admin" "$work/data" t "$routes
${EXTRA_TOML:-}"
  valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
    --callgrind-out-file="$work/cg.out" \
    "$bin" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  count_window "$bin $path" "http://127.0.0.1:$port$path" "$pid" 10 "$script"
  pid=
  if [ -n "${TOP:-}" ]; then
    # Read to the end by awk (no head): under pipefail, an annotate killed
    # by SIGPIPE would end the script after the first binary.
    local f
    f=$(grep -l '^totals: [1-9]' "$work"/cg.out* | awk 'NR == 1')
    callgrind_annotate --inclusive=yes "$f" >"$work/annotate" 2>/dev/null || true
    awk -v n="$n" -v top="$TOP" '/^ *[0-9,]+ \(/ && ++k <= top + 1 {
      c = $1; gsub(",", "", c); line = $0; sub(/^ *[0-9,]+ +\([^)]*\) +/, "", line)
      printf "%8.0f  %s\n", c / n, substr(line, 1, 190) }' "$work/annotate"
  fi
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    local keep_name
    keep_name=$(basename "$bin")$(tr '/' '_' <<<"$path")
    for f in "$work"/cg.out*; do cp "$f" "$KEEP/$keep_name.${f##*/}"; done
    echo "$n" >"$KEEP/$keep_name.requests"
  fi
}

# stop_valgrind PID: SIGTERM, then SIGKILL if it has not exited in 10 s (an
# nginx under valgrind does not always act on SIGTERM).
stop_valgrind() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

measure_nginx() {
  local port vg
  port=$(free_port)
  rm -rf "$work/nginx" "$work"/cg.out*
  local access=
  [ "${LOGS:-0}" = 1 ] && access="$work/nginx-access.log"
  NGINX_ACCESS_LOG=$access start_nginx "$work/nginx" "$port" "$(printf 'x%.0s' $(seq 64))"
  kill "$(cat "$work/nginx/nginx.pid")"
  for _ in $(seq 50); do [ -f "$work/nginx/nginx.pid" ] || break; sleep 0.1; done
  # The same configuration in one process (no master), so one process has every request.
  sed -i 's/^worker_processes 2;/worker_processes 1;\ndaemon off;\nmaster_process off;/' "$work/nginx/nginx.conf"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
    nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" >"$work/nginx-valgrind.log" 2>&1 &
  vg=$!
  wait_port "$port"
  count_window "nginx (return 200)" "http://127.0.0.1:$port/" "$vg" 5
}

post64_lua "$work/p.lua"
routes=
[ -n "${ROUTES:-}" ] && routes=$(bench_routes "$ROUTES" "$build/plugins")
for bin in "$@"; do
  if [ "$bin" = nginx ]; then
    measure_nginx
    continue
  fi
  for target in ${TARGET:-/plugins/echo/echo}; do
    script=$work/p.lua
    if [[ $target == *=* ]]; then script=$(realpath "${target#*=}"); fi
    measure "$(realpath "$bin")" "${target%%=*}" "$script"
  done
done
