#!/usr/bin/env bash
# Memory and swap figures (the memory targets in docs/benchmarks.md), in one run:
#
#   BUILD=build RUNS=5 OUT=bench-results loadtest/scenarios/memory.sh   (these are the defaults)
#
# - the engine's figures from build/tests/bench/memory_benchmark (RSS per
#   worker, RSS per plugin instance beyond its touched linear memory,
#   instantiation, compiling a ~1 MiB module), medians of 3 repetitions;
# - against a real `hookd serve` (2 workers, loopback, free ports): a hot swap
#   of the ~1 MiB module through the admin API (A and B in turn, each upload
#   made unique by a custom section so none is a compile-cache hit), timed
#   from the PUT to its response and to the new version answering on 8 fresh
#   connections (the response comes after the publish: a stale answer after
#   it is counted);
# - start-up with 100 plugins (copies of the echo example uploaded under 100
#   names into a data dir): `hookd serve` from exec to /readyz 200 with all
#   100 listed; the gateway's RSS idle with 0 and with 100 plugins.
# HOOKD_ENGINE_COMPILE=tiered|optimized selects the compile tier of both the
# benchmark and the gateway (engine.compile; default: tiered).
# Stops everything it started, also on failure or Ctrl-C; prints a markdown
# table of figure / target / met.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [BUILD=build] [RUNS=5] [OUT=bench-results] $0" >&2; exit 2; }
build=${BUILD:-$root/build}
runs=${RUNS:-5}
out=${OUT:-$root/bench-results}
hookd="$build/cli/hookd"
bench="$build/tests/bench/memory_benchmark"
plugins="$build/plugins"
for f in "$hookd" "$bench"; do [ -x "$f" ] || { echo "missing $f: build it first (scripts/build.sh hookd memory_benchmark)" >&2; exit 1; }; done
for p in big_a big_b echo; do [ -f "$plugins/$p.wasm" ] || { echo "missing $plugins/$p.wasm (scripts/build.sh hookd_plugins)" >&2; exit 1; }; done
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }

work=$(mktemp -d /tmp/hookd-memory.XXXXXX)
mkdir -p "$out"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

token=memory-token
port=$(free_port); admin_port=$(free_port)
hookd_config "$work/hookd.toml" "$port" "$admin_port" "$work/data" "$token"
# No example plugins: an empty data dir means 0 plugins, not the examples.
sed -i 's/^\[server\]$/[server]\nload_example_plugins = false/' "$work/hookd.toml"
admin="http://127.0.0.1:$admin_port"

# start_hookd: `hookd serve` on the data dir in the background ($pid);
# $started_ns is the wall clock just before the exec.
start_hookd() {
  started_ns=$(date +%s%N)
  "$hookd" serve --config "$work/hookd.toml" >>"$work/hookd.log" 2>&1 &
  pid=$!
}
stop_hookd() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}
# rss_kib: the gateway's resident set after a settle.
rss_kib() { sleep 1; awk '/^VmRSS:/{print $2}' "/proc/$pid/status"; }
put_plugin() {  # NAME FILE
  curl -sf -o /dev/null -XPUT -H "Authorization: Bearer $token" --data-binary @"$2" "$admin/admin/plugins/$1"
}

echo "engine figures (memory_benchmark)..." >&2
"$bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/memory-benchmark.json" --benchmark_out_format=json >"$out/memory-benchmark.txt" 2>&1

echo "gateway idle, hot swap of the ~1 MiB module..." >&2
start_hookd
wait_ready "$port"
rss0=$(rss_kib)
listed=$(curl -sf -H "Authorization: Bearer $token" "$admin/admin/plugins" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['plugins']))")
[ "$listed" = 0 ] || { echo "memory.sh: a fresh gateway lists $listed plugins, expected 0" >&2; exit 1; }
put_plugin big "$plugins/big_a.wasm"
python3 - "$admin" "$token" "$port" "$plugins" "$runs" >"$work/swap" <<'PY'
import http.client, statistics, sys, time
admin, token, port, plugins, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
host, admin_port = admin.split("//")[1].split(":")
wasm = {t: open(f"{plugins}/big_{t.lower()}.wasm", "rb").read() for t in "AB"}

def which():  # a fresh connection each time, so the kernel spreads them over the workers
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/plugins/big/which", body=b"")
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return body

put_ms, served_ms, stale = [], [], 0
for i in range(2 * runs):  # B, A, B, A ...: every PUT replaces the other version
    tag = "B" if i % 2 == 0 else "A"
    c = http.client.HTTPConnection(host, int(admin_port), timeout=30)
    t0 = time.perf_counter()
    # A custom section numbered i: unique bytes, so each PUT compiles (V8
    # shares the code of identical bytes while a module of them lives).
    body = wasm[tag] + bytes([0, 10, 1, ord("n")]) + i.to_bytes(8, "little")
    c.request("PUT", "/admin/plugins/big", body=body, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    r.read()
    t1 = time.perf_counter()
    c.close()
    if r.status not in (200, 201):
        sys.exit(f"PUT big ({tag}) answered {r.status}")
    answers = [which() for _ in range(8)]
    t2 = time.perf_counter()
    stale += sum(a != tag for a in answers)
    deadline = t2 + 10
    while any(a != tag for a in answers) and time.perf_counter() < deadline:
        answers = [which() for _ in range(8)]
    put_ms.append((t1 - t0) * 1e3)
    served_ms.append((time.perf_counter() - t0) * 1e3)
med = statistics.median
print(f"{med(put_ms):.1f} {med(served_ms):.1f} {min(put_ms):.1f} {max(put_ms):.1f} {stale}")
PY
read -r swap_put swap_served swap_min swap_max swap_stale <"$work/swap"
curl -sf -o /dev/null -XDELETE -H "Authorization: Bearer $token" "$admin/admin/plugins/big"

echo "uploading 100 plugins..." >&2
for i in $(seq -w 0 99); do put_plugin "p$i" "$plugins/echo.wasm"; done
stop_hookd

# exec -> /readyz 200 with all 100 plugins listed, $runs times.
: >"$work/startup"
for r in $(seq "$runs"); do
  start_hookd
  python3 - "$port" "$admin" "$token" "$started_ns" >>"$work/startup" <<'PY'
import json, sys, time, urllib.request
port, admin, token, t0 = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 30

def get(url, headers={}):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2) as r:
            return r.status, r.read()
    except Exception:
        return 0, b""

