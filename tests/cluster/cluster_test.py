#!/usr/bin/env python3
"""Cluster mode on loopback (docs/cluster.md): redis-server, three `hookd serve`
nodes and nginx in front, started by scripts/cluster-up.sh.

  cluster_test.py HOOKD PLUGIN_DIR SOURCE_DIR [--bench]

Checks: a push through node 1 reaches every node (and the convergence time of
20 pushes, printed, not asserted); 3,000 counter increments through nginx from
several clients end at exactly 3,000; a node stopped during an update applies
it before it reports ready; a node whose log position was trimmed resyncs; a
version a node cannot load (damaged module) keeps the previous one, reported;
Redis SIGSTOPped under load (loaded plugins keep serving, KV and admin writes
get 503, a change acknowledged just before is applied after); kill -9 of one
node under load through nginx (failures counted, it catches up on restart).
--bench adds throughput through nginx with 3 nodes and with 1.
Every wait is bounded; the cluster is torn down on every exit path. Exits 77
(skipped) when redis-server, nginx or curl is missing.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "cluster-admin-token"
passes = 0
failures = 0


def ok(name):
    global passes
    passes += 1
    print(f"ok   {name}", flush=True)


def fail(name, why):
    global failures
    failures += 1
    print(f"FAIL {name}: {why}", flush=True)


def expect(name, actual, wanted):
    if actual == wanted:
        ok(name)
    else:
        fail(name, f"got [{actual!r}], want [{wanted!r}]")


def request(port, method, path, body=b"", headers=None, timeout=5.0):
    """One request on a fresh connection: (status, body), or (0, error text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException) as e:
        return 0, str(e).encode()
    finally:
        conn.close()


def wait_until(what, predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Cluster:
    def __init__(self, src, hookd, plugins, tmp):
        self.script = os.path.join(src, "scripts", "cluster-up.sh")
        self.dir = os.path.join(tmp, "cluster")
        self.env = dict(os.environ, HOOKD=hookd, HOOKD_PLUGIN_DIR=plugins, HOOKD_CLUSTER_LOG_MAX="10")
        self.ports = {}

    def run(self, *args, check=True):
        r = subprocess.run([self.script, args[0], self.dir, *args[1:]], env=self.env, capture_output=True,
                           text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"cluster-up.sh {args[0]}: {r.stderr.strip()}")
        return r.stdout

    def up(self):
        out = self.run("up", "3")
        for line in out.splitlines():
            k, _, v = line.partition("=")
            self.ports[k] = v

    def down(self):
        self.run("down", check=False)

    def port(self, i):
        return int(self.ports[f"NODE{i}_PORT"])

    def admin_port(self, i):
        return int(self.ports[f"NODE{i}_ADMIN"])

    @property
    def nginx(self):
        return int(self.ports["NGINX_PORT"])

    @property
    def redis(self):
        return int(self.ports["REDIS_PORT"])

    def pid(self, i):
        with open(os.path.join(self.dir, f"node{i}", "pid")) as f:
            return int(f.read())

    def log(self, i):
        with open(os.path.join(self.dir, f"node{i}", "hookd.err"), errors="replace") as f:
            return f.read()

    def admin(self, i, method, path, body=b"", headers=None, timeout=10.0):
        h = {"Authorization": f"Bearer {TOKEN}"}
        h.update(headers or {})
        return request(self.admin_port(i), method, path, body, h, timeout)

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.redis), *args], capture_output=True, text=True,
                           timeout=10)
        return r.stdout.strip()


def which(port, plugin="ver"):
    status, body = request(port, "POST", f"/plugins/{plugin}/which", timeout=2.0)
    return body.decode(errors="replace") if status == 200 else f"{status}"


def all_serve(c, tag, plugin="ver", nodes=(1, 2, 3)):
    return all(which(c.port(i), plugin) == tag for i in nodes)


def test_push_reaches_every_node(c, wasm):
    status, _ = c.admin(1, "PUT", "/admin/plugins/ver", wasm["A"])
    expect("PUT through node 1 is acknowledged", status in (200, 201), True)
    if wait_until("all serve A", lambda: all_serve(c, "A")):
        ok("all three nodes serve the plugin pushed through node 1")
    else:
        fail("push reaches every node", [which(c.port(i)) for i in (1, 2, 3)])


