#!/usr/bin/env python3
"""Memory held by clients that never finish their requests (docs/security/http.md,
"Request bodies and messages being received").

    [BUILD=build] [HOOKD=$BUILD/cli/hookd] [PLUGIN=$BUILD/plugins/echo.wasm] \\
    [CONNECTIONS=1000] [SESSIONS=300] [EXTRA_TOML='key = value'] loadtest/scenarios/request_budget_probe.py

Starts `hookd serve` (2 workers, loopback, free ports), then:
  0. sends one whole 1 MiB call (so glibc, as in a gateway in service, serves
     blocks of that size from its arenas instead of mmap);
  1. opens CONNECTIONS connections that each send a 1 MiB Content-Length
     header and 1 MiB - 1 bytes of body, and keeps them open;
  2. closes them;
  3. opens SESSIONS WebSocket sessions that each send a 1 MiB - 1 byte
     fragment of a binary message (FIN unset), and keeps them open;
  4. closes them.
After each step it prints the gateway's RSS (VmRSS), the answers the clients
got (503s, closes) and, when the gateway exports it,
hookd_buffered_request_bytes. Everything it starts is stopped at the end;
every socket goes to 127.0.0.1 only.
"""
import os
import re
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import types
import time
import urllib.request

MIB = 1024 * 1024
TOKEN = "probe-token"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


def metric(admin_port, name):
    req = urllib.request.Request(f"http://127.0.0.1:{admin_port}/metrics",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        text = urllib.request.urlopen(req, timeout=10).read().decode()
    except OSError:
        return None
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return int(float(m.group(1))) if m else None


def unread_mib(port):
    """Bytes sent to the gateway that it has not read yet: its connections'
    receive queues and its clients' send queues."""
    total = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] != "01":  # established only (the listener's queue counts connections)
                        continue
                    local_port = int(fields[1].split(":")[1], 16)
                    remote_port = int(fields[2].split(":")[1], 16)
                    tx_queue, rx_queue = (int(v, 16) for v in fields[4].split(":"))
                    if local_port == port:
                        total += rx_queue
                    elif remote_port == port:
                        total += tx_queue
        except OSError:
            pass
    return total / MIB


def settle(pid, admin_port, seconds=3.0):
    """RSS once it stops moving (or after `seconds`), and the budget gauge."""
    last = rss_mib(pid)
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(0.25)
        now = rss_mib(pid)
        if abs(now - last) < 1:
            break
        last = now
    return rss_mib(pid), metric(admin_port, "hookd_buffered_request_bytes")


def answered(sockets):
    """How many sockets got an HTTP 503 or were closed by the server."""
    got_503 = closed = 0
    for s in sockets:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            continue
        try:
            data = s.recv(4096)
        except OSError:
            closed += 1
            continue
        if data.startswith(b"HTTP/1.1 503"):
            got_503 += 1
        elif not data:
            closed += 1
    return got_503, closed


def partial_bodies(port, n):
    head = (f"POST /plugins/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {MIB}\r\n\r\n").encode()
    body = b"b" * (MIB - 1)
    out, failed = [], 0
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        try:
            s.sendall(head)
            s.sendall(body)
        except OSError:
            failed += 1  # refused and closed while sending
        out.append(s)
    return out, failed


def ws_frame_header(length):
    # FIN unset, opcode binary; masked with a zero key (the payload is unchanged).
    return bytes([0x02, 0x80 | 127]) + struct.pack("!Q", length) + b"\0\0\0\0"


def partial_messages(port, n):
    out, failed = [], 0
    payload = b"w" * (MIB - 1)
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /plugins/echo/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            failed += 1
            out.append(s)
            continue
        try:
            s.sendall(ws_frame_header(len(payload)))
            s.sendall(payload)
        except OSError:
            failed += 1
        out.append(s)
    return out, failed


