#!/usr/bin/env bash
# wasi:http components through `hookd serve` (docs/benchmarks.md, "wasi:http
# components"), one hookd (2 workers, access log on to a file unless LOGS=0,
# the other settings the defaults) serving three routes:
#
#   GET /echo/a/b?c=d   the echo component (tests/components/echo.wat; one
#                       instance per worker serves every request)
#   GET /path/a/b?c=d   tests/plugins/path_echo.c, the same work through the
#                       native ABI (path and query, Content-Type, the body)
#   GET /hello?name=b   the componentize-js hello component (13 MB; one
#                       request per instance: the worker makes a fresh one
#                       after each response)
#
# 1. Memory: hookd's VmRSS before hello is uploaded (PUT /admin/plugins/hello,
#    timed), after, and after its load runs; hookd_plugin_memory_bytes.
# 2. Requests/s: hookd-load (CONNS connections, 2 threads, DUR seconds after
#    a 1 s warm-up run, the same settings for each route) on the three routes,
#    ROUNDS rounds with the order rotated; medians, p50/p99, errors and
#    non-2xx answers, and hookd's CPU time per 2xx answer.
#    With 2 workers the default max_worker_share (50%) lets one worker at a
#    time run a plugin's call; a call that waits for it longer than a tenth
#    of the deadline is a 503, which hello, at 32 connections, gets for
#    many requests: its 2xx answers per second are the figure.
# 3. Hot replace under load: hello first uploaded again with
#    max_worker_share = SWAP_SHARE (default 100: both workers may run it, so
#    no request waits for the share and gets its 503), then hookd-load
#    (SWAP_CONNS connections) on /hello for SWAP_DUR seconds while hello is
#    replaced twice (PUTs at a third and two thirds of the run). Each upload
#    is other bytes (a custom section appended to each core module of the
#    component), so each compiles anew, as a new version would. Failed
#    requests (errors and non-2xx) must be zero; latency per second around
#    the PUTs; VmRSS after, and 5 s later.
# 4. REPLACES=N (default 0) more PUTs of hello, unique bytes each, with 50
#    requests after each and 5 s apart: VmRSS after each, whether replaced
#    versions give their memory back.
#
#   ROUNDS=3 DUR=10 CONNS=32 SWAP_CONNS=4 SWAP_DUR=18 loadtest/scenarios/components.sh   (the defaults)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [BUILD=build] [ROUNDS=3] [DUR=10] [CONNS=32] [SWAP_CONNS=4] [SWAP_DUR=18] [SWAP_SHARE=100] [REPLACES=0] [LOGS=1] $0" >&2; exit 2; }
build=${BUILD:-$root/build}
load="$build/loadtest/hookd-load"
echo_wasm="$build/components/echo.wasm"
hello_wasm="$build/components/hello.wasm"
native_wasm="$build/plugins/path_echo.wasm"
for f in "$load" "$echo_wasm" "$hello_wasm" "$native_wasm"; do
  [ -f "$f" ] || { echo "components.sh: missing $f (scripts/build.sh hookd hookd-load component_echo component_hello path_echo)" >&2; exit 2; }
done
bench_prepare components.sh python3 curl

token=components-bench-token
port=$(free_port)
admin_port=$(free_port)
access=
[ "${LOGS:-1}" = 1 ] && access="$work/access.log"
ACCESS_LOG=$access hookd_config "$work/hookd.toml" "$port" "$admin_port" "$work/data" "$token" "
[plugins.echo]
path = \"$echo_wasm\"
[[plugins.echo.routes]]
methods = [\"GET\"]
path = \"/echo/a/b\"
function = \"handle\"
[plugins.path_echo]
path = \"$native_wasm\"
[[plugins.path_echo.routes]]
methods = [\"GET\"]
path = \"/path/a/b\"
function = \"path\""
sed -i 's/^\[server\]$/[server]\nload_example_plugins = false/' "$work/hookd.toml"
"$build/cli/hookd" serve --config "$work/hookd.toml" >"$work/hookd.log" 2>&1 &
pid=$!
wait_ready "$port"

python3 - "$port" "$admin_port" "$token" "$pid" "$load" "$hello_wasm" "$work" \
  "${ROUNDS:-3}" "${DUR:-10}" "${CONNS:-32}" "${SWAP_DUR:-18}" "$([ -n "$access" ] && echo on || echo off)" \
  "${SWAP_CONNS:-4}" "${REPLACES:-0}" "${SWAP_SHARE:-100}" <<'PY'
import http.client, json, os, statistics, subprocess, sys, time

(port, admin_port, token, pid, load, hello_wasm, work, rounds, dur, conns, swap_dur, access,
 swap_conns, replaces, swap_share) = sys.argv[1:16]
replaces, swap_share = int(replaces), int(swap_share)
port, admin_port, pid = int(port), int(admin_port), int(pid)
rounds, dur, conns, swap_dur, swap_conns = int(rounds), int(dur), int(conns), int(swap_dur), int(swap_conns)
tick = os.sysconf("SC_CLK_TCK")
base = f"http://127.0.0.1:{port}"
ROUTES = {"echo component": "/echo/a/b?c=d", "native path_echo": "/path/a/b?c=d", "hello component": "/hello?name=b"}


def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("content-type"), body


def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def plugin_memory(name):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=30)
    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    text = c.getresponse().read().decode()
    c.close()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("hookd_plugin_memory_bytes{") and f'plugin="{name}"' in line)