def test_routes_follow_the_catalog(c, wasm):
    """A plugin's routes travel with it through the catalog: an upload on node 1
    brings them to every node, a replace moves them, a delete removes them."""

    def route_settings(path):
        return json.dumps({"routes": [{"methods": ["GET"], "path": path, "function": "which"}]})

    def served(path, wanted):
        return all(request(c.port(i), "GET", path, timeout=2.0)[0] == wanted for i in (1, 2, 3))

    status, body = c.admin(1, "PUT", "/admin/plugins/routed", wasm["A"], {"X-Hookd-Settings": route_settings("/cl/{n}")})
    expect("PUT with routes through node 1 is acknowledged", status, 201)
    if wait_until("the route on every node", lambda: served("/cl/7", 200)):
        ok("a route uploaded through node 1 is served by all three nodes")
    else:
        fail("routes reach every node", [request(c.port(i), "GET", "/cl/7")[0] for i in (1, 2, 3)])
    status, _ = c.admin(2, "PUT", "/admin/plugins/routed", wasm["B"], {"X-Hookd-Settings": route_settings("/moved/{n}")})
    expect("a replace with other routes through node 2 is acknowledged", status, 200)
    if wait_until("the route moved on every node", lambda: served("/moved/7", 200) and served("/cl/7", 404)):
        ok("a replace moves the route on every node")
    else:
        fail("a replace moves routes", [request(c.port(i), "GET", "/moved/7")[0] for i in (1, 2, 3)])
    status, _ = c.admin(3, "DELETE", "/admin/plugins/routed")
    expect("the delete through node 3 is acknowledged", status, 204)
    if wait_until("the route gone everywhere", lambda: served("/moved/7", 404)):
        ok("a delete removes the route from every node")
    else:
        fail("a delete removes routes", [request(c.port(i), "GET", "/moved/7")[0] for i in (1, 2, 3)])


def test_admin_cluster_lists_nodes(c, wasm):
    sha = hashlib.sha256(wasm["A"]).hexdigest()

    def listed():
        status, body = c.admin(2, "GET", "/admin/cluster")
        if status != 200:
            return False
        nodes = json.loads(body)["nodes"]
        return (len(nodes) == 3 and all(n["plugins"].get("ver") == sha for n in nodes)
                and len({n["catalog_version"] for n in nodes}) == 1)

    if wait_until("listed", listed, 5.0):
        ok("GET /admin/cluster lists the three nodes with the same catalog version and sha256")
    else:
        fail("GET /admin/cluster", c.admin(2, "GET", "/admin/cluster"))
    status, _ = request(c.admin_port(1), "GET", "/admin/cluster")
    expect("GET /admin/cluster needs the admin token", status, 401)