def ws_closed(sockets):
    """Sessions the server closed (a close frame, or the connection)."""
    closed = 0
    for s in sockets:
        r, _, _ = select.select([s], [], [], 0)
        if r:
            closed += 1
    return closed


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if len(sys.argv) > 1:
        sys.exit("usage: [HOOKD=build/cli/hookd] [PLUGIN=build/plugins/echo.wasm] [CONNECTIONS=1000] "
                 "[SESSIONS=300] [EXTRA_TOML='key = value'] " + sys.argv[0])
    build = os.environ.get("BUILD", os.path.join(root, "build"))
    args = types.SimpleNamespace(
        hookd=os.environ.get("HOOKD", os.path.join(build, "cli/hookd")),
        plugin=os.environ.get("PLUGIN", os.path.join(build, "plugins/echo.wasm")),
        connections=int(os.environ.get("CONNECTIONS", "1000")),
        sessions=int(os.environ.get("SESSIONS", "300")),
        extra_toml=os.environ.get("EXTRA_TOML", ""))  # more [limits] lines

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="hookd-budget-probe.")
    port, admin_port = free_port(), free_port()
    with open(os.path.join(work, "hookd.toml"), "w") as f:
        f.write(f"""[server]
listen = "127.0.0.1:{port}"
admin_listen = "127.0.0.1:{admin_port}"
workers = 2
data_dir = "{work}/data"
admin_token = "{TOKEN}"
load_example_plugins = false
[log]
level = "error"
access_log = false
[limits]
read_timeout_ms = 120000
ws_idle_timeout_ms = 120000
ws_ping_interval_ms = 0
{args.extra_toml}
[plugins.echo]
path = "{args.plugin}"
""")
    proc = subprocess.Popen([args.hookd, "serve", "--config", os.path.join(work, "hookd.toml")])
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        if proc.poll() is not None:
            print("hookd did not start", file=sys.stderr)
            return 1
        pid = proc.pid
        # A gateway in service has seen large bodies: one whole 1 MiB call
        # (glibc then serves blocks of that size from its arenas, not mmap).
        warm = urllib.request.Request(f"http://127.0.0.1:{port}/plugins/echo/echo", data=b"x" * MIB,
                                      headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(warm, timeout=30).read()
        rss0, _ = settle(pid, admin_port)
        print(f"idle after one 1 MiB call: RSS {rss0:.0f} MiB")

        t = time.time()
        conns, failed = partial_bodies(port, args.connections)
        deadline = time.time() + 300
        while unread_mib(port) > 1 and time.time() < deadline:
            time.sleep(0.5)
        rss1, held = settle(pid, admin_port)
        got_503, closed = answered(conns)
        print(f"{args.connections} connections x (1 MiB - 1) of a 1 MiB body: RSS {rss1:.0f} MiB "
              f"(+{rss1 - rss0:.0f}), budget held {held}, 503s {got_503}, closed {closed}, "
              f"send failed {failed}, unread {unread_mib(port):.0f} MiB ({time.time() - t:.1f} s)")
        for s in conns:
            s.close()
        rss2, held = settle(pid, admin_port, 5)
        print(f"after they closed: RSS {rss2:.0f} MiB (+{rss2 - rss0:.0f}), budget held {held}")

        sessions, failed = partial_messages(port, args.sessions)
        deadline = time.time() + 300
        while unread_mib(port) > 1 and time.time() < deadline:
            time.sleep(0.5)
        rss3, held = settle(pid, admin_port)
        print(f"{args.sessions} WebSocket sessions x (1 MiB - 1) partial message: RSS {rss3:.0f} MiB "
              f"(+{rss3 - rss2:.0f}), budget held {held}, closed by the server {ws_closed(sessions)}, "
              f"send failed {failed}, unread {unread_mib(port):.0f} MiB")
        for s in sessions:
            s.close()
        rss4, held = settle(pid, admin_port, 5)
        print(f"after they closed: RSS {rss4:.0f} MiB (+{rss4 - rss0:.0f} over idle), budget held {held}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
