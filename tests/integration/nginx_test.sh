#!/usr/bin/env bash
# hookd behind nginx, using examples/nginx/hookd.conf as shipped (only the
# ports, the listen address and the log path are substituted): plugin calls,
# request ids, X-Forwarded-For, JSON<->msgpack, error statuses, body limit,
# upstream keep-alive and a WebSocket session, all through nginx.
#
# Usage: nginx_test.sh HOOKD_BINARY PLUGIN_DIR [SOURCE_DIR]
# Exits 77 (ctest: skipped) when nginx, curl or python3 is missing.
set -u
hookd=$(realpath "$1")
plugins=$(realpath "$2")
src=$(realpath "${3:-$(dirname "$0")/../..}")
failures=0
passes=0

. "$(dirname "$0")/lib.sh"
require_tools nginx curl python3
tmp=$(mktemp -d /tmp/hookd-nginx-test.XXXXXX)
hookd_pid=
nginx_pid=

cleanup() {
  stop_pid "$nginx_pid"
  stop_pid "$hookd_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

fatal_logs="hookd.err nginx/error.log"  # what fatal (lib.sh) shows

# wait_for_line FILE EXTENDED_REGEX [SECONDS]: polls FILE, bounded.
wait_for_line() {
  local file=$1 pattern=$2 limit=${3:-10}
  local deadline=$((SECONDS + limit))
  while [ "$SECONDS" -le "$deadline" ]; do
    grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# --- hookd -------------------------------------------------------------------
# The data dir private, as hookd wants it (a looser one is tightened with a warning).
mkdir -p "$tmp/nginx" && mkdir -m 700 "$tmp/data"
cat >"$tmp/hookd.toml" <<EOF
[server]
listen = "127.0.0.1:0"
admin_listen = "127.0.0.1:0"
workers = 2
data_dir = "$tmp/data"
admin_token = "nginx-test-admin-token"
# nginx connects from here: believe its X-Forwarded-For.
trusted_proxies = ["127.0.0.1"]
drain_timeout_ms = 3000
# examples/nginx/hookd.conf proxies /metrics (for local scrapers) to the
# public listener, which serves it only when asked to.
public_metrics = true

[log]
access_log = true

[plugins.echo]
path = "$plugins/echo.wasm"

[plugins.greet]
path = "$plugins/greet.wasm"

[plugins.loop]
path = "$plugins/loop.wasm"
deadline_ms = 300
EOF

launch_hookd "$tmp/hookd.toml" "$plugins"
pass "hookd started on $hookd_port (admin $admin_port)"

# --- nginx -------------------------------------------------------------------
conf_in="$src/examples/nginx/hookd.conf"
[ -f "$conf_in" ] || fatal nginx_conf "$conf_in not found"
for line in 'server 127.0.0.1:8080;' 'listen 80;' '/var/log/nginx/hookd.access.log'; do
  grep -qF -- "$line" "$conf_in" || fatal nginx_conf "$conf_in has no '$line' to substitute"
done
start_nginx() {  # writes the site config for port $1 and starts nginx
  local port=$1
  sed -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$hookd_port;|" \
      -e "s|listen 80;|listen 127.0.0.1:$port;|" \
      -e "s|/var/log/nginx/hookd\.access\.log|$tmp/nginx/access.log|" \
      "$conf_in" >"$tmp/nginx/hookd.conf"
  start_nginx_site "$tmp/nginx" "$tmp/nginx/hookd.conf" "$port"
}

nginx_started=
for attempt in 1 2 3; do
  nginx_port=$(free_port)
  start_nginx "$nginx_port"
  rc=$?
  [ "$rc" = 0 ] && { nginx_started=1; break; }
  [ "$rc" = 2 ] && fatal nginx_config "nginx -t rejected the generated config"
  stop_pid "$nginx_pid"
  nginx_pid=
done
[ -n "$nginx_started" ] || fatal nginx_start "nginx did not answer /healthz"
pass "nginx started on $nginx_port"
N="http://127.0.0.1:$nginx_port"
C=(curl -s --max-time 10)

# The hookd access line of a request id: "<time> access <id> <client> ...".
access_line() {  # access_line ID -> prints the line (waits up to 5 s)
  wait_for_line "$tmp/hookd.out" " access $1 " 5 && grep -E -- " access $1 " "$tmp/hookd.out" | head -n 1
}
client_of() { access_line "$1" | awk '{print $4}'; }

# --- plain requests ----------------------------------------------------------
expect healthz "$("${C[@]}" "$N/healthz")" "ok"
expect readyz "$("${C[@]}" "$N/readyz")" "ready"
expect echo "$("${C[@]}" --data-binary 'hello through nginx' "$N/plugins/echo/echo")" "hello through nginx"

head -c 65536 /dev/urandom >"$tmp/random.bin"
"${C[@]}" --data-binary @"$tmp/random.bin" -H 'Content-Type: application/octet-stream' \
  -o "$tmp/random.out" "$N/plugins/echo/echo"
if cmp -s "$tmp/random.bin" "$tmp/random.out"; then pass echo_binary_64k; else fail echo_binary_64k "bytes differ"; fi

# --- request ids -------------------------------------------------------------
hdrs=$("${C[@]}" -D - -o /dev/null -H 'X-Request-Id: nginx-test.rid:1' --data-binary x "$N/plugins/echo/echo" | tr -d '\r')
expect request_id_returned "$(grep -ci '^x-request-id: nginx-test.rid:1$' <<<"$hdrs")" 1
expect request_id_once "$(grep -ci '^x-request-id:' <<<"$hdrs")" 1
if access_line 'nginx-test\.rid:1' >/dev/null; then pass request_id_in_hookd_log; else fail request_id_in_hookd_log "no hookd access line"; fi
if wait_for_line "$tmp/nginx/access.log" 'rid=nginx-test\.rid:1 ' 5; then pass request_id_in_nginx_log; else fail request_id_in_nginx_log "no nginx access line"; fi

gen=$("${C[@]}" -D - -o /dev/null --data-binary x "$N/plugins/echo/echo" | tr -d '\r' |
      sed -nE 's/^[Xx]-[Rr]equest-[Ii]d: (.*)$/\1/p')
if [[ "$gen" =~ ^[0-9a-f]{32}$ ]]; then pass request_id_generated; else fail request_id_generated "got [$gen]"; fi
if [ -n "$gen" ] && access_line "$gen" >/dev/null; then pass generated_id_in_hookd_log; else fail generated_id_in_hookd_log "[$gen]"; fi

# An id hookd would refuse (a space, or too long) is replaced, and the client
# still sees the id both sides logged.
bad=$("${C[@]}" -D - -o /dev/null -H 'X-Request-Id: has space' --data-binary x "$N/plugins/echo/echo" |
      tr -d '\r' | sed -nE 's/^[Xx]-[Rr]equest-[Ii]d: (.*)$/\1/p')
if [[ "$bad" =~ ^[0-9a-f]{32}$ ]] && access_line "$bad" >/dev/null; then pass request_id_invalid_replaced
else fail request_id_invalid_replaced "got [$bad]"; fi
long=$(printf 'a%.0s' {1..129})
got=$("${C[@]}" -D - -o /dev/null -H "X-Request-Id: $long" --data-binary x "$N/plugins/echo/echo" |
      tr -d '\r' | sed -nE 's/^[Xx]-[Rr]equest-[Ii]d: (.*)$/\1/p')
if [[ "$got" =~ ^[0-9a-f]{32}$ ]]; then pass request_id_too_long_replaced; else fail request_id_too_long_replaced "got [$got]"; fi

# --- X-Forwarded-For ---------------------------------------------------------
# curl runs on 127.0.0.1, a trusted proxy here, so the address it forwards is
# the client's.
"${C[@]}" -o /dev/null -H 'X-Request-Id: xff-1' -H 'X-Forwarded-For: 203.0.113.7' --data-binary x "$N/plugins/echo/echo"
expect xff_from_trusted_hop "$(client_of xff-1)" 203.0.113.7
"${C[@]}" -o /dev/null -H 'X-Request-Id: xff-2' -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.8' --data-binary x "$N/plugins/echo/echo"
expect xff_chain_rightmost_untrusted "$(client_of xff-2)" 203.0.113.8
"${C[@]}" -o /dev/null -H 'X-Request-Id: xff-3' -H 'X-Forwarded-For: not-an-address' --data-binary x "$N/plugins/echo/echo"
expect xff_garbage_ignored "$(client_of xff-3)" 127.0.0.1
"${C[@]}" -o /dev/null -H 'X-Request-Id: xff-4' --data-binary x "$N/plugins/echo/echo"
expect xff_none "$(client_of xff-4)" 127.0.0.1
# A client on 127.0.0.2 is not trusted: its forged header must not be believed.
if "${C[@]}" -o /dev/null --interface 127.0.0.2 "$N/healthz" 2>/dev/null; then
  "${C[@]}" -o /dev/null --interface 127.0.0.2 -H 'X-Request-Id: xff-5' -H 'X-Forwarded-For: 192.0.2.66' \
    --data-binary x "$N/plugins/echo/echo"
  expect xff_forged_by_untrusted_client "$(client_of xff-5)" 127.0.0.2
  expect metrics_denied_to_public "$("${C[@]}" -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$N/metrics")" 403
else
  echo "note: cannot bind 127.0.0.2 here; untrusted-client checks skipped"
fi

# --- JSON <-> msgpack ----------------------------------------------------------
out=$("${C[@]}" -D "$tmp/h" -H 'Content-Type: application/json' -d '{"name":"Nginx"}' "$N/plugins/greet/greet")
expect greet_json "$out" '{"message":"Hello, Nginx!"}'
expect_contains greet_json_type "$(tr -d '\r' <"$tmp/h")" "Content-Type: application/json"
hex=$("${C[@]}" -H 'Content-Type: application/json' -H 'Accept: application/msgpack' -d '{"name":"Nginx"}' \
      "$N/plugins/greet/greet" | od -An -tx1 | tr -d ' \n')
# {"message": "Hello, Nginx!"} as msgpack: fixmap(1), fixstr(7) "message", fixstr(13) ...
expect greet_msgpack "$hex" "81a76d657373616765ad48656c6c6f2c204e67696e7821"
out=$("${C[@]}" -w ' %{http_code}' -H 'Content-Type: application/json' -d '{"name":""}' "$N/plugins/greet/greet")
expect_contains greet_plugin_error "$out" '"error":"name must not be empty","plugin":"greet","fn":"greet"'
expect_contains greet_plugin_error_status "$out" ' 400'
out=$("${C[@]}" -w ' %{http_code}' -H 'Content-Type: application/json' -d '{"name":' "$N/plugins/greet/greet")
expect_contains greet_bad_json_status "$out" ' 400'

# --- statuses ------------------------------------------------------------------
out=$("${C[@]}" -w ' %{http_code}' --data-binary x "$N/plugins/nope/x")
expect_contains unknown_plugin_404 "$out" ' 404'
expect_contains unknown_plugin_body "$out" '"error":"unknown plugin"'
out=$("${C[@]}" -w ' %{http_code}' --data-binary x "$N/plugins/echo/nope")
expect_contains unknown_fn_404 "$out" '"error":"unknown function"'
out=$("${C[@]}" -w ' %{http_code}' "$N/no/such/route")
expect_contains unknown_route_404 "$out" '"error":"no such route"'
expect_contains unknown_route_status "$out" ' 404'
expect method_405 "$("${C[@]}" -o /dev/null -w '%{http_code}' "$N/plugins/echo/echo")" 405
out=$("${C[@]}" -w ' %{http_code}' --data-binary x "$N/plugins/loop/spin")
expect_contains deadline_504_from_hookd "$out" '"plugin":"loop","fn":"spin"'
expect_contains deadline_504_status "$out" ' 504'
# The admin API is not reachable through nginx.
expect admin_not_exposed "$("${C[@]}" -o /dev/null -w '%{http_code}' \
  -H 'Authorization: Bearer nginx-test-admin-token' "$N/admin/plugins")" 404
expect admin_exists_directly "$("${C[@]}" -o /dev/null -w '%{http_code}' \
  -H 'Authorization: Bearer nginx-test-admin-token' "http://127.0.0.1:$admin_port/admin/plugins")" 200

# Body limit: exactly 1 MiB passes both nginx and hookd; one byte more is 413.
head -c 1048576 /dev/urandom >"$tmp/1m.bin"
out=$("${C[@]}" -o "$tmp/1m.out" -w '%{http_code}' --data-binary @"$tmp/1m.bin" "$N/plugins/echo/echo")
expect body_1mib_ok "$out" 200
if cmp -s "$tmp/1m.bin" "$tmp/1m.out"; then pass body_1mib_echoed; else fail body_1mib_echoed "bytes differ"; fi
printf 'x' >>"$tmp/1m.bin"
out=$("${C[@]}" -D "$tmp/h" -o /dev/null -w '%{http_code}' --data-binary @"$tmp/1m.bin" "$N/plugins/echo/echo")
expect body_too_large_413 "$out" 413
if grep -qiE '^x-request-id: [0-9a-f]{32}' "$tmp/h"; then pass body_too_large_has_request_id
else fail body_too_large_has_request_id "$(tr -d '\r' <"$tmp/h")"; fi

# /metrics from the loopback scraper is allowed.
expect_contains metrics_local "$("${C[@]}" "$N/metrics")" "hookd_requests_total"

# --- keep-alive to hookd -------------------------------------------------------
conns() {  # public connections hookd accepted so far (read directly, +1 itself)
  "${C[@]}" "http://127.0.0.1:$hookd_port/metrics" |
    sed -nE 's/^hookd_connections_total\{listener="public"\} ([0-9]+).*/\1/p'
}
before=$(conns)
# 200 requests on one client connection ...
codes=$("${C[@]}" --max-time 60 -o /dev/null -w '%{http_code}\n' --data-binary ka "$N/plugins/echo/echo?i=[1-200]" |
        sort | uniq -c | awk '{$1=$1; print}')
expect keepalive_200_requests "$codes" "200 200"
# ... and 20 requests from 20 separate client connections.
ok=0
for i in $(seq 20); do
  [ "$("${C[@]}" --data-binary "n$i" "$N/plugins/echo/echo")" = "n$i" ] && ok=$((ok + 1))
done
expect keepalive_20_clients "$ok" 20
after=$(conns)
used=$((after - before - 1))
if [ -n "$before" ] && [ -n "$after" ] && [ "$used" -le 4 ]; then
  pass "keepalive_reused_upstream ($used new connections for 220 requests)"
else
  fail keepalive_reused_upstream "hookd accepted $used connections for 220 requests (before=$before after=$after)"
fi

# --- WebSocket -----------------------------------------------------------------
cat >"$tmp/ws.py" <<'EOF'
# A minimal RFC 6455 client (stdlib only): handshake, text frames, close.
import base64, hashlib, os, socket, struct, sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
messages = sys.argv[4:]
s = socket.create_connection((host, port), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
           f"X-Request-Id: ws-session-1\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("connection closed during the handshake: %r" % buf)
    buf += chunk
head, _, buf = buf.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
print("status", lines[0].split(" ")[1])
accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
print("accept", "ok" if headers.get("sec-websocket-accept") == accept else "bad")
print("request-id", headers.get("x-request-id", "-"))

def recv_exact(n):
    global buf
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out

def send(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x80 | opcode])
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", n)
    s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

def recv():
    b0, b1 = recv_exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(8))[0]
    return b0 & 0x0F, recv_exact(n)

