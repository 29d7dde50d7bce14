#!/bin/bash
# hookd on epoll against hookd on io_uring (docs/benchmarks.md): the same
# sources built twice, build/ (epoll, the default) and build-uring/
# (-DHOOKD_IO_URING=ON), the same config (echo plugin, 2 workers, access log
# off unless LOGS=1), the same plugins, side by side; wrk -t2 POSTs 64 bytes
# to the echo plugin. Rounds alternate the two (order flipped every round);
# the medians over rounds are the result: rates, wrk's p99 and each server's
# CPU time per request.
#
#   cmake -S . -B build-uring -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKD_IO_URING=ON
#   HOOKD_BUILD_DIR=$PWD/build-uring scripts/build.sh hookd
#   loadtest/scenarios/uring_vs_epoll.sh                   # 8 rounds of 5 s, 100 conns
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/scenarios/uring_vs_epoll.sh
#   LOGS=1 loadtest/scenarios/uring_vs_epoll.sh            # access logs on for both, to files
#   BUILD=... URING_BUILD=... loadtest/scenarios/uring_vs_epoll.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
uring_build=${URING_BUILD:-$root/build-uring}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
[ -x "$uring_build/cli/hookd" ] || {
  echo "uring_vs_epoll.sh: build hookd with -DHOOKD_IO_URING=ON first ($uring_build/cli/hookd)" >&2
  exit 2
}
bench_prepare uring_vs_epoll.sh wrk python3 curl

epoll_log= uring_log=
if [ "${LOGS:-0}" = 1 ]; then epoll_log="$work/epoll-access.log" uring_log="$work/uring-access.log"; fi
start_hookd epoll "$build/cli/hookd" "$epoll_log"
start_hookd uring "$uring_build/cli/hookd" "$uring_log"

# Each binary runs on the event loop it was built for: the io_uring one holds
# io_uring instances and no epoll instance, the epoll one the reverse.
fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c "anon_inode:\[$2\]" || true; }
[ "$(fds "$epoll_pid" eventpoll)" -gt 0 ] && [ "$(fds "$epoll_pid" io_uring)" = 0 ] || {
  echo "uring_vs_epoll.sh: $build/cli/hookd is not on epoll" >&2
  exit 1
}
[ "$(fds "$uring_pid" io_uring)" -gt 0 ] && [ "$(fds "$uring_pid" eventpoll)" = 0 ] || {
  echo "uring_vs_epoll.sh: $uring_build/cli/hookd is not on io_uring (built without -DHOOKD_IO_URING=ON?)" >&2
  exit 1
}
body=$(printf 'x%.0s' $(seq 64))
for port in "$epoll_port" "$uring_port"; do
  out=$(curl -sf -XPOST "http://127.0.0.1:$port/plugins/echo/echo" -d "$body")
  [ "$out" = "$body" ] || { echo "uring_vs_epoll.sh: hookd echo on $port answered '$out'" >&2; exit 1; }
done

# wrk with --latency: prints the rate for alternate_rounds and keeps, for
# every run, "URL P99_MS CPU_US_PER_REQUEST WRK_CPU_US_PER_REQUEST" in
# $work/runs: the p99 from wrk, the server's CPU time (user + system, all its
# threads, from /proc/PID/stat) over the requests it answered, and wrk's own
# CPU time per request (the client shares the two cores). CPU per request is
# the less noisy figure when other processes share the cores: it does not
# count the time the server waited for a core.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wrk_p99() {
  local out server before after
  case $2 in *":$epoll_port/"*) server=$epoll_pid ;; *) server=$uring_pid ;; esac
  before=$(cpu_ticks "$server")
  out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 -c"$conns" -d"${1}s" --latency -s "$work/p.lua" "$2" 2>&1)
  after=$(cpu_ticks "$server")
  awk -v url="$2" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    $1 == "99%" { v = $2; m = 1; if (v ~ /us$/) m = 0.001; else if (v ~ /ms$/) m = 1; else if (v ~ /s$/) m = 1000
                  sub(/[a-z]+$/, "", v); p99 = v * m }
    / requests in / { n = $1 }
    $1 == "wrk-cpu" { wrk = $2 + $3 }
    END { printf "%s %.3f %.2f %.2f\n", url, p99, n ? ticks * 1e6 / hz / n : 0, n ? wrk * 1e6 / n : 0 }' <<<"$out" >>"$work/runs"
  awk '/Requests\/sec/{print $2}' <<<"$out"
}
round_runner=wrk_p99

post64_lua "$work/p.lua"
echo "hookd echo (64 B), epoll vs io_uring, 2 workers each, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds, access logs $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
alternate_rounds epoll "http://127.0.0.1:$epoll_port/plugins/echo/echo" io_uring "http://127.0.0.1:$uring_port/plugins/echo/echo"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/runs" "http://127.0.0.1:$epoll_port/" "http://127.0.0.1:$uring_port/" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    url, p99, cpu, wrk = line.split()
    runs.setdefault(url, []).append((float(p99), float(cpu), float(wrk)))
# The first run of each is alternate_rounds' 2 s warm-up.
e = next(v for u, v in runs.items() if u.startswith(sys.argv[2]))[1:]
u = next(v for u, v in runs.items() if u.startswith(sys.argv[3]))[1:]
med = statistics.median
print("p99 ms, epoll:    " + " ".join(f"{r[0]:.2f}" for r in e))
print("p99 ms, io_uring: " + " ".join(f"{r[0]:.2f}" for r in u))
print(f"median p99 epoll {med(r[0] for r in e):.2f} ms, io_uring {med(r[0] for r in u):.2f} ms")
print("CPU us/request, epoll:    " + " ".join(f"{r[1]:.1f}" for r in e))
print("CPU us/request, io_uring: " + " ".join(f"{r[1]:.1f}" for r in u))
ratios = [100 * y[1] / x[1] for x, y in zip(e, u) if x[1]]
print(f"median CPU per request epoll {med(r[1] for r in e):.1f} us, io_uring {med(r[1] for r in u):.1f} us; "
      f"io_uring/epoll median {med(ratios):.1f}% (rounds {min(ratios):.1f}..{max(ratios):.1f}%)")
print(f"median wrk CPU per request against epoll {med(r[2] for r in e):.1f} us, "
      f"against io_uring {med(r[2] for r in u):.1f} us")
PY
if [ "${LOGS:-0}" = 1 ]; then
  echo "$(wc -l <"$epoll_log") lines logged (epoll), $(wc -l <"$uring_log") (io_uring)"
fi
