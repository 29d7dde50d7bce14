#!/usr/bin/env bash
# `hookd serve` end to end with curl, no proxy: the public routes, a plugin
# call, the admin API (upload, call, inspect, persist across a restart,
# delete), --check-config, and a graceful stop with a request in flight.
#
# Usage: smoke_test.sh HOOKD_BINARY PLUGIN_DIR
# Exits 77 (ctest: skipped) when curl is missing.
set -u
hookd=$(realpath "$1")
plugins=$(realpath "$2")
failures=0
passes=0

if ! command -v curl >/dev/null 2>&1; then
  echo "SKIP: curl is not installed"
  echo "0 passed, 0 failed"
  exit 77
fi

. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/hookd-smoke-test.XXXXXX)
hookd_pid=
slow_pid=
export HOOKD_ADMIN_TOKEN=smoke-test-admin-token

cleanup() {
  stop_pid "$slow_pid"
  stop_pid "$hookd_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/data"
cat >"$tmp/hookd.toml" <<EOF
[server]
listen = "127.0.0.1:0"
admin_listen = "127.0.0.1:0"
workers = 2
data_dir = "$tmp/data"
drain_timeout_ms = 5000

[plugins.echo]
path = "$plugins/echo.wasm"

[plugins.loop]
path = "$plugins/loop.wasm"
deadline_ms = 1000

# A waPC guest (AssemblyScript, @wapc/as-guest): its operations are declared.
[plugins.wapc_echo]
path = "$plugins/as_wapc_echo.wasm"
functions = ["echo"]
EOF

start_hookd() {  # sets hookd_pid, port, admin_port, P (public URL), A (admin URL)
  : >"$tmp/hookd.err"
  launch_hookd "$tmp/hookd.toml" "$plugins"
  port=$hookd_port
  P="http://127.0.0.1:$port"
  A="http://127.0.0.1:$admin_port/admin/plugins"
}

# stop_hookd NAME: SIGTERM, expect exit status 0 within 15 s.
stop_hookd() {
  kill -TERM "$hookd_pid"
  local deadline=$((SECONDS + 15))
  while kill -0 "$hookd_pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
  if kill -0 "$hookd_pid" 2>/dev/null; then
    fail "$1" "still running 15 s after SIGTERM"
    return
  fi
  wait "$hookd_pid"
  expect "$1" "$?" 0
  hookd_pid=
}

C=(curl -s --max-time 10)
admin() { "${C[@]}" -H "Authorization: Bearer $HOOKD_ADMIN_TOKEN" "$@"; }

# --- --check-config -------------------------------------------------------------
cat >"$tmp/bad.toml" <<'EOF'
[server]
listen = "127.0.0.1:0"
listne = "127.0.0.1:8081"

[limits]
max_body_bytes = "big"
EOF
out=$("$hookd" serve --check-config --config "$tmp/bad.toml" 2>&1)
expect check_config_bad_exit "$?" 2
expect_contains check_config_bad_key "$out" "bad.toml:3: unknown key 'server.listne'"
expect_contains check_config_bad_value "$out" "bad.toml:6: limits.max_body_bytes"
out=$("$hookd" serve --check-config --config "$tmp/hookd.toml" 2>&1)
expect check_config_good_exit "$?" 0
expect_contains check_config_good "$out" "configuration ok (3 plugins)"
out=$(HOOKD_SERVER_WORKERS=many "$hookd" serve --check-config --config "$tmp/hookd.toml" 2>&1)
expect check_config_bad_env_exit "$?" 2
expect_contains check_config_bad_env "$out" "HOOKD_SERVER_WORKERS"

# --- public routes --------------------------------------------------------------
start_hookd
pass "hookd started on $port (admin $admin_port)"
expect healthz "$("${C[@]}" -w '%{http_code}' "$P/healthz")" $'ok\n200'
expect readyz "$("${C[@]}" -w '%{http_code}' "$P/readyz")" $'ready\n200'
expect healthz_head "$("${C[@]}" -I -o /dev/null -w '%{http_code}' "$P/healthz")" 200
expect healthz_post_405 "$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/healthz")" 405
# The plugin list and metrics are on the admin listener (with the token); the
# public listener answers 404 unless server.public_* says otherwise.
expect plugins_not_public "$("${C[@]}" -o /dev/null -w '%{http_code}' "$P/plugins")" 404
expect metrics_not_public "$("${C[@]}" -o /dev/null -w '%{http_code}' "$P/metrics")" 404
out=$(admin "http://127.0.0.1:$admin_port/plugins")
expect_contains plugins_lists_echo "$out" '{"name":"echo","abi":"hookd","sha256":"'
expect_contains plugins_lists_loop "$out" '"functions":[{"name":"spin","input":"application/octet-stream"'
expect echo "$("${C[@]}" --data-binary 'smoke test' "$P/plugins/echo/echo")" "smoke test"
expect echo_empty "$("${C[@]}" -w '%{http_code}' -X POST "$P/plugins/echo/echo")" 200
hdrs=$("${C[@]}" -D - -o /dev/null -H 'X-Request-Id: smoke-1' --data-binary x "$P/plugins/echo/echo" | tr -d '\r')
expect_contains request_id_echoed "$hdrs" "X-Request-Id: smoke-1"
expect unknown_plugin "$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/plugins/nope/x")" 404
# waPC: from the config file, and uploaded through the admin API with its
# functions in the settings.
expect wapc_echo "$("${C[@]}" --data-binary 'waPC smoke' "$P/plugins/wapc_echo/echo")" "waPC smoke"
expect wapc_undeclared "$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/plugins/wapc_echo/nope")" 404
wsha=$(sha256sum "$plugins/as_wapc_count_vowels.wasm" | cut -d' ' -f1)
out=$(admin -X PUT -w ' %{http_code}' -H 'Content-Type: application/wasm' -H "X-Hookd-Sha256: $wsha" \
  -H 'X-Hookd-Settings: {"functions": ["count_vowels", "nope"]}' \
  --data-binary @"$plugins/as_wapc_count_vowels.wasm" "$A/wapc_vowels")