def test_convergence(c, wasm, pushes=20):
    times = []
    for n in range(pushes):
        tag = "B" if n % 2 == 0 else "A"
        status, body = c.admin(1, "PUT", "/admin/plugins/ver", wasm[tag])
        acked = time.monotonic()
        if status not in (200, 201):
            return fail("convergence push", f"{status} {body[:200]!r}")
        pending = {1, 2, 3}
        deadline = acked + 10.0
        while pending and time.monotonic() < deadline:
            pending = {i for i in pending if which(c.port(i)) != tag}
        if pending:
            return fail("convergence", f"push {n}: nodes {sorted(pending)} still serve the old version after 10 s")
        times.append(time.monotonic() - acked)
    ok(f"{pushes} pushes: every node served each new version")
    print(f"FIGURE convergence over {pushes} pushes (PUT acknowledged -> new version on all 3 nodes): "
          f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms", flush=True)


def test_counter(c, total=3000, clients=6):
    errors = []
    lock = threading.Lock()

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", c.nginx, timeout=10)
        for _ in range(n):
            try:
                conn.request("POST", "/plugins/counter/incr", body=b"")
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    with lock:
                        errors.append((r.status, body[:100]))
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append((0, str(e)))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", c.nginx, timeout=10)
        conn.close()

    threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - start
    expect(f"{total} counter increments through nginx from {clients} clients all succeed", errors[:3], [])
    status, body = request(c.nginx, "POST", "/plugins/counter/get")
    expect("the counter ends at exactly 3000", (status, body), (200, str(total).encode()))
    print(f"FIGURE counter: {total} increments through nginx in {elapsed:.2f} s", flush=True)


def test_node_down_during_update(c, wasm):
    c.run("stop-node", "3")
    status, _ = c.admin(1, "PUT", "/admin/plugins/late", wasm["B"])
    expect("PUT while node 3 is down is acknowledged", status, 201)
    c.run("start-node", "3")  # returns when /readyz says 200
    expect("node 3 serves the update as soon as it reports ready", which(c.port(3), "late"), "B")


def test_trimmed_position_resyncs(c, wasm):
    os.kill(c.pid(3), 19)  # SIGSTOP: its follower falls behind
    try:
        for n in range(30):
            status, _ = c.admin(1, "PUT", "/admin/plugins/trim", wasm["A" if n % 2 else "B"])
            if status not in (200, 201):
                return fail("trim pushes", status)
        c.admin(1, "DELETE", "/admin/plugins/late")
        length = int(c.redis_cli("XLEN", "hookd-cluster:main:log") or "0")
        expect("the change log was trimmed below the 31 changes", length < 31, True)
    finally:
        os.kill(c.pid(3), 18)  # SIGCONT
    if wait_until("resync", lambda: which(c.port(3), "trim") == "A" and which(c.port(3), "late") == "404"):
        ok("a node whose log position was trimmed away serves the current catalog")
    else:
        fail("trimmed resync", [which(c.port(3), "trim"), which(c.port(3), "late")])
    expect("it says it resynced", "trimmed away; resyncing" in c.log(3), True)


def node_status(c, node_id):
    status, body = c.admin(1, "GET", "/admin/cluster")
    if status != 200:
        return {}
    return next((n for n in json.loads(body)["nodes"] if n["id"] == node_id), {})


def test_unloadable_version_keeps_the_previous(c, wasm):
    status, _ = c.admin(1, "PUT", "/admin/plugins/keep", wasm["A"])
    expect("PUT keep=A", status, 201)
    if not wait_until("keep A", lambda: all_serve(c, "A", "keep")):
        return fail("keep=A everywhere", [which(c.port(i), "keep") for i in (1, 2, 3)])
    os.kill(c.pid(3), 19)  # SIGSTOP: node 3 fetches the next version only after the damage
    try:
        status, _ = c.admin(1, "PUT", "/admin/plugins/keep", wasm["B"])
        expect("PUT keep=B", status, 200)
        wait_until("node 2 has B", lambda: which(c.port(2), "keep") == "B")
        sha_b = hashlib.sha256(wasm["B"]).hexdigest()
        c.redis_cli("SET", f"hookd-cluster:main:module:{sha_b}", "damaged")
    finally:
        os.kill(c.pid(3), 18)  # SIGCONT
    if wait_until("error reported", lambda: "SHA-256" in (node_status(c, "node3").get("last_error") or "")):
        ok("a version a node cannot load is reported as its last_error in /admin/cluster")
    else:
        fail("last_error", node_status(c, "node3"))
    expect("that node keeps serving the previous version", which(c.port(3), "keep"), "A")
    status, _ = c.admin(2, "PUT", "/admin/plugins/keep", wasm["B"])  # uploading again repairs the copy
    if wait_until("repaired", lambda: all_serve(c, "B", "keep")):
        ok("uploading the module again repairs the damaged copy and every node converges")
    else:
        fail("repair", [which(c.port(i), "keep") for i in (1, 2, 3)])


class Load:
    """Clients calling echo through nginx until stopped; counts outcomes."""

    def __init__(self, port, clients=4, path="/plugins/echo/echo"):
        self.port, self.path, self.stop_flag = port, path, threading.Event()
        self.ok = self.failed = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(clients)]

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stop_flag.is_set():
            try:
                conn.request("POST", self.path, body=b"ping")
                r = conn.getresponse()
                r.read()
                good = r.status == 200
            except (OSError, http.client.HTTPException):
                good = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failed += 1
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)


def test_redis_paused(c, wasm):
    with Load(c.nginx) as load:
        status, _ = c.admin(1, "PUT", "/admin/plugins/before", wasm["B"])
        expect("PUT just before Redis stops is acknowledged", status, 201)
        c.run("pause-redis")
        try:
            time.sleep(0.3)
            before = (load.ok, load.failed)
            started = time.monotonic()
            status, body = request(c.port(1), "POST", "/plugins/counter/incr", timeout=10)
            kv_elapsed = time.monotonic() - started
            expect("a KV call while Redis is stopped fails with 503", status, 503)
            started = time.monotonic()
            status, body = c.admin(2, "PUT", "/admin/plugins/during", wasm["A"])
            admin_elapsed = time.monotonic() - started
            expect("an admin write while Redis is stopped fails with 503", status, 503)
            status, body = c.admin(3, "DELETE", "/admin/plugins/before")
            expect("an admin DELETE while Redis is stopped fails with 503", status, 503)
            print(f"FIGURE Redis stopped: KV call failed after {kv_elapsed * 1000:.0f} ms, admin PUT after "
                  f"{admin_elapsed * 1000:.0f} ms (connect 200 ms, command 300 ms timeouts)", flush=True)
            time.sleep(1.0)
            after = (load.ok, load.failed)
        finally:
            c.run("resume-redis")
        expect("loaded plugins keep serving through nginx while Redis is stopped",
               (after[0] > before[0], after[1] - before[1]), (True, 0))
    if wait_until("before everywhere", lambda: all_serve(c, "B", "before")):
        ok("the change acknowledged just before Redis stopped is applied on every node")
    else:
        fail("applied after resume", [which(c.port(i), "before") for i in (1, 2, 3)])
    expect("the write refused while Redis was stopped did not happen", which(c.port(1), "during"), "404")
    status, _ = request(c.port(2), "POST", "/plugins/counter/incr")
    expect("KV works again once Redis is back", status, 200)
    # Redis has long run whatever it had queued by now (the KV call went after it).
    expect("the DELETE refused while Redis was stopped did not happen either",
           [which(c.port(i), "before") for i in (1, 2, 3)], ["B", "B", "B"])


