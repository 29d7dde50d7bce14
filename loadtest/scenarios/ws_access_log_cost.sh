#!/bin/bash
# What a WebSocket access log line per message costs against the default of
# one line per session: two hookd processes side by side, both logging to a
# file, one with log.websocket_messages = true (a line per message, as every
# message had before the session line), the same 64-byte binary echo on
# /plugins/echo/echo, hookd-load -c CONNS -t2. Rounds alternate the two
# (order flipped every round); the medians of the per-round ratios are the
# result, with each hookd's CPU time per message read from /proc around
# every run (steadier than the rate on two shared cores).
#
#   loadtest/scenarios/ws_access_log_cost.sh               # 6 rounds of 5 s, 32 conns
#   DUR=5 ROUNDS=6 CONNS=32 loadtest/scenarios/ws_access_log_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-6}
conns=${CONNS:-32}
load="$build/loadtest/hookd-load"
bench_prepare ws_access_log_cost.sh python3 curl
[ -x "$load" ] || { echo "ws_access_log_cost.sh: build hookd-load first ($load)" >&2; exit 2; }

start_hookd session "$build/cli/hookd" "$work/session.log"
start_hookd message "$build/cli/hookd" "$work/message.log" "websocket_messages = true"
head -c 64 /dev/zero | tr '\0' 'x' >"$work/body64"
session_url="ws://127.0.0.1:$session_port/plugins/echo/echo"
message_url="ws://127.0.0.1:$message_port/plugins/echo/echo"
cpu_pids[$session_url]=$session_pid
cpu_pids[$message_url]=$message_pid

# run_ws_cpu SECONDS URL -> messages/s (0 when the run had errors), and its
# CPU ticks and messages in $work/cpu for cpu_report.
run_ws_cpu() {
  local secs=$1 url=$2 before after
  before=$(cpu_ticks "${cpu_pids[$url]}")
  "$load" "$url" -c "$conns" -t 2 -d "${secs}s" --ws-binary --body-file "$work/body64" --no-progress \
    --json "$work/run.json" >/dev/null 2>&1 || true
  after=$(cpu_ticks "${cpu_pids[$url]}")
  python3 - "$work/run.json" "$url" "$((after - before))" "$secs" "$dur" "$work/cpu" <<'PY'
import json, sys
path, url, ticks, secs, dur, cpu = sys.argv[1:7]
try:
    r = json.load(open(path))
except Exception:
    r = {}
ok = r.get("error_total", 1) == 0
if secs == dur and ok:
    with open(cpu, "a") as f:
        f.write(f"{url} {ticks} {r.get('requests', 0)}\n")
print(f"{r.get('requests_per_s', 0):.0f}" if ok else 0)
PY
}
round_runner=run_ws_cpu round_unit=msg/s

echo "hookd WebSocket echo, access log on: a line per session vs a line per message too; 2 workers," \
  "hookd-load -c$conns -t2, 64 B binary, ${dur}s per run, $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
alternate_rounds message "$message_url" session "$session_url"
echo "lines logged: $(wc -l <"$work/session.log") (session lines), $(wc -l <"$work/message.log") (message lines)"
cpu_report message "$message_url" session "$session_url"
