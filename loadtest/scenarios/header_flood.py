#!/usr/bin/env python3
"""Header of tiny lines against a running hookd: each connection sends a
request line, then "a:\\r\\n" again and again (MIB mebibytes in all, or until
the server closes), never ending the header, in writes of BLOCK bytes with
Nagle off, each sent once the server has read the last one (its socket's
receive queue in /proc/net/tcp is empty), each ending two bytes into a line. That
is how the lines slipped past Beast's header_limit: it parses every whole
line it can see the next byte of, keeps the 2 bytes (under 3, so it does
not wait for the header's end either), and compares its limit only with
what it kept; a read that finds more than the limit unparsed does trip it. Meanwhile
the server's resident memory is sampled from /proc. Prints, per connection, the bytes the server
took and its answer, and the peak RSS.

    loadtest/scenarios/header_flood.py PID PORT [MIB] [CONNECTIONS] [BLOCK]   (24, 2, 2048)
    loadtest/scenarios/header_flood.sh [HOOKD]     starts a hookd and runs this on it

Traffic goes to 127.0.0.1 only; every loop is bounded by MIB and a 60 s
deadline.
"""
import socket
import sys
import threading
import time

pid, port = int(sys.argv[1]), int(sys.argv[2])
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 24
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 2
block_bytes = int(sys.argv[5]) if len(sys.argv) > 5 else 2048
deadline = time.monotonic() + 60


def rss_mib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def server_queue(client_port):
    """Bytes waiting in the receive queue of the server's end of a connection."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            local, remote = cols[1], cols[2]
            if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client_port:
                return int(cols[4].split(":")[1], 16)
    return 0


results = [None] * conns


def flood(i):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    block = b"\r\na:" * (block_bytes // 4)
    sent = 0
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\na:")
        me = s.getsockname()[1]
        while sent < mib * 1024 * 1024 and time.monotonic() < deadline:
            while server_queue(me) > 0 and time.monotonic() < deadline:
                time.sleep(0.0001)
            s.sendall(block)
            sent += len(block)
    except OSError:
        pass
    try:
        answer = s.recv(256).split(b"\r\n", 1)[0].decode(errors="replace") or "(closed, no answer)"
    except OSError as e:
        answer = f"({e.__class__.__name__})"
    s.close()
    results[i] = (sent, answer)


before = rss_mib()
threads = [threading.Thread(target=flood, args=(i,)) for i in range(conns)]
for t in threads:
    t.start()
peak = before
while any(t.is_alive() for t in threads):
    peak = max(peak, rss_mib())
    time.sleep(0.02)
after = rss_mib()
for i, (sent, answer) in enumerate(results):
    print(f"connection {i}: sent {sent / 1048576:.2f} MiB before the server stopped it; answer: {answer}")
print(f"hookd RSS: {before:.1f} MiB before, peak {peak:.1f} MiB, {after:.1f} MiB after")
