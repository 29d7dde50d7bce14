# Shared by the load-test scenarios in this folder (source it; it runs
# nothing); built on scripts/lib/proc.sh.
# Every server they start listens on loopback, on a free port.

# free_port, alive, stop_pid, wait_port, wait_http, nginx_conf
# shellcheck source=../../scripts/lib/proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/proc.sh"

# wait_ready PORT: returns once hookd on PORT answers /readyz with 200 (10 s).
wait_ready() {
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "hookd on port $1 did not become ready" >&2
  return 1
}

# hookd_config FILE PORT ADMIN_PORT DATA_DIR TOKEN [EXTRA_TOML]: the benchmark
# setup (2 workers, warnings only, no access log unless ACCESS_LOG names its
# file), plus EXTRA_TOML sections.
hookd_config() {
  local access="access_log = false"
  [ -n "${ACCESS_LOG:-}" ] && access="access_log = true
access_log_file = \"$ACCESS_LOG\""
  cat >"$1" <<CONF
[server]
listen = "127.0.0.1:$2"
admin_listen = "127.0.0.1:$3"
workers = 2
data_dir = "$4"
admin_token = "$5"
[log]
level = "warn"
$access
${6:-}
CONF
}

# start_nginx DIR PORT BODY: nginx with 2 workers answering every request with
# `return 200 BODY`, access log off unless NGINX_ACCESS_LOG names its file
# (then buffered as production setups do: 64 KiB, flushed every second); its
# pid file is DIR/nginx.pid.
start_nginx() {
  local dir=$1
  local access="access_log off;"
  [ -n "${NGINX_ACCESS_LOG:-}" ] && access="access_log $NGINX_ACCESS_LOG combined buffer=64k flush=1s;"
  nginx_conf "$dir" 2 "  $access
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:$2;
    location / { return 200 \"$3\"; }
  }"
  nginx -p "$dir" -c "$dir/nginx.conf" -g "pid $dir/nginx.pid; error_log $dir/error.log;"
}

# bench_routes N PLUGIN_DIR: TOML for the route benchmarks: the plugins echo
# and (N > 1) headers10x3 (tests/plugins) from PLUGIN_DIR as [plugins.*]
# (so the other examples are not loaded), and N [[routes]]: route 0 is
# POST /api/v1/echo/{id} to echo/echo, route 1 GET /bench/headers to
# headers10x3/headers, and the rest distinct fillers to echo/echo in four
# shapes (literals only, a parameter, a trailing wildcard, and paths below
# /api/v1/echo/{id} itself, so the matched branch is crowded too), with GET,
# POST or any method.
bench_routes() {
  python3 - "$1" "$2" <<'PYTHON'
import sys
n, plugins = int(sys.argv[1]), sys.argv[2]
print(f'[plugins.echo]\npath = "{plugins}/echo.wasm"')
if n > 1:
    print(f'[plugins.headers10x3]\npath = "{plugins}/headers10x3.wasm"')
out = ['methods = ["POST"]\npath = "/api/v1/echo/{id}"\nplugin = "echo"\nfunction = "echo"']
if n > 1:
    out.append('methods = ["GET"]\npath = "/bench/headers"\nplugin = "headers10x3"\nfunction = "headers"')
shapes = ["/r{i}/lit/a", "/api/v1/r{i}/{{x}}", "/static{i}/*", "/api/v1/echo/{{id}}/r{i}"]
methods = ['methods = ["GET"]\n', 'methods = ["POST"]\n', ""]
for i in range(max(n - 2, 0)):
    path = shapes[i % 4].format(i=i)
    out.append(f'{methods[i % 3]}path = "{path}"\nplugin = "echo"\nfunction = "echo"')
print("\n".join("[[routes]]\n" + r for r in out))
PYTHON
}

# post64_lua FILE: a wrk script that POSTs 64 bytes.
post64_lua() { printf 'wrk.method = "POST"\nwrk.body = string.rep("x", 64)\n' >"$1"; }

# bench_prepare NAME TOOL...: exits 2 unless the tools and $build/cli/hookd
# exist; then makes $work (a temp dir) and a trap that stops $pid (hookd) and
# an nginx started under $work/nginx, and removes $work.
bench_prepare() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: $tool is required (scripts/setup.sh)" >&2; exit 2; }
  done
  [ -x "$build/cli/hookd" ] || { echo "$name: build hookd first ($build/cli/hookd)" >&2; exit 2; }
  work=$(mktemp -d)
  pid=
  trap bench_cleanup EXIT INT TERM
}
bench_cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; fi
  local p
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [ -f "$work/nginx/nginx.pid" ]; then kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null; fi
  rm -rf "$work"
}

# start_hookd NAME BINARY [ACCESS_LOG_FILE [LOG_LINES]]: a hookd
# (hookd_config: 2 workers; the example plugins of $build/plugins) on free
# ports with its own data dir and log ($work/NAME.log), for scripts that
# compare two side by side; LOG_LINES are more [log] settings. Waits until
# it is ready and sets NAME_port and NAME_pid. bench_cleanup stops it.
extra_pids=()
start_hookd() {
  local name=$1 bin=$2 port
  port=$(free_port)
  ACCESS_LOG=${3:-} hookd_config "$work/$name.toml" "$port" "$(free_port)" "$work/data-$name" t "${4:-}"
  "$bin" serve --config "$work/$name.toml" --plugin-dir "$build/plugins" >"$work/$name.log" 2>&1 &
  extra_pids+=("$!")
  printf -v "${name}_pid" '%s' "$!"
  printf -v "${name}_port" '%s' "$port"
  wait_ready "$port"
}