expect_contains wapc_admin_put "$out" ' 201'
expect_contains wapc_admin_put_functions "$out" '"functions":["count_vowels","nope"]'
expect wapc_admin_call "$("${C[@]}" --data-binary 'hello world' "$P/plugins/wapc_vowels/count_vowels")" \
  '{"count":3,"vowels":"aeiouAEIOU"}'
out=$("${C[@]}" -w ' %{http_code}' -d x "$P/plugins/wapc_vowels/nope")
expect_contains wapc_guest_error "$out" 'Could not find function'
expect_contains wapc_guest_error_status "$out" ' 422'
expect wapc_admin_delete "$(admin -o /dev/null -w '%{http_code}' -X DELETE "$A/wapc_vowels")" 204
expect unknown_route "$("${C[@]}" -o /dev/null -w '%{http_code}' "$P/nope")" 404
expect admin_not_on_public "$("${C[@]}" -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $HOOKD_ADMIN_TOKEN" "$P/admin/plugins")" 404
out=$(admin "http://127.0.0.1:$admin_port/metrics")
expect_contains metrics_requests "$out" 'hookd_requests_total{plugin="echo",fn="echo",code="200"}'
expect_contains metrics_connections "$out" 'hookd_connections_total{listener="public"}'
expect_contains metrics_start_time "$out" 'hookd_start_time_seconds'

# --- admin API ------------------------------------------------------------------
expect admin_no_token "$("${C[@]}" -o /dev/null -w '%{http_code}' "$A")" 401
expect admin_bad_token "$("${C[@]}" -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "$A")" 401
sha=$(sha256sum "$plugins/vowels.wasm" | cut -d' ' -f1)
out=$(admin -X PUT -w ' %{http_code}' -H 'Content-Type: application/wasm' -H "X-Hookd-Sha256: $sha" \
  -H 'X-Hookd-Settings: {"deadline_ms": 500, "config": {"greeting": "hi"}}' \
  --data-binary @"$plugins/vowels.wasm" "$A/v2")
expect_contains admin_put_created "$out" ' 201'
expect_contains admin_put_body "$out" "\"name\":\"v2\",\"abi\":\"hookd\",\"sha256\":\"$sha\""
expect_contains admin_put_settings "$out" '"deadline_ms":500'
expect_contains admin_put_persisted "$out" '"persisted":true'
# Module and settings are one file (one rename), readable by the gateway's user only.
if [ -f "$tmp/data/plugins/v2.plugin" ] && [ "$(stat -c %a "$tmp/data/plugins/v2.plugin")" = 600 ]; then
  pass admin_put_stored
