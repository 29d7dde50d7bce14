#!/usr/bin/env bash
# What requests see right after a hot swap, per compile tier (engine.compile;
# docs/benchmarks.md, "Compile tiers"):
#
#   BUILD=build RUNS=5 REQUESTS=1000 loadtest/scenarios/swap_latency.sh   (these are the defaults)
#   HOOKD_ENGINE_COMPILE=optimized loadtest/scenarios/swap_latency.sh   # the other tier
#
# Against a real `hookd serve` (2 workers, access log off), the ~1 MiB module
# (tests/plugins/big_module.py) is swapped A -> B -> A ... through the admin
# API (unique bytes each time, so each PUT compiles) while one keep-alive
# client calls its compute-heavy `mix` (a 4 KiB body: 4,096 calls through the
# module's table of 2,180 functions) one after another: during the PUT (the
# old version serves while the new one compiles) and for REQUESTS calls
# after its response. Then, after a 3 s pause, as many again: the steady
# state. Reported: the PUT time, the latency of the calls during the PUT, of
# the first 100 after it, of the rest and of the steady state (median and p99
# of all runs), and the gateway's CPU time from the response to the last of
# those calls and in the 3 s pause (background compilation shows there).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [BUILD=build] [RUNS=5] [REQUESTS=1000] $0" >&2; exit 2; }
build=${BUILD:-$root/build}
runs=${RUNS:-5}
requests=${REQUESTS:-1000}
[ "$requests" -gt 100 ] || { echo "REQUESTS must be more than 100" >&2; exit 2; }
hookd="$build/cli/hookd"
plugins="$build/plugins"
[ -x "$hookd" ] || { echo "missing $hookd: build it first (scripts/build.sh hookd hookd_plugins)" >&2; exit 1; }
for p in big_a big_b; do [ -f "$plugins/$p.wasm" ] || { echo "missing $plugins/$p.wasm" >&2; exit 1; }; done

work=$(mktemp -d /tmp/hookd-swap-latency.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

token=swap-latency-token
port=$(free_port); admin_port=$(free_port)
hookd_config "$work/hookd.toml" "$port" "$admin_port" "$work/data" "$token"
sed -i 's/^\[server\]$/[server]\nload_example_plugins = false/' "$work/hookd.toml"
"$hookd" serve --config "$work/hookd.toml" >>"$work/hookd.log" 2>&1 &
pid=$!
wait_ready "$port"

python3 - "$port" "$admin_port" "$token" "$plugins" "$runs" "$requests" "$pid" <<'PY'
import http.client, os, statistics, sys, threading, time
port, admin_port, token, plugins = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs, requests, pid = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
wasm = {t: open(f"{plugins}/big_{t.lower()}.wasm", "rb").read() for t in "AB"}
base = bytes((i * 37 + 11) % 251 for i in range(4096))
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms():  # the gateway's user + system time
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / tick

def put(i, tag):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=60)
    body = wasm[tag] + bytes([0, 10, 1, ord("n")]) + i.to_bytes(8, "little")
    c.request("PUT", "/admin/plugins/big", body=body, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status not in (200, 201):
        sys.exit(f"PUT big ({tag}) answered {r.status}")

class Caller(threading.Thread):
    """mix calls one after another on one connection until stopped: (start, latency) in s."""
    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.stop = [], False
    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = 0
        while not self.stop:
            body = base[k % 4096:] + base[:k % 4096]
            k += 1
            t0 = time.perf_counter()
            c.request("POST", "/plugins/big/mix", body=body)
            r = c.getresponse()
            r.read()
            self.samples.append((t0, time.perf_counter() - t0))
            if r.status != 200:
                sys.exit(f"mix answered {r.status}")
        c.close()

def calls_after(caller, since, n):  # waits for n calls started after `since`
    while sum(1 for t, _ in caller.samples if t >= since) < n:
        time.sleep(0.01)

put(10_000, "A")
time.sleep(3)
put_ms, during, first, rest, steady, cpu_after, cpu_pause = [], [], [], [], [], [], []
for i in range(2 * runs):
    tag = "B" if i % 2 == 0 else "A"
    caller = Caller()
    caller.start()
    time.sleep(0.2)  # calls on the old version before the PUT
    t0 = time.perf_counter()
    put(i, tag)
    t1 = time.perf_counter()
    c0 = cpu_ms()
    calls_after(caller, t1, requests)
    c1 = cpu_ms()
    caller.stop = True
    caller.join()
    after = [lat * 1e3 for t, lat in caller.samples if t >= t1]
    put_ms.append((t1 - t0) * 1e3)
    during += [lat * 1e3 for t, lat in caller.samples if t0 <= t < t1]
    first += after[:100]
    rest += after[100:requests]
    time.sleep(3)
    c2 = cpu_ms()
    cpu_after.append(c1 - c0)
    cpu_pause.append(c2 - c1)
    caller = Caller()
    caller.start()
    calls_after(caller, 0, requests)
    caller.stop = True
    caller.join()
    steady += [lat * 1e3 for _, lat in caller.samples[:requests]]

def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")

med = lambda v: statistics.median(v) if v else float("nan")
tier = os.environ.get("HOOKD_ENGINE_COMPILE", "default (tiered)")
load = open("/proc/loadavg").read().split()[:3]
print(f"engine.compile = {tier}; {2 * runs} swaps of the ~1 MiB module, mix calls (4 KiB) one after another "
      f"during each PUT and {requests} after it; load average {' '.join(load)}")
print()
print("| figure | median | p99 | max |")
print("| --- | ---: | ---: | ---: |")
print(f"| PUT to response, ms | {med(put_ms):.1f} | | {max(put_ms):.1f} |")
for name, v in ((f"calls during the PUT (old version; {len(during)} in all)", during),
                ("first 100 calls after the response", first), (f"calls 101..{requests} after it", rest),
                ("steady state (3 s later)", steady)):
    print(f"| {name}, ms | {med(v):.3f} | {q(v, 0.99):.3f} | {max(v) if v else float('nan'):.3f} |")
print(f"| gateway CPU from the response to the {requests}th call after it, ms | {med(cpu_after):.0f} | | {max(cpu_after):.0f} |")
print(f"| gateway CPU in the 3 s pause after that, ms | {med(cpu_pause):.0f} | | {max(cpu_pause):.0f} |")
PY
