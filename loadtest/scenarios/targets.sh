#!/bin/bash
# The performance targets (docs/benchmarks.md) in one command: each measurement script in turn, then
# one table of the figures, the target and whether this run met it. Every
# comparison inside runs its two sides in alternating rounds and reports
# medians (the scripts say how); run it on an otherwise idle machine.
#
#   loadtest/scenarios/targets.sh                     # about 20 minutes on 2 cores
#   ROUNDS=8 DUR=5 loadtest/scenarios/targets.sh      # rounds and seconds per run for the ratio scripts
#   SKIP="ws memory" loadtest/scenarios/targets.sh    # leave parts out: echo logs access ws open engine memory
#
# Needs a build (scripts/build.sh), nginx, wrk, and for the WebSocket peer the
# Node packages scripts/setup.sh installs. The outputs of the scripts are
# kept in $OUT (default bench-results/targets).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
out=${OUT:-$root/bench-results/targets}
export ROUNDS=${ROUNDS:-8} DUR=${DUR:-5}
mkdir -p "$out"
skip=" ${SKIP:-} "
part() { [[ "$skip" != *" $1 "* ]]; }
run() {  # NAME COMMAND...: runs it, keeps its output, shows its last lines
  local name=$1
  shift
  echo "== $name: $*" >&2
  if ! "$@" >"$out/$name.txt" 2>&1; then
    echo "targets.sh: $name failed; its output: $out/$name.txt" >&2
    tail -5 "$out/$name.txt" >&2
    return 0
  fi
  tail -3 "$out/$name.txt" >&2
}

started=$(date -u +%H:%M)
part echo && run echo-logs-off env LOGS=0 "$root/loadtest/scenarios/echo_vs_nginx.sh"
part logs && run echo-logs-on env LOGS=1 "$root/loadtest/scenarios/echo_vs_nginx.sh"
part access && run access-log env ROUNDS=$((ROUNDS > 6 ? 6 : ROUNDS)) "$root/loadtest/scenarios/access_log_cost.sh"
part ws && run websocket env ROUNDS=$((ROUNDS > 4 ? 4 : ROUNDS)) DUR=4 "$root/loadtest/scenarios/ws_vs_node.sh"
part open && run open-loop env ROUNDS=$((ROUNDS > 6 ? 6 : ROUNDS)) "$root/loadtest/scenarios/open_loop.sh"
part engine && run engine "$build/tests/bench/engine_benchmark" \
  --benchmark_filter='BM_Echo64$|BM_RawExportCall|BM_OneHostCall$' --benchmark_min_time=1 \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
part memory && run memory env RUNS=3 "$root/loadtest/scenarios/memory.sh"
finished=$(date -u +%H:%M)

python3 - "$out" "$started" "$finished" <<'PY'
import os, re, sys
out, started, finished = sys.argv[1:4]

def text(name):
    p = os.path.join(out, name + ".txt")
    return open(p).read() if os.path.exists(p) else ""

def ratio_line(t, a, b):
    """(rate ratio %, cpu ratio %) from an alternate_rounds + cpu_report output."""
    r = re.search(rf"{b}/{a} median ([\d.]+)% \(rounds ([\d.]+)\.\.([\d.]+)%\)", t)
    return (float(r.group(1)), r.group(2), r.group(3)) if r else None

rows = []
def row(figure, value, target, met):
    rows.append((figure, value, target, met))

def yes(ok):
    return "yes" if ok else "**no**"

for name, label, goal in (("echo-logs-off", "HTTP echo vs nginx, access logs off", 100.0),
                          ("echo-logs-on", "HTTP echo vs nginx, access logs on for both", 95.0)):
    t = text(name)
    m = re.findall(r"hookd/nginx median ([\d.]+)% \(rounds ([\d.]+)\.\.([\d.]+)%\)", t)
    if len(m) >= 1:
        rate = m[0]
        cpu = m[1] if len(m) > 1 else None
        value = f"{float(rate[0]) / 100:.2f}x ({float(rate[1]) / 100:.2f}-{float(rate[2]) / 100:.2f})"
        if cpu:
            value += f"; CPU per request {float(cpu[0]) / 100:.2f}x"
        row(label, value, f">= {goal / 100:.2f}x", yes(float(rate[0]) >= goal))
t = text("access-log")
m = re.findall(r"on/off median ([\d.]+)% \(rounds ([\d.]+)\.\.([\d.]+)%\)", t)
if m:
    value = f"{m[0][0]}% of the rate ({m[0][1]}-{m[0][2]}%)"
    if len(m) > 1:
        value += f"; CPU per request {m[1][0]}%"
    row("hookd's own access log, on / off", value, ">= 95%", yes(float(m[0][0]) >= 95))
t = text("websocket")
m = re.search(r"hookd/node\+waPC median ([\d.]+)% \(rounds ([\d.]+)\.\.([\d.]+)%\)", t)
if m:
    row("WebSocket echo vs Node ws + waPC", f"{float(m.group(1)) / 100:.2f}x", ">= 1.50x", yes(float(m.group(1)) >= 150))
t = text("open-loop")
for block in re.split(r"\n(?=offered )", t):
    o = re.match(r"offered (\d+)/s", block)
    n = re.search(r"nginx: median p50 [\d.]+ ms, p99 ([\d.]+) ms", block)
    h = re.search(r"hookd: median p50 [\d.]+ ms, p99 ([\d.]+) ms", block)
    if o and n and h:
        row(f"open loop at {o.group(1)}/s: p99 nginx / hookd", f"{n.group(1)} / {h.group(1)} ms",
            "hookd <= nginx", yes(float(h.group(1)) <= float(n.group(1))))
peak = re.search(r"hookd's peak \(([^)]*)\): (\d+)", t)
t = text("engine")
bm = {k: float(v) for k, v in re.findall(r"(BM_\w+)_median\s+([\d.]+) ns", t)}
if "BM_Echo64" in bm:
    row("in-process 64 B echo (a bare export call)", f"{bm['BM_Echo64']:.0f} ns ({bm.get('BM_RawExportCall', 0):.0f} ns)",
        "<= 150 ns", yes(bm["BM_Echo64"] <= 150))
if "BM_OneHostCall" in bm:
    row("one host call", f"{bm['BM_OneHostCall']:.0f} ns", "<= 200 ns", yes(bm["BM_OneHostCall"] <= 200))

print(f"# Performance targets, {started}-{finished} UTC, {os.cpu_count()} cores, load at the end {open('/proc/loadavg').read().split()[0]}")
if peak:
    print(f"(open-loop rates are 50% and 90% of hookd's peak by {peak.group(1)}: {peak.group(2)} req/s)")
print()
print("| figure | this run | target | met? |")
print("| --- | --- | --- | --- |")
for r in rows:
    print("| " + " | ".join(r) + " |")
mem = text("memory")
table = [l for l in mem.splitlines() if l.startswith("|")]
if table:
    print()
    print("Memory and swap (RUNS=3 loadtest/scenarios/memory.sh):")
    print()
    print("\n".join(table))
print()
print(f"Each script's whole output: {out}/")
PY
