# Shared by the integration test scripts: process control and checks that
# end with the "N passed, N failed" line CTest output is read for.
stop_pid() {  # stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
expect() {  # expect NAME ACTUAL WANTED
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got [$2], want [$3]"; fi
}
expect_contains() {  # expect_contains NAME HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1" "[$2] does not contain [$3]"; fi
}
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
  exit
}

# launch_hookd CONFIG PLUGIN_DIR: starts "$hookd serve" (stdout appended to
# $tmp/hookd.out, stderr to $tmp/hookd.err), waits up to 60 s for its
# listening line, and sets hookd_pid, hookd_port and admin_port. Uses the
# caller's `fatal`.
launch_hookd() {
  "$hookd" serve --config "$1" --plugin-dir "$2" >>"$tmp/hookd.out" 2>"$tmp/hookd.err" &
  hookd_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -Eq 'hookd serving on 127\.0\.0\.1:[0-9]+' "$tmp/hookd.err"; do
    kill -0 "$hookd_pid" 2>/dev/null || { hookd_pid=; fatal hookd_start "hookd exited"; }
    [ "$SECONDS" -le "$deadline" ] || fatal hookd_start "no 'hookd serving on' line within 60 s"
    sleep 0.05
  done
  hookd_port=$(sed -nE 's/.*hookd serving on 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/hookd.err" | head -n 1)
  admin_port=$(sed -nE 's/.*admin on 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/hookd.err" | head -n 1)
}
