#!/bin/bash
# Throughput cost of 10 kv reads per request: echo vs counter/get10 vs
# counter/get10_batch through one hookd (2 workers), wrk -t2 -c100, in turn.
#   DUR=8 ROUNDS=5 loadtest/kv_cost.sh
root=$(cd "$(dirname "$0")/.." && pwd); build=${BUILD:-$root/build}; d=${DUR:-5}; rounds=${ROUNDS:-3}
work=$(mktemp -d); port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
aport=$((port+1))
cat >$work/h.toml <<CONF
[server]
listen = "127.0.0.1:$port"
admin_listen = "127.0.0.1:$aport"
workers = 2
data_dir = "$work/data"
admin_token = "t"
[log]
level = "warn"
access_log = false
CONF
$build/cli/hookd serve --config $work/h.toml --plugin-dir $build/plugins >$work/log 2>&1 &
pid=$!
sleep 1.5
curl -s -XPOST "http://127.0.0.1:$port/plugins/counter/incr" -d 12345 >/dev/null
curl -s -XPOST "http://127.0.0.1:$port/plugins/counter/get10"; echo
cat >$work/p.lua <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
LUA
wrk -t2 -c32 -d2s -s $work/p.lua http://127.0.0.1:$port/plugins/echo/echo >/dev/null
for r in $(seq $rounds); do
  e=$(wrk -t2 -c100 -d${d}s -s $work/p.lua http://127.0.0.1:$port/plugins/echo/echo | awk '/Requests\/sec/{print $2}')
  k=$(wrk -t2 -c100 -d${d}s -s $work/p.lua http://127.0.0.1:$port/plugins/counter/get10 | awk '/Requests\/sec/{print $2}')
  b=$(wrk -t2 -c100 -d${d}s -s $work/p.lua http://127.0.0.1:$port/plugins/counter/get10_batch | awk "/Requests\/sec/{print \$2}")
  python3 -c "e=float('$e'); k=float('$k'); b=float('$b'); print(f'echo {e:.0f} get10 {k:.0f} ({100*(1-k/e):.1f}%) batch {b:.0f} ({100*(1-b/e):.1f}%)')"
done
kill $pid; wait $pid 2>/dev/null; rm -rf $work
