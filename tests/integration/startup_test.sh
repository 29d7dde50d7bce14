#!/usr/bin/env bash
# What a new operator meets at start-up, with the real `hookd serve`:
# - the example config (config/hookd.toml) passes --check-config from the
#   repository root, as the README says;
# - a misspelt HOOKD_* variable is an error naming the nearest one, while the
#   scripts' own variables (HOOKD_BUILD_DIR, HOOKD_JOBS, ...) are not settings;
# - a generated admin token is kept in the data dir (mode 0600) across starts;
# - a second `hookd serve` on a busy port (another data dir, or the same one)
#   exits non-zero naming the address, and the first keeps every request;
# - SIGTERM with a call running past drain_timeout_ms: the call is cut off,
#   its client gets an error answer, and hookd exits 3 long before the
#   plugin's own deadline.
#
# Usage: startup_test.sh HOOKD_BINARY PLUGIN_DIR SOURCE_DIR
# Exits 77 (ctest: skipped) when curl or python3 is missing.
set -u
hookd=$(realpath "$1")
plugins=$(realpath "$2")
src=$(realpath "$3")
failures=0
passes=0

. "$(dirname "$0")/lib.sh"
require_tools curl python3
tmp=$(mktemp -d /tmp/hookd-startup-test.XXXXXX)
declare -a pids=()
# The admin token of these runs comes from the data dir, not the caller's environment.
unset HOOKD_ADMIN_TOKEN HOOKD_SERVER_ADMIN_TOKEN

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fatal_logs="a.err b.err c.err token1.err token2.err drain.err"

# serve NAME CONFIG: starts `hookd serve` (stderr to $tmp/NAME.err) and waits
# up to 60 s for its listening line. Sets pid, port and admin_port.
serve() {
  "$hookd" serve --config "$2" >/dev/null 2>"$tmp/$1.err" &
  pid=$!
  pids+=("$pid")
  local deadline=$((SECONDS + 60))
  until grep -Eq 'hookd serving on 127\.0\.0\.1:[0-9]+' "$tmp/$1.err"; do
    kill -0 "$pid" 2>/dev/null || fatal "$1_start" "hookd exited: $(tail -n 3 "$tmp/$1.err")"
    [ "$SECONDS" -le "$deadline" ] || fatal "$1_start" "no 'hookd serving on' line within 60 s"
    sleep 0.05
  done
  port=$(sed -nE 's/.*hookd serving on 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/$1.err" | head -n 1)
  admin_port=$(sed -nE 's/.*admin on 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/$1.err" | head -n 1)
}

# refused NAME CONFIG: runs a `hookd serve` that must not start; sets rc to
# its exit status (124 if it still ran after 60 s, then stopped).
refused() {
  "$hookd" serve --config "$2" >/dev/null 2>"$tmp/$1.err" &
  local p=$! deadline=$((SECONDS + 60))
  while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
  if kill -0 "$p" 2>/dev/null; then
    stop_pid "$p"
    rc=124
  else
    wait "$p"
    rc=$?
  fi
}

# config FILE DATA_DIR LISTEN [EXTRA]: a config with the echo plugin.
config() {
  cat >"$1" <<EOF
[server]
listen = "$3"
admin_listen = "127.0.0.1:0"
workers = 2
data_dir = "$2"
drain_quiet_ms = 0
${4:-}

[log]
access_log = false

[plugins.echo]
path = "$plugins/echo.wasm"
EOF
}

# --- the README's example config ---------------------------------------------
if [ -f "$src/build/plugins/echo.wasm" ]; then
  out=$(cd "$src" && "$hookd" serve --config config/hookd.toml --check-config 2>&1)
  expect example_config_check_exit "$?" 0
  expect_contains example_config_check_output "$out" "configuration ok (2 plugins)"
else
  # The example's paths point at build/ at the top of the tree (its comments say so).
  echo "skip example_config_check: no $src/build/plugins (built elsewhere)"
fi

# --- environment overrides --------------------------------------------------
config "$tmp/env.toml" "$tmp/env-data" "127.0.0.1:0"
out=$(HOOKD_SERVER_WORKERZ=4 "$hookd" serve --config "$tmp/env.toml" --check-config 2>&1)
expect env_typo_exit "$?" 2
expect_contains env_typo_hint "$out" "unknown variable HOOKD_SERVER_WORKERZ (did you mean HOOKD_SERVER_WORKERS?)"
out=$(HOOKD_PLUGINS_ECHO_DEADLINE_MS=0 "$hookd" serve --config "$tmp/env.toml" --check-config 2>&1)
expect env_plugin_variable_exit "$?" 2
expect_contains env_plugin_variable_message "$out" "per-plugin settings have no environment variables"
out=$(HOOKD_BUILD_DIR=/tmp/b HOOKD_JOBS=2 HOOKD_SKIP_ASAN=1 HOOKD_SERVER_WORKERS=3 \
      "$hookd" serve --config "$tmp/env.toml" --check-config 2>&1)
expect env_script_variables_exit "$?" 0

# --- the generated admin token survives a restart ---------------------------
mkdir -m 700 "$tmp/token-data"
config "$tmp/token.toml" "$tmp/token-data" "127.0.0.1:0"
serve token1 "$tmp/token.toml"
token1=$(cat "$tmp/token-data/admin.token")
expect token_file_mode "$(stat -c %a "$tmp/token-data/admin.token")" 600
expect token_works "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token1" \
  "http://127.0.0.1:$admin_port/plugins")" 200
stop_pid "$pid"
serve token2 "$tmp/token.toml"
expect token_kept_across_restarts "$(cat "$tmp/token-data/admin.token")" "$token1"
expect token_still_works "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token1" \
  "http://127.0.0.1:$admin_port/plugins")" 200