def leb(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_leb(data, at):
    n = shift = 0
    while True:
        b = data[at]
        at += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, at


def variant(wasm, n):
    """The component with a custom section "hookd-bench" holding n appended to
    each of its core modules (component section 1): the same code under other
    bytes, so the engine compiles it anew."""
    custom = b"\x0bhookd-bench" + n.to_bytes(8, "little")
    custom = b"\x00" + leb(len(custom)) + custom
    out, at = bytearray(wasm[:8]), 8
    while at < len(wasm):
        sid = wasm[at]
        size, start = read_leb(wasm, at + 1)
        content = wasm[start:start + size]
        if sid == 1:
            content += custom
        out += bytes([sid]) + leb(len(content)) + content
        at = start + size
    return bytes(out)


hello_bytes = open(hello_wasm, "rb").read()
ROUTE = {"routes": [{"methods": ["GET"], "path": "/hello", "function": "handle"}]}


def put_hello(n, share=None):
    settings = dict(ROUTE, max_worker_share=share) if share else ROUTE
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=120)
    t0 = time.monotonic()
    c.request("PUT", "/admin/plugins/hello", body=variant(hello_bytes, n),
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/wasm",
                       "X-Hookd-Settings": json.dumps(settings)})
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status not in (200, 201):
        sys.exit(f"PUT hello answered {r.status}: {body[:300]!r}")
    return t0, time.monotonic()


def run_load(path, seconds, json_path, connections=None):
    cmd = [load, base + path, "-c", str(connections or conns), "-t", "2", "-d", f"{seconds}s", "--no-progress",
           "--json", json_path]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish_load(proc, json_path):
    _, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"hookd-load failed ({proc.returncode}): {err.decode()[-500:]}")
    return json.load(open(json_path))


def failed(result):
    non2xx = sum(n for code, n in result["status"].items() if not code.startswith("2"))
    return result["error_total"], non2xx


def ok_per_s(result):
    return sum(n for code, n in result["status"].items() if code.startswith("2")) / result["measured_s"]


# The answers first.
for name, path in list(ROUTES.items())[:2]:
    status, ctype, body = get(path)
    if status != 200 or ctype != "text/plain" or body.decode() != path + "\n":
        sys.exit(f"{name}: {path} answered {status} {ctype} {body[:200]!r}")

load_avg = " ".join(open("/proc/loadavg").read().split()[:3])
print(f"hookd 2 workers, access log {access}; hookd-load -c {conns} -t 2, {dur} s after a 1 s warm-up run, "
      f"{rounds} rounds; load average {load_avg} at the start")
print()

# 1. Memory, and the upload.
rss_before = rss_kib()
t0, t1 = put_hello(0)
upload_ms = (t1 - t0) * 1e3
time.sleep(1)
rss_loaded = rss_kib()
status, ctype, body = get("/hello?name=b")
if status != 200 or b'"greeting":"hello, b"' not in body:
    sys.exit(f"hello answered {status} {ctype} {body[:200]!r}")
time.sleep(0.5)
hello_memory = plugin_memory("hello")

# 2. Requests/s, rounds with the order rotated.
names = list(ROUTES)
results = {n: [] for n in names}
for r in range(rounds):
    order = names[r % 3:] + names[:r % 3]
    for name in order:
        json_path = os.path.join(work, "load.json")
        finish_load(run_load(ROUTES[name], 1, json_path), json_path)  # warm-up
        c0 = cpu_ticks()
        result = finish_load(run_load(ROUTES[name], dur, json_path), json_path)
        c1 = cpu_ticks()
        result["ok_per_s"] = ok_per_s(result)
        result["cpu_us"] = (c1 - c0) * 1e6 / tick / max(result["ok_per_s"] * result["measured_s"], 1)
        results[name].append(result)
rss_after_runs = rss_kib()

