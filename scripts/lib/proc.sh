# shellcheck shell=bash
# Process, port and nginx helpers shared by every shell script that starts
# servers: the load-test scenarios (loadtest/scenarios/lib.sh), the
# integration tests (tests/integration/lib.sh) and scripts/cluster-up.sh.
# Source it; it runs nothing. Everything listens on loopback.

# free_port: a TCP port nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# alive PID: true while PID runs.
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid PID [SIG]: sends SIG (TERM), waits up to 10 s, then KILLs; reaps
# the process when it is our child.
stop_pid() {
  local pid=${1:-} sig=${2:-TERM} i
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_port PORT [SECONDS]: returns once something accepts on PORT (10 s).
wait_port() {
  local deadline=$((SECONDS + ${2:-10}))
  until (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do
    [ "$SECONDS" -le "$deadline" ] || { echo "port $1 did not open" >&2; return 1; }
    sleep 0.05
  done
}

# wait_http URL CODE SECONDS: returns once URL answers CODE.
wait_http() {
  local deadline=$((SECONDS + $3))
  while [ "$SECONDS" -le "$deadline" ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true)" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# nginx_conf DIR WORKERS HTTP_BODY: writes DIR/nginx.conf: WORKERS worker
# processes, every temporary path under DIR, and HTTP_BODY inside http { }.
# As root, the workers stay root (they would switch to "nobody" and could not
# write to DIR). pid and error_log are left to the caller (-g or HTTP_BODY's
# siblings), so one conf serves both foreground and daemon starts.
nginx_conf() {
  local dir=$1 user_line=
  [ "$(id -u)" = 0 ] && user_line="user root root;"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
$user_line
worker_processes $2;
events { worker_connections 4096; }
http {
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
$3
}
CONF
}

# nginx_start_fg DIR PORT SECONDS: checks DIR/nginx.conf (nginx -t; returns 2
# with its output when rejected), starts nginx in the foreground of a
# background job (pid in nginx_pid, its own pid file and error log in DIR) and
# waits for /healthz on PORT to answer 200; returns 1 when it did not come up
# (exited, e.g. lost the port, or no answer in time).
nginx_start_fg() {
  local dir=$1 port=$2 secs=$3
  local globals="daemon off; pid $dir/nginx.pid; error_log $dir/error.log info;"
  if ! nginx -t -q -p "$dir" -c "$dir/nginx.conf" -g "$globals" >"$dir/test.log" 2>&1; then
    cat "$dir/test.log"
    return 2
  fi
  nginx -p "$dir" -c "$dir/nginx.conf" -g "$globals" >>"$dir/stderr.log" 2>&1 &
  nginx_pid=$!
  local deadline=$((SECONDS + secs))
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! alive "$nginx_pid"; then
      wait "$nginx_pid" 2>/dev/null || true
      nginx_pid=
      return 1
    fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/healthz")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}
