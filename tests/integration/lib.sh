# Shared by the integration test scripts: process control and checks that
# end with the "N passed, N failed" line CTest output is read for.
# free_port, stop_pid, alive, wait_http, nginx_conf, nginx_start_fg
# shellcheck source=../../scripts/lib/proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/proc.sh"

require_tools() {  # require_tools TOOL...: exits 77 (ctest: skipped) when one is missing
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "SKIP: $tool is not installed"
      echo "0 passed, 0 failed"
      exit 77
    fi
  done
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
# listening line, and sets hookd_pid, hookd_port and admin_port; `fatal`
# (below) when it does not start. hookd.err is emptied here, before the
# start: truncated by the child's own redirection instead, the wait could
# read the previous process's listening line (and ports) before the child
# got to it.
launch_hookd() {
  : >"$tmp/hookd.err"
  "$hookd" serve --config "$1" --plugin-dir "$2" >>"$tmp/hookd.out" 2>>"$tmp/hookd.err" &
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

# start_nginx_site DIR SITE_CONF PORT: writes DIR/nginx.conf (one worker,
# every path under DIR) including SITE_CONF, starts nginx in the foreground
# and waits up to 15 s for /healthz on PORT to answer 200. Sets nginx_pid.
# Returns 2 when nginx -t rejects the config, 1 when nginx did not come up
# (probably lost the port: pick another and retry).
start_nginx_site() {
  nginx_conf "$1" 1 "  access_log $1/http-access.log;
  include $2;" || return 2
  nginx_start_fg "$1" "$3" 15
}

# fatal NAME WHY: fails NAME, prints the last 30 lines of each log named in
# $fatal_logs (paths below $tmp; default hookd.err) that exists, and
# finishes the script.
fatal() {
  fail "$1" "$2"
  local f
  for f in ${fatal_logs:-hookd.err}; do
    [ -f "$tmp/$f" ] && { echo "--- $f"; tail -n 30 "$tmp/$f"; }
  done
  finish
}