for m in messages:
    send(1, m.encode())
    while True:
        op, payload = recv()
        if op in (1, 2):
            break
        if op == 9:
            send(10, payload)  # answer a ping
    print("text" if op == 1 else "binary", payload.decode())
send(8, struct.pack("!H", 1000))
op, payload = recv()
print("close", struct.unpack("!H", payload[:2])[0] if op == 8 and len(payload) >= 2 else op)
EOF
ws=$(timeout 20 python3 "$tmp/ws.py" 127.0.0.1 "$nginx_port" /plugins/echo/echo "hello ws" "second" 2>&1)
expect_contains ws_upgrade "$ws" "status 101"
expect_contains ws_accept "$ws" "accept ok"
expect_contains ws_request_id "$ws" "request-id ws-session-1"
expect_contains ws_echo_1 "$ws" "binary hello ws"
expect_contains ws_echo_2 "$ws" "binary second"
expect_contains ws_close "$ws" "close 1000"
ws=$(timeout 20 python3 "$tmp/ws.py" 127.0.0.1 "$nginx_port" /plugins/greet/greet '{"name":"Socket"}' 2>&1)
expect_contains ws_greet_json "$ws" 'text {"message":"Hello, Socket!"}'
ws=$(timeout 20 python3 "$tmp/ws.py" 127.0.0.1 "$nginx_port" /plugins/nope/x 2>&1)
expect_contains ws_unknown_plugin_404 "$ws" "status 404"

# --- nothing went wrong on the way --------------------------------------------
if grep -E '\[(crit|alert|emerg)\]|upstream prematurely closed|no live upstreams' "$tmp/nginx/error.log"; then
  fail nginx_error_log "unexpected lines above"
else
  pass nginx_error_log_clean
fi
# hookd logs a warning for the loop deadline only.
unexpected=$(grep -E ' (warning|error|critical) ' "$tmp/hookd.err" | grep -v -E '\[plugin loop\] \[[^]]*\] fn spin')
expect hookd_log_clean "$unexpected" ""

# --- graceful stop -------------------------------------------------------------
stop_pid "$nginx_pid"
nginx_pid=
kill -TERM "$hookd_pid"
deadline=$((SECONDS + 15))
while kill -0 "$hookd_pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.1; done
if kill -0 "$hookd_pid" 2>/dev/null; then
  fail hookd_stops "still running 15 s after SIGTERM"
else
  wait "$hookd_pid"
  expect hookd_exit_status "$?" 0
  hookd_pid=
fi

finish
