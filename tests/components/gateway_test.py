#!/usr/bin/env python3
"""Serves every wasi:http test component through hookd, mounted on routes,
and checks every case of expectations.json against it over real HTTP: the
same table the reference host (reference/reference_test.py, jco's host)
passes, so hookd answers as the components' own host does. Then checks
what operators see of them: the plugin list and hookd_plugin_info name the
ABI "wasi-http", and a component plugin is replaced under load without a
failed request.

usage: gateway_test.py <hookd> <components-dir> [case-name-substring]

With a substring, only the cases whose names hold it run, against a hookd
serving only their components, and the checks after the table are skipped.

One hookd serves all the components at once (each on its own routes, as
below), with the grants each needs: fetch to the test's upstream, its own
KV namespace, its config values. Prints one ok/FAIL line per check and ends
with "N passed, N failed"; exits 77 (skipped) when the components were not
built (no node toolchain).
"""
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import reference_test as ref  # noqa: E402  (the table's helpers: Upstream, send, check)

START_SECONDS = 120  # compiling the 13 MB componentize-js modules takes seconds
ADMIN_TOKEN = "gateway-test-token"

# Each component's routes: what its cases in the table ask for.
ROUTES = {
    "hello": ["/hello", "/hello/*"],
    "webhook": ["/hook"],
    "redirect": ["/go/*"],
    "fetcher": ["/fetch"],
    "kv": ["/count/*", "/counter"],
    "echo": ["/a/b", "/post", "/0123456789abcdef/*", "/spin", "/trap", "/silent"],
    "config": ["/config", "/config/*"],
}


def toml_string(text):
    return json.dumps(text, ensure_ascii=False)


def write_config(path, components_dir, work, table, bases):
    lines = [
        "[server]",
        'listen = "127.0.0.1:0"',
        'admin_listen = "127.0.0.1:0"',
        "workers = 2",
        f"data_dir = {toml_string(os.path.join(work, 'data'))}",
        "load_example_plugins = false",
        "[limits]",
        # The echo case with the longest target (8.5 KB) passes the default 8 KiB header block.
        "max_header_bytes = 16384",
        "[kv]",
        'backend = "memory"',
        "[plugin_defaults]",
        # Generous for a loaded machine: a componentize-js request runs in a fresh instance.
        "deadline_ms = 10000",
    ]
    for name, spec in table["components"].items():
        lines += [f"[plugins.{name}]", f"path = {toml_string(os.path.join(components_dir, name + '.wasm'))}"]
        if name == "echo":
            lines.append("deadline_ms = 1000")  # its /spin runs into it
        if "config" in spec:
            pairs = ", ".join(f"{k} = {toml_string(v)}" for k, v in spec["config"].items())
            lines.append(f"config = {{ {pairs} }}")
        lines.append(f"[plugins.{name}.grants]")
        if name == "fetcher":
            lines.append(f"fetch = [{toml_string(bases['upstream'])}, {toml_string(bases['unreachable'])}]")
        if name == "kv":
            lines.append('kv = { namespace = "kv", mode = "rw" }')
        if "config" in spec:
            lines.append("config = true")
        for route in ROUTES[name]:
            lines += [f"[[plugins.{name}.routes]]", f"path = {toml_string(route)}", 'function = "handle"']
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


class Hookd:
    def __init__(self, binary, config, work):
        self.log_path = os.path.join(work, "hookd.err")
        self.log = open(self.log_path, "w+b")
        env = dict(os.environ, HOOKD_ADMIN_TOKEN=ADMIN_TOKEN)
        self.proc = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL,
                                     stderr=self.log, env=env, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while True:
            text = self.output()
            served = re.search(r"hookd serving on 127\.0\.0\.1:(\d+)", text)
            admin = re.search(r"admin on 127\.0\.0\.1:(\d+)", text)
            if served and admin:
                self.port, self.admin_port = int(served.group(1)), int(admin.group(1))
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"hookd did not start:\n{text[-3000:]}")
            time.sleep(0.1)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def admin(self, method, path, body=None, headers=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", data=body, method=method,
                                     headers={"authorization": f"Bearer {ADMIN_TOKEN}", **(headers or {})})
        with urllib.request.urlopen(req, timeout=ref.REQUEST_SECONDS) as resp:
            return resp.status, resp.read()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def wire_fields(headers):
    """The response's headers as (lower-case name, value) pairs, for ref.check:
    hookd sends every value of a repeated header, so what the component set is
    what is on the wire, and the check asks for all of them."""
    return [(name.lower(), value) for name, value in headers.items()]


def run_cases(hookd, table, only, bases):
    passes = failures = 0
    for case in table["cases"]:
        if only not in case["name"]:
            continue
        try:
            status, headers, body = ref.send(hookd.port, case["request"], bases)
            problems = ref.check(case["response"], status, headers, body, wire_fields(headers))
        except (OSError, http.client.HTTPException) as err:
            problems = [f"request failed: {err!r}"]
        ok, bad = ref.report(case["name"], problems)
        passes, failures = passes + ok, failures + bad
    return passes, failures


