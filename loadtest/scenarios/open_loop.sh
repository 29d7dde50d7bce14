#!/bin/bash
# Open-loop tail latency, hookd's 64-byte echo against nginx's `return 200`
# of the same bytes (the open-loop p99 target): hookd-load sends at a fixed rate
# and measures each request from its intended send time, so a stall counts
# for every request queued behind it. Rounds alternate the two servers
# (order flipped every round), each at the same offered rate and the same
# connections; the result is the median over rounds of each server's p50,
# p99 and p99.9. A single run on this shared 2-core machine proves little:
# one round in four or five shows a stall of tens of ms for either server.
#
#   loadtest/scenarios/open_loop.sh                 # 50% and 90% of hookd's peak, 6 rounds of 5 s
#   FRACTIONS="50" ROUNDS=8 DUR=5 CONNS=100 loadtest/scenarios/open_loop.sh
#   RATES="30000 60000" loadtest/scenarios/open_loop.sh     # fixed rates instead of fractions
#   LOGS=1 loadtest/scenarios/open_loop.sh          # access logs on for both
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-6}
conns=${CONNS:-100}
load="$build/loadtest/hookd-load"
[ -x "$load" ] || { echo "open_loop.sh: build hookd-load first ($load)" >&2; exit 2; }
bench_prepare open_loop.sh wrk nginx python3 curl

start_echo_pair open_loop.sh
post64_lua "$work/p.lua"

# hookd's closed-loop peak, measured with the same generator and
# connections (hookd-load costs more CPU per request than wrk, and shares
# the two cores: wrk's peak would be a rate hookd-load cannot offer), sets
# the rates.
wrk -t2 -c"$conns" -d2s -s "$work/p.lua" "$nginx_url" >/dev/null
wrk -t2 -c"$conns" -d2s -s "$work/p.lua" "$hookd_url" >/dev/null
if [ -z "${RATES:-}" ]; then
  "$load" "$hookd_url" -c "$conns" -t 2 -d "${dur}s" --warmup 1s --body-file "$work/body64" -m POST \
    --no-progress --json "$work/peak.json" >/dev/null 2>&1
  peak=$(python3 -c "import json; print(int(json.load(open('$work/peak.json'))['requests_per_s']))")
  RATES=
  for f in ${FRACTIONS:-50 90}; do RATES="$RATES $((peak * f / 100))"; done
  echo "hookd's peak (hookd-load closed loop, -t2 -c$conns, ${dur}s): $peak req/s"
fi

# one NAME URL RATE: one measured run -> "p50 p99 p999 achieved" (ms, ms, ms, req/s)
one() {
  "$load" "$2" -c "$conns" -t 2 -d "${dur}s" --warmup 1s -r "$3" --body-file "$work/body64" -m POST \
    --no-progress --json "$work/$1.json" >/dev/null 2>&1 || true
  python3 - "$work/$1.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("nan nan nan 0"); sys.exit()
l = r.get("latency_ns", {})
errors = r.get("error_total", 0) + sum(v for k, v in r.get("status", {}).items() if not str(k).startswith("2"))
print(f"{l.get('p50', 0) / 1e6:.3f} {l.get('p99', 0) / 1e6:.3f} {l.get('p99.9', 0) / 1e6:.3f} {r.get('requests_per_s', 0):.0f} {errors}")
PY
}

echo "open loop, hookd echo vs nginx return 200 (64 B), hookd-load -t2 -c$conns, ${dur}s per run (+1 s warm-up), $rounds rounds, access logs $([ "${LOGS:-0}" = 1 ] && echo on || echo off)"
for rate in $RATES; do
  : >"$work/rounds"
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order="nginx hookd"; else order="hookd nginx"; fi
    for s in $order; do
      url=$nginx_url
      [ "$s" = hookd ] && url=$hookd_url
      echo "$s $(one "$s" "$url" "$rate")" >>"$work/rounds"
    done
  done
  python3 - "$work/rounds" "$rate" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
rate = sys.argv[2]
by = {"nginx": [], "hookd": []}
for name, p50, p99, p999, achieved, errors in rows:
    by[name].append((float(p50), float(p99), float(p999), float(achieved), int(errors)))
med = statistics.median
print(f"offered {rate}/s:")
for name in ("nginx", "hookd"):
    runs = by[name]
    print(f"  {name}: p99 by round " + " ".join(f"{r[1]:.2f}" for r in runs) + " ms")
    print(f"  {name}: median p50 {med(r[0] for r in runs):.2f} ms, p99 {med(r[1] for r in runs):.2f} ms, "
          f"p99.9 {med(r[2] for r in runs):.2f} ms; achieved {med(r[3] for r in runs):.0f}/s; "
          f"errors and non-2xx {sum(r[4] for r in runs)}")
ratios = [h[1] / n[1] for n, h in zip(by["nginx"], by["hookd"]) if n[1] > 0]
if ratios:
    print(f"  hookd/nginx p99 by round: median {med(ratios):.2f} (rounds {min(ratios):.2f}..{max(ratios):.2f})")
PY
done
