#!/usr/bin/env bash
# A hookd cluster on loopback: redis-server, N `hookd serve` nodes in cluster
# mode (own ports, own data dirs) and nginx in front (an upstream of the
# nodes), all on free ports, all state in one directory. Used by
# tests/cluster/cluster_test.py and loadtest scripts; docs/cluster.md.
#
#   cluster-up.sh up DIR [NODES]        start everything (NODES defaults to 3)
#   cluster-up.sh down DIR              stop everything (SIGTERM, then SIGKILL)
#   cluster-up.sh stop-node DIR I [SIG] stop node I (1-based) with SIG (TERM)
#   cluster-up.sh start-node DIR I      start node I again, same ports and data
#                                       dir; returns once it answers /readyz
#   cluster-up.sh pause-redis DIR       SIGSTOP redis-server
#   cluster-up.sh resume-redis DIR      SIGCONT redis-server
#   cluster-up.sh env DIR               print the ports (sourceable)
#
# Environment: HOOKD (the binary; default build/cli/hookd), HOOKD_PLUGIN_DIR
# (the example plugins; default build/plugins), HOOKD_WORKERS (per node, 1),
# HOOKD_CLUSTER_LOG_MAX (cluster.log_max_entries, 10000; Redis keeps stream
# nodes of 4 entries here, so a small value really trims).
# Every wait is bounded; a failed `up` leaves nothing running.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
hookd=${HOOKD:-$root/build/cli/hookd}
plugin_dir=${HOOKD_PLUGIN_DIR:-$root/build/plugins}
workers=${HOOKD_WORKERS:-1}
log_max=${HOOKD_CLUSTER_LOG_MAX:-10000}
token=cluster-admin-token

die() {
  echo "cluster-up: $*" >&2
  exit 1
}

# free_port, alive, stop_pid, wait_http, nginx_conf
# shellcheck source=lib/proc.sh
source "$root/scripts/lib/proc.sh"

load_env() {
  [ -f "$dir/cluster.env" ] || die "$dir/cluster.env not found (run 'up' first)"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
}

node_config() {  # node_config I PORT ADMIN_PORT
  local i=$1 node="$dir/node$1"
  mkdir -p "$node" && mkdir -p -m 700 "$node/data"
  cat >"$node/hookd.toml" <<EOF
[server]
listen = "127.0.0.1:$2"
admin_listen = "127.0.0.1:$3"
workers = $workers
data_dir = "$node/data"
admin_token = "$token"
trusted_proxies = ["127.0.0.1"]
drain_timeout_ms = 3000

[limits]
blocking_threads = 4

[log]
access_log = false

[kv]
backend = "redis"

[kv.redis]
address = "127.0.0.1:$REDIS_PORT"
connect_timeout_ms = 200
command_timeout_ms = 300

[cluster]
enabled = true
node_id = "node$i"
heartbeat_ms = 200
node_ttl_ms = 1000
log_max_entries = $log_max
EOF
}

start_node() {  # start_node I: launches node I, waits for /readyz
  local i=$1 port_var="NODE$1_PORT" admin_var="NODE$1_ADMIN"
  local port=${!port_var} admin=${!admin_var}
  "$hookd" serve --config "$dir/node$i/hookd.toml" --plugin-dir "$plugin_dir" \
    >>"$dir/node$i/hookd.out" 2>>"$dir/node$i/hookd.err" &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid" >"$dir/node$i/pid"
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -le "$deadline" ]; do
    alive "$pid" || { tail -n 20 "$dir/node$i/hookd.err" >&2; die "node $i exited"; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true)" = 200 ] && return 0
    sleep 0.05
  done
  die "node $i not ready within 60 s (admin port $admin)"
}

nginx_config() {
  local servers=""
  for ((i = 1; i <= NODES; i++)); do
    local port_var="NODE${i}_PORT"
    servers+="    server 127.0.0.1:${!port_var} max_fails=1 fail_timeout=2s;"$'\n'
  done
  nginx_conf "$dir/nginx" 1 "  access_log off;
  upstream hookd {
$servers    keepalive 64;
    keepalive_timeout 20s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://hookd;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      # Connection errors go to the next node; a request already sent is
      # not repeated (plugin calls are POSTs: not idempotent).
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
    }
  }"
}

start_nginx() {
  local globals="daemon off; pid $dir/nginx/nginx.pid; error_log $dir/nginx/error.log warn;"
  nginx -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g "$globals" >"$dir/nginx/test.log" 2>&1 ||
    die "nginx -t: $(cat "$dir/nginx/test.log")"
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g "$globals" >>"$dir/nginx/stderr.log" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid" >"$dir/nginx/pid"
  wait_http "http://127.0.0.1:$NGINX_PORT/healthz" 200 15 || die "nginx did not answer within 15 s"
}

start_redis() {
  mkdir -p "$dir/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$dir/redis" \
    --stream-node-max-entries 4 \
    >"$dir/redis/redis.log" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid" >"$dir/redis/pid"
  local deadline=$((SECONDS + 15))
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    alive "$pid" || die "redis-server exited: $(tail -n 5 "$dir/redis/redis.log")"
    [ "$SECONDS" -le "$deadline" ] || die "redis-server did not answer within 15 s"
    sleep 0.05
  done
}

down() {
  [ -d "$dir" ] || return 0
  stop_pid "$(cat "$dir/nginx/pid" 2>/dev/null || true)"
  for f in "$dir"/node*/pid; do
    [ -f "$f" ] && stop_pid "$(cat "$f")"
  done
  local redis_pid
  redis_pid=$(cat "$dir/redis/pid" 2>/dev/null || true)
  [ -n "$redis_pid" ] && kill -CONT "$redis_pid" 2>/dev/null
  stop_pid "$redis_pid"
  return 0
}

up() {
  local nodes=${1:-3}
  for tool in redis-server redis-cli nginx curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
  done
  [ -x "$hookd" ] || die "$hookd not found (scripts/build.sh hookd)"
  mkdir -p "$dir"
  {
    echo "NODES=$nodes"
    echo "REDIS_PORT=$(free_port)"
    echo "NGINX_PORT=$(free_port)"
    for ((i = 1; i <= nodes; i++)); do
      echo "NODE${i}_PORT=$(free_port)"
      echo "NODE${i}_ADMIN=$(free_port)"
    done
    echo "ADMIN_TOKEN=$token"
  } >"$dir/cluster.env"
  load_env
  trap 'down' EXIT
  start_redis
  for ((i = 1; i <= nodes; i++)); do
    local port_var="NODE${i}_PORT" admin_var="NODE${i}_ADMIN"
    node_config "$i" "${!port_var}" "${!admin_var}"
    start_node "$i"
  done
  nginx_config
  start_nginx
  trap - EXIT
  cat "$dir/cluster.env"
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: cluster-up.sh up|down|stop-node|start-node|pause-redis|resume-redis|env DIR ..."
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
case "$cmd" in
  up) up "${3:-3}" ;;
  down) down ;;
  stop-node)
    load_env
    stop_pid "$(cat "$dir/node$3/pid")" "${4:-TERM}"
    ;;
  start-node)
    load_env
    start_node "$3"
    ;;
  pause-redis) load_env && kill -STOP "$(cat "$dir/redis/pid")" ;;
  resume-redis) load_env && kill -CONT "$(cat "$dir/redis/pid")" ;;
  env) cat "$dir/cluster.env" ;;
  *) die "unknown command $cmd" ;;
esac