else fail admin_put_stored "no v2.plugin (mode 600) in $tmp/data/plugins"; fi
expect call_uploaded "$("${C[@]}" --data-binary 'hello world' "$P/plugins/v2/count_vowels")" 3
out=$(admin -w ' %{http_code}' "$A/v2")
expect_contains admin_get "$out" '"name":"v2"'
expect_contains admin_get_calls "$out" '"calls":1,"errors":0'
expect_contains admin_get_status "$out" ' 200'
out=$(admin "$A")
expect_contains admin_list "$out" '"name":"v2"'
expect_contains admin_list_echo "$out" '"name":"echo"'
out=$(admin -X PUT -w ' %{http_code}' --data-binary @"$plugins/vowels.wasm" "$A/v2")
expect_contains admin_put_replaced "$out" ' 200'
expect admin_put_bad_sha "$(admin -X PUT -o /dev/null -w '%{http_code}' -H "X-Hookd-Sha256: $(printf '0%.0s' {1..64})" \
  --data-binary @"$plugins/vowels.wasm" "$A/v3")" 400
expect admin_put_bad_settings "$(admin -X PUT -o /dev/null -w '%{http_code}' -H 'X-Hookd-Settings: {"bogus": 1}' \
  --data-binary @"$plugins/vowels.wasm" "$A/v3")" 400
expect admin_put_not_wasm "$(admin -X PUT -o /dev/null -w '%{http_code}' --data-binary 'not wasm' "$A/v3")" 422
expect admin_put_bad_name "$(admin -X PUT -o /dev/null -w '%{http_code}' --data-binary x "$A/bad.name")" 400
expect admin_post_405 "$(admin -X POST -o /dev/null -w '%{http_code}' "$A")" 405
expect admin_get_unknown "$(admin -o /dev/null -w '%{http_code}' "$A/v3")" 404
expect call_not_uploaded "$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/plugins/v3/count_vowels")" 404

# --- graceful stop with a request in flight -------------------------------------
# loop.spin never returns; its 1 s deadline ends it with 504. SIGTERM arrives
# while it runs: the client must still get its 504, and hookd must exit 0.
"${C[@]}" --trace-ascii "$tmp/slow.trace" -o "$tmp/slow.body" -w '%{http_code}' -d x "$P/plugins/loop/spin" \
  >"$tmp/slow.code" &
slow_pid=$!
# Wait (bounded) until hookd reports the request in flight: then SIGTERM
# surely arrives while the call runs.
deadline=$((SECONDS + 10))
until admin "http://127.0.0.1:$admin_port/metrics" | grep -q '^hookd_in_flight_requests 1$' ||
  [ "$SECONDS" -gt "$deadline" ]; do sleep 0.02; done
slow_start=$SECONDS
stop_hookd graceful_stop_exit_0
wait "$slow_pid"
expect slow_request_curl_ok "$?" 0
slow_pid=
expect slow_request_504 "$(cat "$tmp/slow.code")" 504
expect_contains slow_request_body "$(cat "$tmp/slow.body")" '"plugin":"loop","fn":"spin"'
# The order in hookd's log proves the request was in flight at SIGTERM.
order=$(grep -oE 'received SIGTERM|\[plugin loop\] \[[^]]*\] fn spin' "$tmp/hookd.err" |
  sed 's/^\[plugin loop\].*/plugin loop fn spin/' | tr '\n' ',')
expect slow_request_in_flight_at_sigterm "$order" "received SIGTERM,plugin loop fn spin,"
expect_contains graceful_stop_logged "$(cat "$tmp/hookd.err")" "hookd stopped (all requests finished)"
[ $((SECONDS - slow_start)) -le 10 ] && pass graceful_stop_bounded || fail graceful_stop_bounded "took too long"
if "${C[@]}" -o /dev/null "$P/healthz"; then fail port_closed "hookd still answers"; else pass port_closed; fi

# --- uploads survive a restart; delete ------------------------------------------
start_hookd
expect persisted_after_restart "$("${C[@]}" --data-binary 'aeiou' "$P/plugins/v2/count_vowels")" 5
expect config_plugin_after_restart "$("${C[@]}" --data-binary 'again' "$P/plugins/echo/echo")" "again"
expect admin_delete "$(admin -X DELETE -o /dev/null -w '%{http_code}' "$A/v2")" 204
expect admin_get_deleted "$(admin -o /dev/null -w '%{http_code}' "$A/v2")" 404
expect admin_delete_again "$(admin -X DELETE -o /dev/null -w '%{http_code}' "$A/v2")" 404
expect call_deleted "$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/plugins/v2/count_vowels")" 404
if [ -e "$tmp/data/plugins/v2.wasm" ]; then fail admin_delete_unstored "v2.wasm still on disk"; else pass admin_delete_unstored; fi
stop_hookd stop_after_delete_exit_0

finish
