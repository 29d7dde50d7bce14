#!/usr/bin/env bash
# A rolling restart behind nginx: three hookd nodes behind
# examples/nginx/cluster.conf (only the ports, the listen address and paths
# substituted), steady load through nginx, and each node in turn stopped with
# SIGTERM and started again on its port. No request may fail: the draining
# node keeps serving until nginx stops sending, then refuses connections,
# which nginx passes to another node.
#
# Usage: rolling_restart_test.sh HOOKD_BINARY HOOKD_LOAD_BINARY PLUGIN_DIR [SOURCE_DIR]
# Exits 77 (ctest: skipped) when nginx, curl or python3 is missing.
set -u
hookd=$(realpath "$1")
load=$(realpath "$2")
plugins=$(realpath "$3")
src=$(realpath "${4:-$(dirname "$0")/../..}")
failures=0
passes=0
nodes=3

. "$(dirname "$0")/lib.sh"
require_tools nginx curl python3
tmp=$(mktemp -d /tmp/hookd-rolling-test.XXXXXX)
nginx_pid=
load_pid=
declare -a node_pid node_port node_runs

cleanup() {
  stop_pid "$load_pid"
  stop_pid "$nginx_pid"
  for i in $(seq 1 $nodes); do stop_pid "${node_pid[$i]:-}"; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fatal() {
  fail "$1" "$2"
  for f in "$tmp"/node*.err "$tmp/nginx/error.log"; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
  done
  finish
}

# start_node I: starts node I on its port (a fresh log per run) and waits up
# to 60 s for its "serving" line.
start_node() {
  local i=$1 log
  node_runs[$i]=$((${node_runs[$i]:-0} + 1))
  log="$tmp/node$i.${node_runs[$i]}.err"
  "$hookd" serve --config "$tmp/node$i.toml" --plugin-dir "$plugins" >/dev/null 2>"$log" &
  node_pid[$i]=$!
  local deadline=$((SECONDS + 60))
  until grep -q 'hookd serving on' "$log"; do
    kill -0 "${node_pid[$i]}" 2>/dev/null || { node_pid[$i]=; fatal "node${i}_start" "exited: $(tail -n 3 "$log")"; }
    [ "$SECONDS" -le "$deadline" ] || fatal "node${i}_start" "no 'hookd serving on' line within 60 s"
    sleep 0.05
  done
}

# --- three nodes -------------------------------------------------------------
for i in $(seq 1 $nodes); do
  node_port[$i]=$(free_port)
  mkdir -m 700 "$tmp/data$i"
  cat >"$tmp/node$i.toml" <<EOF
[server]
listen = "127.0.0.1:${node_port[$i]}"
admin_listen = "127.0.0.1:0"
workers = 1
data_dir = "$tmp/data$i"
admin_token = "rolling-test-admin-token"
trusted_proxies = ["127.0.0.1"]
# Leave nginx quickly in a test: under load the quiet window never comes,
# so drain_accept_max_ms ends the accepting step.
drain_quiet_ms = 300
drain_accept_max_ms = 1500
drain_timeout_ms = 5000

[log]
access_log = false

[plugins.echo]
path = "$plugins/echo.wasm"
EOF
  start_node "$i"
done
pass "three nodes started on ${node_port[*]}"

# --- nginx -------------------------------------------------------------------
conf_in="$src/examples/nginx/cluster.conf"
for line in 'server 127.0.0.1:8081 ' 'server 127.0.0.1:8082 ' 'server 127.0.0.1:8083 ' 'listen 80;'; do
  grep -qF -- "$line" "$conf_in" || fatal nginx_conf "$conf_in has no '$line' to substitute"
done
mkdir -p "$tmp/nginx"
nginx_started=
for attempt in 1 2 3; do
  nginx_port=$(free_port)
  sed -e "s|server 127\.0\.0\.1:8081 |server 127.0.0.1:${node_port[1]} |" \
      -e "s|server 127\.0\.0\.1:8082 |server 127.0.0.1:${node_port[2]} |" \
      -e "s|server 127\.0\.0\.1:8083 |server 127.0.0.1:${node_port[3]} |" \
      -e "s|listen 80;|listen 127.0.0.1:$nginx_port;|" \
      "$conf_in" >"$tmp/nginx/cluster.conf"
  start_nginx_site "$tmp/nginx" "$tmp/nginx/cluster.conf" "$nginx_port"
  rc=$?
  [ "$rc" = 0 ] && { nginx_started=1; break; }
  [ "$rc" = 2 ] && fatal nginx_config "nginx -t rejected the generated config"
  stop_pid "$nginx_pid"
  nginx_pid=
done
[ -n "$nginx_started" ] || fatal nginx_start "nginx did not answer /healthz"
pass "nginx started on $nginx_port"
url="http://127.0.0.1:$nginx_port/plugins/echo/echo"
expect echo_through_nginx "$(curl -s --max-time 10 --data-binary hello "$url")" hello

# --- load, and every node restarted in turn ----------------------------------
# Open loop at a steady 3,000 requests/s (a busy service, not a saturated
# one: at saturation about one request per million during restarts can meet
# the kernel resetting a handshake completed in the instant a port closes;
# docs/deployment.md).
"$load" -c 16 -t 2 -r 3000 -d 30s -m POST --body rolling --timeout 10s --no-progress \
  --json "$tmp/load.json" "$url" >"$tmp/load.out" 2>&1 &
load_pid=$!
sleep 2
for i in $(seq 1 $nodes); do
  kill -TERM "${node_pid[$i]}"
  deadline=$((SECONDS + 20))
  while kill -0 "${node_pid[$i]}" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
  kill -0 "${node_pid[$i]}" 2>/dev/null && fatal "node${i}_stops" "still running 20 s after SIGTERM"
  wait "${node_pid[$i]}"
  expect "node${i}_drained_exit_status" "$?" 0
  node_pid[$i]=
  start_node "$i"
  pass "node $i restarted"
  sleep 2
done
deadline=$((SECONDS + 60))
while kill -0 "$load_pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.2; done
wait "$load_pid"
expect load_exit_status "$?" 0
load_pid=

# Every request answered 200; no connection error, timeout or bad answer.
summary=$(python3 - "$tmp/load.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
status = r["status"]
ok = int(status.get("200", 0))
bad = sum(int(v) for k, v in status.items() if k != "200")
errors = sum(int(v) for v in r["errors"].values())
print(ok, bad, errors, json.dumps(status, separators=(",", ":")), json.dumps(r["errors"], separators=(",", ":")))
EOF
)
read -r ok bad errors status_json errors_json <<<"$summary"
echo "load through nginx: $ok answered 200; statuses $status_json; errors $errors_json"
[ "${ok:-0}" -gt 30000 ] && pass "requests served during the restarts ($ok)" || fail requests_served "only ${ok:-0}"
expect non_200_answers "$bad" 0
expect failed_requests "$errors" 0
if [ "$bad" != 0 ] || [ "$errors" != 0 ]; then
  grep -E 'error|upstream' "$tmp/nginx/error.log" | tail -n 10
fi

# Each node served again after its restart.
for i in $(seq 1 $nodes); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --data-binary x "http://127.0.0.1:${node_port[$i]}/plugins/echo/echo")
  expect "node${i}_serves_after_restart" "$code" 200
done
finish