med = statistics.median
print("| route | 2xx/s (median) | rounds | all answers/s | p50 ms | p99 ms | CPU per 2xx, us | errors / non-2xx |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
for name in names:
    rs = results[name]
    rates = [x["ok_per_s"] for x in rs]
    err = sum(failed(x)[0] for x in rs)
    non2xx = sum(failed(x)[1] for x in rs)
    print(f"| {name} `GET {ROUTES[name]}` | {med(rates):,.0f} | {', '.join(f'{v:,.0f}' for v in rates)} | "
          f"{med(x['requests_per_s'] for x in rs):,.0f} | "
          f"{med(x['latency_ns']['p50'] for x in rs) / 1e6:.2f} | {med(x['latency_ns']['p99'] for x in rs) / 1e6:.2f} | "
          f"{med(x['cpu_us'] for x in rs):.1f} | {err} / {non2xx} |")
native_rate = med(x["ok_per_s"] for x in results["native path_echo"])
echo_rate = med(x["ok_per_s"] for x in results["echo component"])
hello_rate = med(x["ok_per_s"] for x in results["hello component"])
ratios = [e["ok_per_s"] / n["ok_per_s"] for e, n in zip(results["echo component"], results["native path_echo"])]
cpu_ratio = med(x["cpu_us"] for x in results["echo component"]) / med(x["cpu_us"] for x in results["native path_echo"])
print()
print(f"echo component / native: {100 * echo_rate / native_rate:.1f}% of the rate (medians; rounds "
      f"{', '.join(f'{100 * v:.1f}%' for v in ratios)}), CPU per 2xx {cpu_ratio:.2f}x; "
      f"hello: {100 * hello_rate / native_rate:.2f}% of native's rate")
print()
print(f"| memory | KiB |")
print(f"| --- | ---: |")
print(f"| hookd VmRSS before hello | {rss_before:,} |")
print(f"| after uploading hello (PUT {upload_ms:.0f} ms) | {rss_loaded:,} (+{rss_loaded - rss_before:,}) |")
print(f"| after the load runs | {rss_after_runs:,} (+{rss_after_runs - rss_before:,}) |")
print(f"| hookd_plugin_memory_bytes of hello, both workers | {hello_memory / 1024:,.0f} |")
print()

# 3. Hot replace under load.
put_hello(100, swap_share)
time.sleep(2)
json_path = os.path.join(work, "swap.json")
proc = run_load(ROUTES["hello component"], swap_dur, json_path, swap_conns)
start = time.monotonic()
puts = []
for k in (1, 2):
    time.sleep(max(0.0, start + k * swap_dur / 3 - time.monotonic()))
    puts.append(put_hello(k, swap_share))
result = finish_load(proc, json_path)
rss_end = rss_kib()
time.sleep(5)
rss_later = rss_kib()
err, non2xx = failed(result)
lat = result["latency_ns"]
print(f"hot replace (max_worker_share {swap_share}), hookd-load -c {swap_conns} -t 2: {result['responses']:,} responses on /hello in {result['measured_s']:.1f} s, "
      f"errors {err}, non-2xx {non2xx} (statuses {result['status']}); PUTs "
      + ", ".join(f"{(b - a) * 1e3:.0f} ms at {a - start:.1f} s" for a, b in puts)
      + f"; whole run p50 {lat['p50'] / 1e6:.2f} ms, p99 {lat['p99'] / 1e6:.2f} ms, max {lat['max'] / 1e6:.1f} ms; "
      f"VmRSS after {rss_end:,} KiB, 5 s later {rss_later:,} KiB")
print()
print("| second | req/s | p50 ms | p99 ms | max ms | errors | PUT |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for t in result["timeline"]:
    s = t["second"]
    mark = "; ".join(f"PUT {i + 1} ({(b - a) * 1e3:.0f} ms)" for i, (a, b) in enumerate(puts)
                     if a - start < s + 1 and b - start >= s)
    print(f"| {s} | {t['requests_per_s']:,.0f} | {t['p50_ns'] / 1e6:.2f} | {t['p99_ns'] / 1e6:.2f} | "
          f"{t['max_ns'] / 1e6:.1f} | {t['errors']} | {mark} |")

# 4. Memory over repeated replaces.
if replaces:
    rss = []
    for k in range(replaces):
        a, b = put_hello(3 + k, swap_share)
        for _ in range(50):
            if get("/hello?name=b")[0] != 200:
                sys.exit("hello failed after a replace")
        time.sleep(5)
        rss.append((b - a, rss_kib()))
    print()
    print(f"{replaces} more replaces, 50 requests and 5 s after each; VmRSS (KiB) and PUT time:")
    print(", ".join(f"{v:,} ({t * 1e3:.0f} ms)" for t, v in rss))
if err or non2xx:
    sys.exit("requests failed during the hot replace")
PY
