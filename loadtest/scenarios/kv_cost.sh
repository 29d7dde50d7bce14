#!/bin/bash
# What 10 KV reads per request cost in gateway throughput: echo (64 B) vs
# kvbench/read10 (a test plugin: ten kv_get of the counter's key, then the
# same echo) vs kvbench/read10_batch (the ten keys in one kv.get_many), on
# the embedded LMDB store. Rounds alternate the three (rotating their order,
# so drift hits each alike) and every round gives its own ratios; the medians
# over rounds are the result.
#
#   loadtest/scenarios/kv_cost.sh          # hookd 2 workers, wrk -t2 -c100, 8 rounds of 5 s
#   DUR=5 ROUNDS=8 CONNS=100 loadtest/scenarios/kv_cost.sh
#   KV=memory loadtest/scenarios/kv_cost.sh  # the in-memory store instead of LMDB
# (Pinning hookd and wrk to one core each was tried: on this 2-core VM
# single rounds then spread far more, so both share the cores.)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
dur=${DUR:-5}
rounds=${ROUNDS:-8}
conns=${CONNS:-100}
kv_backend=${KV:-lmdb}
bench_prepare kv_cost.sh wrk python3 curl

port=$(free_port)
aport=$(free_port)
hookd_config "$work/h.toml" "$port" "$aport" "$work/data" t "[kv]
backend = \"$kv_backend\""
"$build/cli/hookd" serve --config "$work/h.toml" --plugin-dir "$build/plugins" >"$work/log" 2>&1 &
pid=$!
wait_ready "$port"
base="http://127.0.0.1:$port/plugins"
curl -sf -XPOST "$base/counter/incr" -d 12345 >/dev/null
curl -sf -XPUT -H "Authorization: Bearer t" -H 'X-Hookd-Settings: {"grants":{"kv":{"namespace":"counter","mode":"r"}}}' \
  --data-binary @"$build/plugins/kvbench.wasm" "http://127.0.0.1:$aport/admin/plugins/kvbench" >/dev/null
for fn in read10 read10_batch; do
  out=$(curl -sf -XPOST "$base/kvbench/$fn" -d ping) || { echo "kv_cost.sh: kvbench/$fn failed" >&2; exit 1; }
  [ "$out" = ping ] || { echo "kv_cost.sh: kvbench/$fn answered '$out'" >&2; exit 1; }
done
post64_lua "$work/p.lua"
run() { wrk -t2 -c"$conns" -d"${1}s" -s "$work/p.lua" "$base/$2" | awk '/Requests\/sec/{print $2}'; }
run 2 echo/echo >/dev/null
run 2 kvbench/read10 >/dev/null

targets=(echo/echo kvbench/read10 kvbench/read10_batch)
echo "hookd 2 workers ($kv_backend store), wrk -t2 -c$conns, ${dur}s per run, $rounds rounds"
for r in $(seq "$rounds"); do
  declare -A rps=()
  for i in 0 1 2; do
    t=${targets[$(((i + r) % 3))]}
    rps[$t]=$(run "$dur" "$t")
  done
  echo "${rps[echo/echo]} ${rps[kvbench/read10]} ${rps[kvbench/read10_batch]}" >>"$work/rounds"
  unset rps
done
python3 - "$work/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
sep = [100 * (1 - k / e) for e, k, _ in rows]
bat = [100 * (1 - b / e) for e, _, b in rows]
for (e, k, b), s, t in zip(rows, sep, bat):
    print(f"echo {e:9.0f}  read10 {k:9.0f} ({s:5.1f}%)  read10_batch {b:9.0f} ({t:5.1f}%)")
med = statistics.median
print(f"median echo {med(r[0] for r in rows):.0f} req/s; cost of 10 reads: separate {med(sep):.1f}%, "
      f"batched {med(bat):.1f}% (rounds: {min(sep):.1f}..{max(sep):.1f}%, {min(bat):.1f}..{max(bat):.1f}%)")
PY