def check_listing(hookd, table):
    """GET /plugins and /metrics name every component's ABI wasi-http."""
    problems = []
    _, body = hookd.admin("GET", "/plugins")
    listed = {p["name"]: p for p in json.loads(body)["plugins"]}
    for name in table["components"]:
        plugin = listed.get(name)
        if plugin is None:
            problems.append(f"{name} not in GET /plugins")
        elif plugin.get("abi") != "wasi-http" or [f["name"] for f in plugin.get("functions", [])] != ["handle"]:
            problems.append(f"{name} listed as {json.dumps(plugin)[:300]}")
    _, metrics = hookd.admin("GET", "/metrics")
    for name in table["components"]:
        if f'hookd_plugin_info{{plugin="{name}",abi="wasi-http"' not in metrics.decode():
            problems.append(f"no hookd_plugin_info series with abi wasi-http for {name}")
    return ref.report("GET /plugins and hookd_plugin_info show each component as wasi-http", problems)


def check_faults(hookd):
    """echo's misbehaving paths: a handler past its deadline is a 504, a trap
    and a handler that sets no response are 500s, each in hookd's JSON error
    envelope saying why; the next requests are answered as usual."""
    problems = []
    for target, status, why in (("/spin", 504, "deadline of 1000 ms exceeded"), ("/trap", 500, "unreachable"),
                                ("/silent", 500, "the component set no response")):
        got, _, body = ref.send(hookd.port, {"method": "GET", "target": target}, {})
        error = json.loads(body).get("error", "") if got == status else ""
        if got != status or why not in error:
            problems.append(f"{target}: {got} {body[:200]!r}, want {status} with an error saying {why!r}")
    for _ in range(4):  # both workers
        got, _, body = ref.send(hookd.port, {"method": "GET", "target": "/post"}, {})
        if (got, body) != (200, b"/post\n"):
            problems.append(f"after the faults: {got} {body[:100]!r}")
    return ref.report("a component past its deadline is a 504, a trap or no response a 500, then it serves again",
                      problems)


def check_replace_under_load(hookd, components_dir):
    """Upload a component through the admin API, then PUT new versions of it
    while clients keep calling its route: every request answers 200 with the
    right body (a one-request-per-instance componentize-js component, so each
    takes a fresh instance)."""
    with open(os.path.join(components_dir, "hello.wasm"), "rb") as f:
        wasm = f.read()
    stop = threading.Event()
    results = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", hookd.port, timeout=ref.REQUEST_SECONDS)
        while not stop.is_set():
            try:
                conn.request("GET", "/uploaded?name=load")
                resp = conn.getresponse()
                body = resp.read()
                results.append((resp.status, body))
            except (OSError, http.client.HTTPException) as err:
                results.append((0, repr(err).encode()))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", hookd.port, timeout=ref.REQUEST_SECONDS)
        conn.close()

    settings = json.dumps({"deadline_ms": 10000, "routes": [{"path": "/uploaded", "function": "handle"}]})
    headers = {"content-type": "application/wasm", "x-hookd-settings": settings}
    problems = []
    try:
        status, _ = hookd.admin("PUT", "/admin/plugins/uploaded", wasm, headers)
    except OSError as err:
        return ref.report("a component uploaded and replaced under load", [f"upload failed: {err!r}"])
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        for _ in range(2):
            status, _ = hookd.admin("PUT", "/admin/plugins/uploaded", wasm, headers)
            if status not in (200, 201):
                problems.append(f"PUT answered {status}")
            time.sleep(1)
    except OSError as err:
        problems.append(f"PUT failed: {err!r}")
    finally:
        stop.set()
        for t in threads:
            t.join()
    bad = [(s, b[:200]) for s, b in results if s != 200 or b"hello, load" not in b]
    if not results:
        problems.append("no request was answered")
    if bad:
        problems.append(f"{len(bad)} of {len(results)} requests failed, e.g. {bad[:3]}")
    name = f"a component uploaded, then replaced twice under load: {len(results)} requests, none failed"
    return ref.report(name, problems)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    binary, components_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    with open(ref.TABLE, encoding="utf-8") as f:
        table = json.load(f)
    if not all(os.path.exists(os.path.join(components_dir, f"{n}.wasm")) for n in table["components"]):
        print("SKIP: the test components were not built (scripts/setup.sh installs their toolchain)")
        print("0 passed, 0 failed")
        return 77

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ref.Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    bases = {"upstream": f"http://127.0.0.1:{upstream.server_address[1]}",
             "unreachable": f"http://127.0.0.1:{ref.free_port()}"}
    passes = failures = 0
    with tempfile.TemporaryDirectory(prefix="hookd-gateway-components-") as work:
        config = os.path.join(work, "hookd.toml")
        if only:  # serve only the components with a selected case
            wanted = {c["component"] for c in table["cases"] if only in c["name"]}
            table = dict(table, components={n: c for n, c in table["components"].items() if n in wanted})
        write_config(config, components_dir, work, table, bases)
        try:
            hookd = Hookd(binary, config, work)
        except (RuntimeError, OSError) as err:
            print(f"FAIL hookd serves the components: {err}")
            print("0 passed, 1 failed")
            return 1
        try:
            ok, bad = run_cases(hookd, table, only, bases)
            passes, failures = passes + ok, failures + bad
            if not only:
                for check in (lambda: check_listing(hookd, table), lambda: check_faults(hookd),
                              lambda: check_replace_under_load(hookd, components_dir)):
                    ok, bad = check()
                    passes, failures = passes + ok, failures + bad
        finally:
            output = hookd.output()
            hookd.stop()
            if failures:
                sys.stdout.write(output[-4000:])
    upstream.shutdown()
    print(f"{passes} passed, {failures} failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