# start_echo_pair NAME: nginx answering `return 200` with 64 bytes and hookd
# (2 workers, the example plugins) whose echo answers the same, both with
# their access logs to files under $work when LOGS=1; sets body (the 64
# bytes, also in $work/body64), nginx_port, hookd_port, admin_port, pid
# (hookd), nginx_url and hookd_url. NAME names the script in errors.
start_echo_pair() {
  body=$(printf 'x%.0s' $(seq 64))
  printf '%s' "$body" >"$work/body64"
  nginx_port=$(free_port)
  hookd_port=$(free_port)
  admin_port=$(free_port)
  if [ "${LOGS:-0}" = 1 ]; then
    export NGINX_ACCESS_LOG="$work/nginx-access.log" ACCESS_LOG="$work/hookd-access.log"
  fi
  start_nginx "$work/nginx" "$nginx_port" "$body"
  hookd_config "$work/hookd.toml" "$hookd_port" "$admin_port" "$work/data" t
  "$build/cli/hookd" serve --config "$work/hookd.toml" --plugin-dir "$build/plugins" >"$work/log" 2>&1 &
  pid=$!
  wait_ready "$hookd_port"
  nginx_url="http://127.0.0.1:$nginx_port/"
  hookd_url="http://127.0.0.1:$hookd_port/plugins/echo/echo"
  local out
  out=$(curl -sf -XPOST "$hookd_url" -d "$body")
  [ "$out" = "$body" ] || { echo "$1: hookd echo answered '$out'" >&2; exit 1; }
}

# alternate_rounds A_NAME A_URL B_NAME B_URL: ROUNDS rounds of wrk (-t2,
# CONNS connections, DUR seconds, the POST script $work/p.lua) against both
# URLs, order flipped every round, after a 2 s warm-up of each; prints each
# round's rate and B/A ratio, then the medians. Uses $rounds, $dur, $conns.
# Another load tool: set round_runner to a function "SECONDS URL -> rate"
# and round_unit to its unit (default run_wrk, req/s).
alternate_rounds() {
  local a_name=$1 a_url=$2 b_name=$3 b_url=$4 r a b
  local run=${round_runner:-run_wrk} unit=${round_unit:-req/s}
  run_wrk() { wrk -t2 -c"$conns" -d"${1}s" -s "$work/p.lua" "$2" | awk '/Requests\/sec/{print $2}'; }
  "$run" 2 "$a_url" >/dev/null
  "$run" 2 "$b_url" >/dev/null
  : >"$work/rounds"
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
      a=$("$run" "$dur" "$a_url"); b=$("$run" "$dur" "$b_url")
    else
      b=$("$run" "$dur" "$b_url"); a=$("$run" "$dur" "$a_url")
    fi
    echo "$a $b" >>"$work/rounds"
  done
  python3 - "$work/rounds" "$a_name" "$b_name" "$unit" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
a, b, unit = sys.argv[2], sys.argv[3], sys.argv[4]
ratios = [100 * y / x if x else 0 for x, y in rows]
for (x, y), r in zip(rows, ratios):
    print(f"{a} {x:9.0f}  {b} {y:9.0f}  ({r:5.1f}%)")
med = statistics.median
print(f"median {a} {med(r[0] for r in rows):.0f} {unit}, {b} {med(r[1] for r in rows):.0f} {unit}; "
      f"{b}/{a} median {med(ratios):.1f}% (rounds {min(ratios):.1f}..{max(ratios):.1f}%)")
PY
}

# CPU time per request, read from /proc around every measured run: steadier
# than requests/s when the load generator and the servers share two cores,
# since it does not depend on who the scheduler favoured. Set
# cpu_pids[URL]="PID..." for both URLs and round_runner=run_wrk_cpu before
# alternate_rounds; then cpu_report A_NAME A_URL B_NAME B_URL prints each
# side's CPU microseconds (user + system) per request and B's relative to A.
declare -A cpu_pids
cpu_ticks() {
  local total=0 p
  for p in $1; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$total"
}
run_wrk_cpu() {
  local secs=$1 url=$2 before after out
  before=$(cpu_ticks "${cpu_pids[$url]}")
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$work/p.lua" "$url")
  after=$(cpu_ticks "${cpu_pids[$url]}")
  if [ "$secs" = "$dur" ]; then
    echo "$url $((after - before)) $(awk '/requests in/{print $1}' <<<"$out")" >>"$work/cpu"
  fi
  awk '/Requests\/sec/{print $2}' <<<"$out"
}
cpu_report() {
  python3 - "$work/cpu" "$(getconf CLK_TCK)" "$@" <<'PY'
import statistics, sys
path, hz, a_name, a_url, b_name, b_url = sys.argv[1:7]
tick_us = 1e6 / int(hz)
runs = {a_url: [], b_url: []}
for line in open(path):
    url, ticks, reqs = line.split()
    if url in runs:
        runs[url].append(int(ticks) * tick_us / max(int(reqs), 1))
a, b = runs[a_url], runs[b_url]
ratios = [y / x for x, y in zip(a, b) if x]
med = statistics.median
print(f"CPU per request (user + system), {a_name}/{b_name} by round: "
      + ", ".join(f"{x:.1f}/{y:.1f}" for x, y in zip(a, b)) + " us")
print(f"median {a_name} {med(a):.2f} us, {b_name} {med(b):.2f} us; {b_name}/{a_name} median "
      f"{100 * med(ratios):.1f}% (rounds {100 * min(ratios):.1f}..{100 * max(ratios):.1f}%)")
PY
}
