#!/usr/bin/env bash
# A canary that fails rolled back under steady load (docs/releases.md):
#
#   BUILD=build RUNS=5 CLIENTS=8 WEIGHT=10 loadtest/scenarios/canary.sh   (these are the defaults)
#
# Against a real `hookd serve` (2 workers, access log off, version_header on),
# "ver" serves version_a (tests/plugins/version.c) as version 1, with
# version_flaky (the same, failing 3 calls in 10) staged as version 2.
# CLIENTS keep-alive clients call it without pause; after 2 s a release puts
# version 2 beside it at WEIGHT% (window 1 s, max_error_rate 0.1,
# min_requests 20), and the clients go on until 1 s after the release shows
# rolled_back. Each run reports what the clients saw: the calls, the failed
# ones, the time from the first failure to the last call served by the
# canary, and the release's reason. The figures of all runs follow (median,
# max). Each run is a fresh gateway and data dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
[ $# -eq 0 ] || { echo "usage: [BUILD=build] [RUNS=5] [CLIENTS=8] [WEIGHT=10] $0" >&2; exit 2; }
build=${BUILD:-$root/build}
runs=${RUNS:-5}
clients=${CLIENTS:-8}
weight=${WEIGHT:-10}
hookd="$build/cli/hookd"
plugins="$build/plugins"
[ -x "$hookd" ] || { echo "missing $hookd: build it first (scripts/build.sh hookd hookd_plugins)" >&2; exit 1; }
for p in version_a version_flaky; do
  [ -f "$plugins/$p.wasm" ] || { echo "missing $plugins/$p.wasm (scripts/build.sh hookd_plugins)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/hookd-canary.XXXXXX)
pid=
stop_gateway() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=
}
cleanup() {
  stop_gateway
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

token=canary-token
results="$work/results"
: >"$results"
for run in $(seq "$runs"); do
  port=$(free_port); admin_port=$(free_port)
  rm -rf "$work/data"
  hookd_config "$work/hookd.toml" "$port" "$admin_port" "$work/data" "$token"
  sed -i 's/^\[server\]$/[server]\nload_example_plugins = false\nversion_header = true/' "$work/hookd.toml"
  "$hookd" serve --config "$work/hookd.toml" >>"$work/hookd.log" 2>&1 &
  pid=$!
  wait_ready "$port"
  python3 - "$port" "$admin_port" "$token" "$plugins" "$clients" "$weight" "$run" "$results" <<'PY'
import http.client, json, sys, threading, time
port, admin_port, token, plugins = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
clients, weight, run, results = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
auth = {"Authorization": f"Bearer {token}"}

def admin(method, path, body=b"", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=60)
    c.request(method, path, body=body, headers={**auth, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

for file, stage in (("version_a", "false"), ("version_flaky", "true")):
    status, data = admin("PUT", "/admin/plugins/ver", open(f"{plugins}/{file}.wasm", "rb").read(),
                         {"X-Hookd-Stage": stage})
    if status not in (200, 201):
        sys.exit(f"PUT ver ({file}) answered {status}: {data!r}")

stop = False
calls = [[] for _ in range(clients)]  # (time, status, version)

def client(mine):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop:
        try:
            c.request("POST", "/plugins/ver/which", body=b"")
            r = c.getresponse()
            r.read()
            mine.append((time.monotonic(), r.status, r.getheader("X-Hookd-Version", "")))
        except Exception:
            mine.append((time.monotonic(), -1, ""))
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

threads = [threading.Thread(target=client, args=(calls[i],), daemon=True) for i in range(clients)]
for t in threads:
    t.start()
time.sleep(2)
policy = {"version": 2, "steps": [{"weight": weight, "seconds": 600}],
          "thresholds": {"max_error_rate": 0.1, "min_requests": 20}, "window_seconds": 1}
began = time.monotonic()
status, data = admin("POST", "/admin/plugins/ver/releases", json.dumps(policy).encode(),
                     {"Content-Type": "application/json"})
if status != 201:
    sys.exit(f"the release answered {status}: {data!r}")
release = {}
for _ in range(600):
    status, data = admin("GET", "/admin/plugins/ver/releases")
    release = json.loads(data)
    if release.get("state") == "rolled_back":
        break
    time.sleep(0.05)
time.sleep(1)
stop = True
for t in threads:
    t.join()
every = sorted(c for mine in calls for c in mine)
during = [c for c in every if c[0] >= began]
failed = [c for c in every if c[1] != 200]
canary = [c for c in every if c[2] == "2"]
to_zero_ms = (canary[-1][0] - failed[0][0]) * 1000 if failed and canary else float("nan")
rate = len(during) / (every[-1][0] - began) if during else 0
reason = (release.get("last_decision") or {}).get("reason", "?")
print(f"run {run}: state {release.get('state')}; {len(during)} calls after the start ({rate:.0f}/s), "
      f"{len(canary)} to the canary, {len(failed)} failed; first failure to the last canary call "
      f"{to_zero_ms:.0f} ms; reason: {reason}")
with open(results, "a") as f:
    f.write(f"{len(failed)} {to_zero_ms:.1f} {len(canary)} {rate:.0f}\n")
PY
  stop_gateway
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
def col(i):
    return [r[i] for r in rows]
def show(name, values, unit=""):
    print(f"{name}: median {statistics.median(values):.0f}{unit}, max {max(values):.0f}{unit}")
print(f"{len(rows)} runs")
show("calls/s", col(3))
show("failed calls", col(0))
show("calls served by the canary", col(2))
show("first failure to the last canary call", col(1), " ms")
PY
