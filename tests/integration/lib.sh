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
# (below) when it does not start.
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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_nginx_site DIR SITE_CONF PORT: writes DIR/nginx.conf (one worker,
# every path under DIR) including SITE_CONF, starts nginx in the foreground
# and waits up to 15 s for /healthz on PORT to answer 200. Sets nginx_pid.
# Returns 2 when nginx -t rejects the config, 1 when nginx did not come up
# (probably lost the port: pick another and retry).
start_nginx_site() {
  local dir=$1 site=$2 port=$3 user_line=
  # As root, nginx's workers would switch to "nobody" and could not write to DIR.
  [ "$(id -u)" = 0 ] && user_line="user root root;"
  cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log $dir/http-access.log;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  include $site;
}
EOF
  local globals="daemon off; pid $dir/nginx.pid; error_log $dir/error.log info;"
  if ! nginx -t -q -p "$dir" -c "$dir/nginx.conf" -g "$globals" >"$dir/test.log" 2>&1; then
    cat "$dir/test.log"
    return 2
  fi
  nginx -p "$dir" -c "$dir/nginx.conf" -g "$globals" >>"$dir/stderr.log" 2>&1 &
  nginx_pid=$!
  local deadline=$((SECONDS + 15))
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
      wait "$nginx_pid" 2>/dev/null
      nginx_pid=
      return 1
    fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/healthz")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
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
