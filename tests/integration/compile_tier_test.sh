#!/usr/bin/env bash
# engine.compile end to end: `hookd serve` with each compile tier ("tiered":
# baseline code at load, every function optimised in the background;
# "optimized": every function optimised before a module serves) loads and
# calls plugins with the same answers, stops a runaway call at its deadline,
# hot-swaps the ~1 MiB module, and says which tier it runs; the environment
# overrides the file; a bad value is refused naming the key and the choices.
# V8's flags are process-wide, so each tier needs its own process: a gtest
# binary could only test the one its first Vm picked.
#
# Usage: compile_tier_test.sh HOOKD_BINARY PLUGIN_DIR
# Exits 77 (ctest: skipped) when curl or python3 is missing.
set -u
hookd=$(realpath "$1")
plugins=$(realpath "$2")
failures=0
passes=0
. "$(dirname "$0")/lib.sh"
require_tools curl python3
tmp=$(mktemp -d /tmp/hookd-compile-tier-test.XXXXXX)
hookd_pid=
export HOOKD_ADMIN_TOKEN=compile-tier-test-token
cleanup() {
  stop_pid "$hookd_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

write_config() {  # write_config FILE COMPILE_LINE (a data dir of its own: uploads persist)
  local data="${1%.toml}.data"
  mkdir -p "$data"
  cat >"$1" <<TOML
[server]
listen = "127.0.0.1:0"
admin_listen = "127.0.0.1:0"
workers = 2
data_dir = "$data"
drain_timeout_ms = 5000

[log]
access_log = false

[engine]
$2

[plugins.echo]
path = "$plugins/echo.wasm"

[plugins.vowels]
path = "$plugins/vowels.wasm"

[plugins.loop]
path = "$plugins/loop.wasm"
deadline_ms = 300

[plugins.big]
path = "$plugins/big_a.wasm"
TOML
}

C=(curl -s --max-time 10)

# mix_answers PORT N: N calls of big/mix (4 KiB bodies, each a different
# rotation) on one keep-alive connection, enough for its functions to run hot;
# prints the answers, one per line.
mix_answers() {
  python3 - "$1" "$2" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
base = bytes((i * 37 + 11) % 251 for i in range(4096))
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for i in range(n):
    body = base[i % 4096:] + base[:i % 4096]
    c.request("POST", "/plugins/big/mix", body=body)
    r = c.getresponse()
    out = r.read().decode()
    print(out if r.status == 200 else f"status {r.status}: {out}")
PY
}

# run_tier NAME WANT_TIER: checks a gateway started on $tmp/$NAME.toml (and
# the environment the caller set), then stops it. Leaves the mix answers in
# $tmp/$NAME.mix.
# compiled_by TIER: how many functions V8 compiled with TIER (Liftoff or
# TurboFan) so far, from its --trace-wasm-compilation-times lines on stdout
# (V8 10.2: "Compiled function ...#12 using Liftoff, took ...").
compiled_by() { grep -c "^Compiled function .* using $1," "$tmp/hookd.out"; }

run_tier() {
  local name=$1 want=$2 out i
  : >"$tmp/hookd.err"
  : >"$tmp/hookd.out"
  HOOKD_V8_FLAGS=--trace-wasm-compilation-times launch_hookd "$tmp/$name.toml" "$plugins"
  local P="http://127.0.0.1:$hookd_port" A="http://127.0.0.1:$admin_port/admin/plugins"
  expect_contains "${name}_says_tier" "$(cat "$tmp/hookd.err")" "plugins compiled $want (engine.compile)"
  # What V8 did at load: baseline code for every function when tiered (the
  # optimised code follows in the background), never any otherwise.
  if [ "$want" = tiered ]; then
    expect "${name}_load_compiled_baseline" "$(compiled_by Liftoff | awk '{print ($1 > 2000) ? "yes" : "no"}')" yes
  else
    expect "${name}_load_compiled_optimised" "$(compiled_by TurboFan | awk '{print ($1 > 2000) ? "yes" : "no"}')" yes
    expect "${name}_load_compiled_no_baseline" "$(compiled_by Liftoff)" 0
  fi
  expect "${name}_echo" "$("${C[@]}" --data-binary "tier $want" "$P/plugins/echo/echo")" "tier $want"
  expect "${name}_vowels" "$("${C[@]}" --data-binary 'hello world' "$P/plugins/vowels/count_vowels")" 3
  expect "${name}_big_which" "$("${C[@]}" -X POST "$P/plugins/big/which")" A
  mix_answers "$hookd_port" 400 >"$tmp/$name.mix"
  expect "${name}_mix_answers" "$(grep -c '^[0-9][0-9]*$' "$tmp/$name.mix")" 400
  if [ "$want" = tiered ]; then
    # Every function baseline-compiled is optimised in the background (give
    # it 30 s on a loaded machine).
    for ((i = 0; i < 300; i++)); do [ "$(compiled_by TurboFan)" -ge "$(compiled_by Liftoff)" ] && break; sleep 0.1; done
    expect "${name}_every_function_tiered_up" \
      "$(($(compiled_by TurboFan) >= $(compiled_by Liftoff) ? 1 : 0)) $(compiled_by Liftoff)" "1 $(compiled_by Liftoff)"
  else
    expect "${name}_never_baseline" "$(compiled_by Liftoff)" 0
  fi
  # Deadlines interrupt whatever code runs (baseline or optimised).
  out=$("${C[@]}" -o /dev/null -w '%{http_code}' -d x "$P/plugins/loop/spin")
  expect "${name}_loop_deadline_504" "$out" 504
  expect "${name}_echo_after_deadline" "$("${C[@]}" --data-binary again "$P/plugins/echo/echo")" again
  # A hot swap of the ~1 MiB module: answered after the publish. Uploaded
  # under its own name: the config file's plugins are pinned against uploads.
  out=$("${C[@]}" -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $HOOKD_ADMIN_TOKEN" \
    --data-binary @"$plugins/big_a.wasm" "$A/bigup")
  expect "${name}_first_put" "$out" 201
  out=$("${C[@]}" -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $HOOKD_ADMIN_TOKEN" \
    --data-binary @"$plugins/big_b.wasm" "$A/bigup")
  expect "${name}_swap_put" "$out" 200
  expect "${name}_big_which_after_swap" "$("${C[@]}" -X POST "$P/plugins/bigup/which")" B
  stop_pid "$hookd_pid"
  hookd_pid=
}

write_config "$tmp/tiered.toml" 'compile = "tiered"'
write_config "$tmp/optimized.toml" 'compile = "optimized"'
write_config "$tmp/default.toml" '# compile: the default'
run_tier tiered tiered
run_tier optimized optimized
run_tier default tiered
# Every mix answer is the same function of its input whichever code computed
# it: baseline before the tier-up, optimised after, or optimised throughout.
expect mix_same_answers_tiered_and_optimized "$(cmp -s "$tmp/tiered.mix" "$tmp/optimized.mix" && echo same)" same
expect mix_answers_vary "$(sort -u "$tmp/tiered.mix" | wc -l | awk '{print ($1 > 100) ? "yes" : "no"}')" yes

# The environment wins over the file.
write_config "$tmp/env.toml" 'compile = "optimized"'
HOOKD_ENGINE_COMPILE=tiered run_tier env tiered

# Bad values: refused before anything starts, naming the key and the choices.
write_config "$tmp/bad.toml" 'compile = "turbofan"'
out=$("$hookd" serve --check-config --config "$tmp/bad.toml" 2>&1)
expect bad_value_exit "$?" 2
expect_contains bad_value_message "$out" 'bad.toml:12: engine.compile: expected one of tiered|optimized, got "turbofan"'
out=$(HOOKD_ENGINE_COMPILE=lazy "$hookd" serve --check-config --config "$tmp/tiered.toml" 2>&1)
expect bad_env_exit "$?" 2
expect_contains bad_env_message "$out" 'HOOKD_ENGINE_COMPILE: expected one of tiered|optimized, got "lazy"'
finish
