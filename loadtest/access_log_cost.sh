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
run() { wrk -t2 -c"$conns" -d"${1}s" -s "$work/p.lua" "$2" | awk '/Requests\/sec/{print $2}'; }
off_url="http://127.0.0.1:$off_port/plugins/echo/echo"
on_url="http://127.0.0.1:$on_port/plugins/echo/echo"
run 2 "$off_url" >/dev/null
run 2 "$on_url" >/dev/null

echo "hookd echo, access log off vs on (to a file), 2 workers, wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    a=$(run "$dur" "$off_url"); b=$(run "$dur" "$on_url")
  else
    b=$(run "$dur" "$on_url"); a=$(run "$dur" "$off_url")
  fi
  echo "$a $b" >>"$work/rounds"
done
lines=$(wc -l <"$work/access.log")
python3 - "$work/rounds" "$lines" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ratios = [100 * on / off for off, on in rows]
for (off, on), r in zip(rows, ratios):
    print(f"off {off:9.0f}  on {on:9.0f}  ({r:5.1f}%)")
med = statistics.median
print(f"median off {med(r[0] for r in rows):.0f} req/s, on {med(r[1] for r in rows):.0f} req/s; "
      f"on/off median {med(ratios):.1f}% (rounds {min(ratios):.1f}..{max(ratios):.1f}%); "
      f"{sys.argv[2]} lines logged so far")
PY
