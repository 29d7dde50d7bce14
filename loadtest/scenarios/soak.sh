#!/bin/bash
# Soak (not in CI): MINUTES of mixed load against a real `hookd serve`, and
# what the process does meanwhile. The load: 64-byte echo over HTTP, 4 KB JSON
# through greet (JSON -> msgpack -> JSON), echo over WebSocket, a trapping
# plugin, a plugin spinning until its 200 ms deadline, and a hot replace of a
# plugin through the admin API every few seconds. Every SAMPLE seconds the
# hookd process's RSS and open file descriptors are recorded.
#
# Summary: crashes (hookd must still be the same process and answer /readyz at
# the end), RSS after warm-up (the first quarter, at least 30 s) against the
# end, and fds at the start of the load against the end. Exit 1 when hookd
# crashed, RSS grew more than RSS_BOUND_PCT percent after warm-up, or fds grew
# by more than FD_SLACK.
#
#   loadtest/scenarios/soak.sh                   # 10 minutes
#   loadtest/scenarios/soak.sh 3                 # 3 minutes
#   SAMPLE=5 RSS_BOUND_PCT=10 FD_SLACK=8 loadtest/scenarios/soak.sh 10
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
minutes=${1:-10}
sample=${SAMPLE:-5}
rss_bound_pct=${RSS_BOUND_PCT:-10}
fd_slack=${FD_SLACK:-8}
replace_every=${REPLACE_EVERY:-3}
load="$build/loadtest/hookd-load"
plugins="$build/plugins"
bench_prepare soak.sh python3 curl
[ -x "$load" ] || { echo "soak.sh: build hookd-load first ($load)" >&2; exit 2; }
for p in echo greet trap loop version_a version_b; do
  [ -f "$plugins/$p.wasm" ] || { echo "soak.sh: $plugins/$p.wasm missing (build hookd_plugins)" >&2; exit 2; }
done

port=$(free_port)
admin=$(free_port)
token=soak-token
hookd_config "$work/hookd.toml" "$port" "$admin" "$work/data" "$token" "
[plugin_defaults]
deadline_ms = 200
[plugins.echo]
path = \"$plugins/echo.wasm\"
[plugins.greet]
path = \"$plugins/greet.wasm\"
[plugins.trap]
path = \"$plugins/trap.wasm\"
[plugins.loop]
path = \"$plugins/loop.wasm\"
"
"$build/cli/hookd" serve --config "$work/hookd.toml" --plugin-dir "$plugins" >"$work/log" 2>&1 &
pid=$!
wait_ready "$port"
admin_put() {
  curl -sf -o /dev/null -XPUT -H "Authorization: Bearer $token" --data-binary @"$plugins/$1.wasm" \
    "http://127.0.0.1:$admin/admin/plugins/ver"
}
admin_put version_a

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

secs=$((minutes * 60))
printf 'x%.0s' $(seq 64) >"$work/body64"
printf '{"name":"%s"}' "$(printf 'x%.0s' $(seq 1 4000))" >"$work/greet.json"
u="http://127.0.0.1:$port"
echo "soak: ${minutes} min against hookd pid $pid (2 workers), sampling every ${sample}s"
start_fds=$(fds)

# HTTP mix: mostly echo and JSON, some traps and deadline hits (the spinning
# plugin holds a worker for 200 ms per call, so it gets few connections'
# worth of weight; beyond its worker share its calls get 503).
"$load" "$u/" -c 48 -t 2 -d "${secs}s" --timeout 5s --no-progress --json "$work/http.json" \
  --request "POST /plugins/echo/echo body=@$work/body64 weight=60" \
  --request "POST /plugins/greet/greet body=@$work/greet.json header=Content-Type:application/json weight=20" \
  --request "POST /plugins/ver/which weight=10" \
  --request "POST /plugins/trap/unreachable weight=5" \
  --request "POST /plugins/loop/spin weight=1" >"$work/http.txt" 2>&1 &