def test_kill_node(c, wasm):
    with Load(c.nginx, clients=6) as load:
        time.sleep(1.0)
        os.kill(c.pid(2), 9)
        time.sleep(1.0)  # inside nginx's fail_timeout (2 s): no retry of the dead node yet
    print(f"FIGURE kill -9 of one node under load through nginx (6 clients): {load.failed} failed of "
          f"{load.ok + load.failed} requests", flush=True)
    expect("at most the requests in flight on the killed node failed", load.failed <= 6, True)
    status, _ = c.admin(1, "PUT", "/admin/plugins/ver", wasm["A"])
    expect("PUT while node 2 is dead is acknowledged", status in (200, 201), True)
    c.run("start-node", "2")
    expect("the restarted node serves the current catalog when ready", which(c.port(2)), "A")

    def same_version():
        status, body = c.admin(1, "GET", "/admin/cluster")
        if status != 200:
            return False
        nodes = {n["id"]: n for n in json.loads(body)["nodes"]}
        return len(nodes) == 3 and len({n["catalog_version"] for n in nodes.values()}) == 1

    if wait_until("caught up", same_version, 5.0):
        ok("the restarted node reports the same catalog version as the others")
    else:
        fail("caught up", c.admin(1, "GET", "/admin/cluster"))


def wrk(port, seconds=8):
    script = os.path.join(tempfile.gettempdir(), f"hookd-cluster-post-{os.getpid()}.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = "ping"\n')
    r = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", script,
                        f"http://127.0.0.1:{port}/plugins/echo/echo"], capture_output=True, text=True,
                       timeout=seconds + 60)
    os.unlink(script)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    return float(rps.group(1)) if rps else 0.0, int(bad.group(1)) if bad else 0


def bench(c):
    if not shutil.which("wrk"):
        return print("bench skipped: wrk is not installed")
    three, bad3 = wrk(c.nginx)
    c.run("stop-node", "2")
    c.run("stop-node", "3")
    one, bad1 = wrk(c.nginx)
    print(f"FIGURE echo through nginx (wrk -t2 -c32, 8 s, 1 worker per node, 2 shared cores): "
          f"3 nodes {three:.0f} req/s ({bad3} non-2xx), 1 node {one:.0f} req/s ({bad1} non-2xx)", flush=True)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    hookd, plugins, src = (os.path.realpath(a) for a in sys.argv[1:4])
    for tool in ("redis-server", "redis-cli", "nginx", "curl"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed")
            return 77
    wasm = {}
    for tag in ("A", "B"):
        with open(os.path.join(plugins, f"version_{tag.lower()}.wasm"), "rb") as f:
            wasm[tag] = f.read()
    # CTest's timeout (SIGTERM) or ^C still tears the cluster down.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    tmp = tempfile.mkdtemp(prefix="hookd-cluster-test.")
    c = Cluster(src, hookd, plugins, tmp)
    try:
        c.up()
        ok("redis-server, 3 nodes and nginx started")
        test_push_reaches_every_node(c, wasm)
        test_routes_follow_the_catalog(c, wasm)
        test_admin_cluster_lists_nodes(c, wasm)
        test_convergence(c, wasm)
        test_counter(c)
        test_node_down_during_update(c, wasm)
        test_trimmed_position_resyncs(c, wasm)
        test_unloadable_version_keeps_the_previous(c, wasm)
        test_redis_paused(c, wasm)
        test_kill_node(c, wasm)
        if "--bench" in sys.argv:
            bench(c)
    except Exception as e:  # a harness failure is a test failure, never a hang
        fail("harness", repr(e))
    finally:
        if failures:
            for i in (1, 2, 3):
                try:
                    print(f"--- node{i} log tail\n" + "\n".join(c.log(i).splitlines()[-15:]))
                except OSError:
                    pass
        c.down()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passes} passed, {failures} failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