while time.time() < deadline:
    status, _ = get(f"http://127.0.0.1:{port}/readyz")
    if status == 200:
        _, body = get(f"{admin}/admin/plugins", {"Authorization": f"Bearer {token}"})
        try:
            n = len(json.loads(body)["plugins"])
        except Exception:
            n = 0
        if n == 100:
            print(f"{(time.time_ns() - t0) / 1e6:.1f}")
            sys.exit()
    time.sleep(0.005)
sys.exit("hookd did not become ready with 100 plugins in 30 s")
PY
  [ "$r" = "$runs" ] && rss100=$(rss_kib)
  stop_hookd
done
startup_ms=$(python3 -c "import statistics,sys; v=[float(l) for l in open('$work/startup')]; print(f'{statistics.median(v):.0f} (runs {min(v):.0f}..{max(v):.0f})')")

# The engine's medians: NAME FIELD -> value.
bench_value() {
  python3 - "$out/memory-benchmark.json" "$1" "$2" <<'PY'
import json, sys
data, name, field = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
for b in data["benchmarks"]:
    if b.get("aggregate_name") == "median" and b["run_name"] == name:
        v = b[field]
        print(f"{v:.0f}" if v >= 100 else f"{v:.1f}")
        sys.exit()
print("n/a")
PY
}
met() { python3 -c "print('yes' if $1 else '**no**')"; }
worker_kib=$(bench_value BM_RssPerWorker/iterations:1 rss_kib_per_worker)
inst_total=$(bench_value BM_RssPerInstance/1048576/iterations:1 rss_kib_per_instance)
inst_linear=$(bench_value BM_RssPerInstance/1048576/iterations:1 linear_kib_per_instance)
inst_beyond=$(bench_value BM_RssPerInstance/1048576/iterations:1 beyond_linear_kib)
inst0=$(bench_value BM_RssPerInstance/0/iterations:1 rss_kib_per_instance)
new_echo=$(bench_value BM_InstantiateEcho real_time)
new_touch=$(bench_value BM_InstantiateTouch real_time)
new_big=$(bench_value BM_Instantiate1MiBModule real_time)
new_engine=$(bench_value BM_InstantiateEchoEngineOnly real_time)
compile=$(bench_value BM_Compile1MiBModule/min_time:2.000 real_time)
load2=$(bench_value BM_Load1MiBModuleOnTwoWorkers/min_time:2.000 real_time)
module_kib=$(bench_value BM_Compile1MiBModule/min_time:2.000 module_kib)

cat <<TABLE | tee "$out/memory-summary.md"
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); load average$(uptime | sed "s/.*load average//"). hookd: 2 workers, engine.compile = ${HOOKD_ENGINE_COMPILE:-default (tiered)}.

| figure | measured | target | met? |
| --- | ---: | ---: | --- |
| RSS per engine worker (isolate + context) | $worker_kib KiB | <= 3 MB | $(met "$worker_kib <= 3072") |
| RSS per instance touching 1 MiB (linear memory resident $inst_linear KiB) | $inst_total KiB, $inst_beyond KiB beyond its linear memory | <= touched + 256 KB | $(met "$inst_beyond <= 256") |
| RSS per instance touching nothing | $inst0 KiB | | |
| fresh instance from a compiled module: echo / touch / the 1 MiB module | $new_echo / $new_touch / $new_big us | <= 50 us | $(met "$new_echo <= 50") |
| of which the engine alone (echo, stub imports, no init) | $new_engine us | | |
| compile the ${module_kib} KiB module (engine) | $compile ms | | |
| load it and instantiate on 2 workers (engine) | $load2 ms | | |
| hot swap of it through the admin API: PUT to response, median of $((2 * runs)) (min..max) | $swap_put ms ($swap_min..$swap_max) | <= 50 ms | $(met "$swap_put <= 50") |
| hot swap, PUT to the new version on 8 fresh connections; stale answers after the response | $swap_served ms; $swap_stale stale | | $( [ "$swap_stale" = 0 ] && echo "publish before response" || echo "**stale**") |
| start-up with 100 plugins from the data dir, exec to /readyz + all listed, median of $runs | $startup_ms ms | <= 2 s | $(met "${startup_ms%% *} <= 2000") |
| gateway RSS idle, 0 plugins / 100 plugins | $rss0 / $rss100 KiB | | |
TABLE