http_load=$!
"$load" "ws://127.0.0.1:$port/plugins/echo/echo" -c 8 -t 1 -d "${secs}s" --timeout 5s --ws-binary \
  --ws-messages 1000 --body-file "$work/body64" --no-progress --json "$work/ws.json" >"$work/ws.txt" 2>&1 &
ws_load=$!

replaces=0
replace_fail=0
next_replace=0
t0=$(date +%s)
: >"$work/samples"
while :; do
  now=$(($(date +%s) - t0))
  [ "$now" -ge "$secs" ] && break
  kill -0 "$pid" 2>/dev/null || break
  echo "$now $(rss_kb) $(fds)" >>"$work/samples"
  # Hot replaces between samples, alternating two versions.
  deadline=$((now + sample))
  while [ "$(($(date +%s) - t0))" -lt "$deadline" ] && [ "$(($(date +%s) - t0))" -lt "$secs" ]; do
    if [ "$(($(date +%s) - t0))" -ge "$next_replace" ]; then
      v=$([ $((replaces % 2)) = 0 ] && echo version_b || echo version_a)
      admin_put "$v" || replace_fail=$((replace_fail + 1))
      replaces=$((replaces + 1))
      next_replace=$(($(date +%s) - t0 + replace_every))
    fi
    sleep 0.5
  done
done
wait "$http_load" 2>/dev/null || true
wait "$ws_load" 2>/dev/null || true
alive=yes
kill -0 "$pid" 2>/dev/null || alive=no
ready=no
[ "$alive" = yes ] && curl -sf "$u/readyz" >/dev/null && ready=yes
end_fds=$(fds)
echo "$secs $(rss_kb) $end_fds" >>"$work/samples"

python3 - "$work" "$alive" "$ready" "$start_fds" "$end_fds" "$replaces" "$replace_fail" "$rss_bound_pct" "$fd_slack" <<'PY'
import json, sys
work, alive, ready, start_fds, end_fds, replaces, replace_fail, bound, slack = sys.argv[1:]
start_fds, end_fds, replaces, replace_fail, bound, slack = map(int, (start_fds, end_fds, replaces, replace_fail, bound, slack))
rows = [list(map(int, l.split())) for l in open(f"{work}/samples") if l.strip()]
rows = [r for r in rows if r[1] > 0]
total = rows[-1][0] if rows else 0
warm = max(30, total // 4)
after = [r for r in rows if r[0] >= warm] or rows
warm_rss = after[0][1] if after else 0
end_rss = rows[-1][1] if rows else 0
peak_rss = max((r[1] for r in after), default=0)
growth = 100.0 * (end_rss - warm_rss) / warm_rss if warm_rss else 0.0

def load(name):
    try:
        return json.load(open(f"{work}/{name}.json"))
    except Exception:
        return {}
def summary(name):
    r = load(name)
    status = r.get("status", {})
    statuses = ", ".join(f"{k}:{v}" for k, v in sorted(status.items())) or "n/a"
    return (f"{name}: {r.get('requests', 0)} requests, {r.get('requests_per_s', 0):.0f}/s, status {statuses}, "
            f"errors {r.get('error_total', 0)}")

print(summary("http"))
print(summary("ws"))
print(f"hot replaces: {replaces} ({replace_fail} failed)")
crashed = alive != "yes" or ready != "yes"
print(f"crashes: {1 if crashed else 0} (hookd {'alive and ready' if not crashed else 'GONE or not ready'})")
print(f"RSS: after warm-up ({warm}s) {warm_rss/1024:.1f} MiB, end {end_rss/1024:.1f} MiB, peak after warm-up "
      f"{peak_rss/1024:.1f} MiB; growth {growth:+.1f}% (bound {bound}%)")
print(f"open fds: start {start_fds}, end {end_fds} (slack {slack})")
ok = not crashed and growth <= bound and end_fds <= start_fds + slack and replace_fail == 0
print("soak:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