expect_contains token_read_logged "$(cat "$tmp/token2.err")" "admin token read from"
stop_pid "$pid"

# --- a second serve on a busy port ------------------------------------------
mkdir -m 700 "$tmp/a-data" "$tmp/b-data"
config "$tmp/a.toml" "$tmp/a-data" "127.0.0.1:0"
serve a "$tmp/a.toml"
a_pid=$pid
a_port=$port
config "$tmp/b.toml" "$tmp/b-data" "127.0.0.1:$a_port"
refused b "$tmp/b.toml"
[ "$rc" != 0 ] && [ "$rc" != 124 ] && pass "second serve, other data dir: exit $rc" ||
  fail second_serve_other_data_dir "exit status $rc"
expect_contains second_serve_other_data_dir_names_address "$(cat "$tmp/b.err")" "cannot listen on 127.0.0.1:$a_port"
config "$tmp/c.toml" "$tmp/a-data" "127.0.0.1:$a_port"
refused c "$tmp/c.toml"
[ "$rc" != 0 ] && [ "$rc" != 124 ] && pass "second serve, same data dir: exit $rc" ||
  fail second_serve_same_data_dir "exit status $rc"
expect_contains second_serve_same_data_dir_names_address "$(cat "$tmp/c.err")" "cannot listen on 127.0.0.1:$a_port"
codes=
for i in $(seq 1 20); do
  codes+=$(curl -s -o /dev/null -w '%{http_code} ' --max-time 10 --data-binary x "http://127.0.0.1:$a_port/plugins/echo/echo")
done
expect first_serve_keeps_every_request "$codes" "$(printf '200 %.0s' $(seq 1 20))"
stop_pid "$a_pid"

# --- the drain timeout bounds the stop --------------------------------------
mkdir -m 700 "$tmp/drain-data"
config "$tmp/drain.toml" "$tmp/drain-data" "127.0.0.1:0" 'drain_timeout_ms = 1000
admin_token = "startup-test-token"'
cat >>"$tmp/drain.toml" <<EOF

[plugins.loop]
path = "$plugins/loop.wasm"
deadline_ms = 10000
EOF
serve drain "$tmp/drain.toml"
drain_pid=$pid
curl -s -o "$tmp/spin.body" -w '%{http_code}' --max-time 30 -X POST \
  "http://127.0.0.1:$port/plugins/loop/spin" >"$tmp/spin.code" 2>/dev/null &
curl_pid=$!
pids+=("$curl_pid")
deadline=$((SECONDS + 20))
until curl -s -H "Authorization: Bearer startup-test-token" "http://127.0.0.1:$admin_port/metrics" |
    grep -Eq '^hookd_in_flight_requests [1-9]'; do
  [ "$SECONDS" -le "$deadline" ] || fatal spin_in_flight "the spinning call was never in flight"
  sleep 0.05
done
term_at=$(date +%s%N)
kill -TERM "$drain_pid"
# Bounded generously (a loaded machine): the exit must come before the
# plugin's 10 s deadline would have ended the call.
deadline=$((SECONDS + 8))
while kill -0 "$drain_pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
if kill -0 "$drain_pid" 2>/dev/null; then
  fail drain_bounds_stop "still running 8 s after SIGTERM with drain_timeout_ms = 1000"
else
  wait "$drain_pid"
  expect drain_timeout_exit_status "$?" 3
  echo "stopped $(( ($(date +%s%N) - term_at) / 1000000 )) ms after SIGTERM"
fi
wait "$curl_pid"
expect cut_off_call_answered "$(cat "$tmp/spin.code")" 504
expect_contains drain_timeout_logged "$(cat "$tmp/drain.err")" "terminating the plugin calls still running"
finish
