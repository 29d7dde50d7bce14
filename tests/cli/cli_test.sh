#!/usr/bin/env bash
# `hookd call` end to end: output on stdout, exit 0; plugin faults exit 1 with
# the message on stderr; usage and load errors exit 2.
set -u
hookd=$1
plugins=$2
failures=0
passes=0

check() {  # check NAME EXPECTED_RC EXPECTED_STDOUT STDERR_SUBSTRING -- ARGS...
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  local out err rc
  out=$("$hookd" "$@" <"${CHECK_STDIN:-/dev/null}" 2>/tmp/hookd-cli-err.$$)
  rc=$?
  err=$(cat /tmp/hookd-cli-err.$$)
  if [ "$rc" != "$want_rc" ] || { [ -n "$want_out" ] && [ "$out" != "$want_out" ]; } ||
     { [ -n "$want_err" ] && [[ "$err" != *"$want_err"* ]]; }; then
    echo "FAIL $name: rc=$rc (want $want_rc) stdout=[$out] stderr=[$err]"
    failures=$((failures + 1))
  else
    echo "ok   $name"
    passes=$((passes + 1))
  fi
}

check echo 0 "hello hookd" "" -- call "$plugins/echo.wasm" echo --data "hello hookd"
printf 'from a file' >/tmp/hookd-cli-in.$$
check echo_file 0 "from a file" "" -- call "$plugins/echo.wasm" echo --input /tmp/hookd-cli-in.$$
printf 'from stdin' >/tmp/hookd-cli-stdin.$$
CHECK_STDIN=/tmp/hookd-cli-stdin.$$ check echo_stdin 0 "from stdin" "" -- call "$plugins/echo.wasm" echo --input -
check echo_pipe 0 "from a pipe" "" -- call "$plugins/echo.wasm" echo --input <(printf 'from a pipe')
check echo_dev_null 0 "" "" -- call "$plugins/echo.wasm" echo --input /dev/null
check input_missing 2 "" "cannot read /nonexistent/in" -- call "$plugins/echo.wasm" echo --input /nonexistent/in
check vowels 0 "3" "" -- call "$plugins/vowels.wasm" count_vowels --data "hello world"
sha=$(sha256sum "$plugins/echo.wasm" | cut -d' ' -f1)
check sha_ok 0 "x" "" -- call "$plugins/echo.wasm" echo --data x --sha256 "$sha"
check sha_bad 2 "" "SHA-256 mismatch" -- call "$plugins/echo.wasm" echo --data x --sha256 "$(printf '0%.0s' {1..64})"
check trap 1 "" "unreachable" -- call "$plugins/trap.wasm" unreachable
check div_zero 1 "" "divide by zero" -- call "$plugins/trap.wasm" div_zero
check oob 1 "" "out of bounds" -- call "$plugins/trap.wasm" oob
check stack 1 "" "Maximum call stack size exceeded" -- call "$plugins/stack.wasm" overflow
check loop 1 "" "deadline of 200 ms exceeded" -- call "$plugins/loop.wasm" spin --timeout-ms 200
check hog 1 "" "malloc failed" -- call "$plugins/hog.wasm" hog --max-memory-pages 64
check badptr 1 "" "out of bounds" -- call "$plugins/badptr.wasm" bad_log
check plugin_error 1 "" "name must not be empty" -- call "$plugins/greet.wasm" greet --data $'\x81\xa4name\xa0'
# waPC guests (AssemblyScript, @wapc/as-guest): the called operation is the
# plugin's one declared function.
check wapc_echo 0 "hello waPC" "" -- call "$plugins/as_wapc_echo.wasm" echo --data "hello waPC"
check wapc_vowels 0 '{"count":3,"vowels":"aeiouAEIOU"}' "" -- call "$plugins/as_wapc_count_vowels.wasm" count_vowels --data "hello world"
check wapc_error 1 "" "failed on purpose: x" -- call "$plugins/as_wapc_fail.wasm" fail --data x
check wapc_unknown_op 1 "" "Could not find function" -- call "$plugins/as_wapc_fail.wasm" nope
check wapc_loop 1 "" "deadline of 200 ms exceeded" -- call "$plugins/as_wapc_trap.wasm" loop --timeout-ms 200
check abi 2 "" "plugin ABI 2, host supports 1" -- call "$plugins/abi2.wasm" x
check unknown_fn 2 "" "has no function" -- call "$plugins/echo.wasm" nope
check no_args 2 "" "Usage" -- call
version_out=$("$hookd" --version)
if [[ "$version_out" =~ ^hookd\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}|unknown)\)$ ]]; then
  echo "ok   version"; passes=$((passes + 1))
else
  echo "FAIL version: [$version_out]"; failures=$((failures + 1))
fi
# Extism plugins (the raw-kernel test plugin): bytes in and out, config from
# --config, the ABI named when a call fails.
check extism_echo 0 "hello extism" "" -- call "$plugins/extism_raw.wasm" echo --data "hello extism"
check extism_config 0 "hi there" "" -- call "$plugins/extism_raw.wasm" config --data greeting --config "greeting=hi there"
check extism_no_config 0 "unset" "" -- call "$plugins/extism_raw.wasm" config --data greeting
check extism_fail 1 "" "(extism plugin)" -- call "$plugins/extism_raw.wasm" fail
check extism_fail_msg 1 "" "something went wrong" -- call "$plugins/extism_raw.wasm" fail
check extism_unknown_fn 2 "" "extism plugin has no function" -- call "$plugins/extism_raw.wasm" nope
check bad_config 2 "" "--config takes key=value" -- call "$plugins/echo.wasm" echo --config novalue
check both_inputs 2 "" "Usage" -- call "$plugins/echo.wasm" echo --data a --input /tmp/hookd-cli-in.$$
check bad_timeout 2 "" "Usage" -- call "$plugins/echo.wasm" echo --timeout-ms 0
rm -f /tmp/hookd-cli-err.$$ /tmp/hookd-cli-in.$$ /tmp/hookd-cli-stdin.$$
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
