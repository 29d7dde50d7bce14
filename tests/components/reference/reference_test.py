#!/usr/bin/env python3
"""Runs each wasi:http test component in its reference host (serve.mjs: jco's
preview2-shim HTTP server) and checks every case of ../expectations.json
against it over real HTTP; calls the hand-written components' functions
through jco (call.mjs) and checks every call of the table.

usage: reference_test.py <components-dir> [case-name-substring]

<components-dir> holds <name>.wasm for each component the table names (the
build writes them to build/components). Prints one ok/FAIL line per case and
ends with "N passed, N failed"; exits 77 (skipped) when node or the component
toolchain is missing.
"""
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "expectations.json")
SERVE = os.path.join(HERE, "serve.mjs")
CALL = os.path.join(HERE, "call.mjs")
START_SECONDS = 120  # transpiling a 13 MB component and compiling it takes a few seconds
REQUEST_SECONDS = 60  # the first request of a host compiles the core module


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Upstream(http.server.BaseHTTPRequestHandler):
    """The fetcher's upstream: /bytes/<n>, /fetched-by, else 404."""

    def do_GET(self):
        if self.path.startswith("/bytes/") and self.path[7:].isdigit() and int(self.path[7:]) <= 1 << 24:
            self.reply(200, b"x" * int(self.path[7:]))
        elif self.path == "/fetched-by":
            self.reply(200, self.headers.get("x-fetched-by", "").encode())
        else:
            self.reply(404, b"gone\n")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Host:
    """serve.mjs for one component, in a process group of its own."""

    def __init__(self, wasm, work):
        self.port = free_port()
        self.log = open(os.path.join(work, "serve.log"), "w+b")
        self.proc = subprocess.Popen(
            ["node", SERVE, wasm, os.path.join(work, "js"), str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while b"listening" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                output = self.output().decode(errors="replace")[-3000:]
                self.stop()
                raise RuntimeError(f"reference host did not start:\n{output}")
            time.sleep(0.1)

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def last_fields(self):
        """The fields of the last response the component set."""
        lines = [l for l in self.output().splitlines() if l.startswith(b"response-fields ")]
        return json.loads(lines[-1][len(b"response-fields "):]) if lines else []

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def substitute(text, bases):
    for key, value in bases.items():
        text = text.replace("{" + key + "}", value)
    return text


def expand(text):
    """A table text: a string, or {repeat, times[, then]}."""
    if isinstance(text, dict):
        return text["repeat"] * text["times"] + text.get("then", "")
    return text


def request_body(spec):
    body = spec.get("body")
    return None if body is None else expand(body).encode()


def send(port, spec, bases):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        body = request_body(spec)
        conn.putrequest(spec["method"], substitute(expand(spec["target"]), bases), skip_accept_encoding=True)
        for name, value in spec.get("headers", []):
            conn.putheader(name, substitute(value, bases))
        if body is not None:
            conn.putheader("content-length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def check(expect, status, headers, body, fields):
    """The differences between the response and the expectation, as text.

    fields: the response's fields as the component set them (shim-fixes.mjs).
    A header expected more than once is checked there: the reference host
    sends only the last value of a repeated header (a host that sends them all
    passes too).
    """
    problems = []
    if status != expect["status"]:
        problems.append(f"status {status}, want {expect['status']}")
    for name, values in expect.get("headers", {}).items():
        got = headers.get_all(name) or []
        if len(values) > 1:
            set_values = [v for n, v in fields if n == name]
            if set_values != values:
                problems.append(f"{name} set by the component: {set_values}, want {values}")
            if got not in (values, values[-1:]):
                problems.append(f"{name} on the wire: {got}, want {values} (or the reference host's {values[-1:]})")
        elif got != values:
            problems.append(f"{name}: {got}, want {values}")
    for name in expect.get("absent_headers", []):
        if headers.get_all(name):
            problems.append(f"{name} present: {headers.get_all(name)}")
    text = body.decode(errors="replace")
    if "body" in expect and text != expand(expect["body"]):
        want = expand(expect["body"])
        problems.append(f"body {text[:200]!r} ({len(text)} chars), want {want[:200]!r} ({len(want)} chars)")
    if "json" in expect or "json_prefix" in expect:
        try:
            value = json.loads(text)
        except ValueError:
            return problems + [f"body is not JSON: {text[:200]!r}"]
        if "json" in expect and value != expect["json"]:
            problems.append(f"json {value}, want {expect['json']}")
        for field, prefix in expect.get("json_prefix", {}).items():
            if not str(value.get(field, "")).startswith(prefix):
                problems.append(f"json {field}={value.get(field)!r}, want it to start with {prefix!r}")
    return problems


def check_call(expect, result):
    """The differences between a call's result and the expectation, as text."""
    if expect.get("trap"):
        return [] if "trap" in result else [f"returned {str(result.get('ok'))[:100]!r}, want a trap"]
    if "trap" in result:
        return [f"trapped: {result['trap']}"]
    if "ok_length" in expect:
        got = len(result["ok"])
        return [] if got == expect["ok_length"] else [f"length {got}, want {expect['ok_length']}"]
    return [] if result["ok"] == expect["ok"] else [f"returned {result['ok']!r}, want {expect['ok']!r}"]


def run_calls(components_dir, name, calls, work):
    """Each call's result from call.mjs, or raises RuntimeError."""
    request = json.dumps([{"function": c["function"], "args": c["args"]} for c in calls])
    proc = subprocess.run(["node", CALL, os.path.join(components_dir, f"{name}.wasm"), work],
                          input=request.encode(), capture_output=True, timeout=START_SECONDS)
    if proc.returncode != 0:
        raise RuntimeError(f"call.mjs failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(proc.stdout)


def report(name, problems):
    if problems:
        print(f"FAIL {name}: {'; '.join(problems)}")
        return 0, 1
    print(f"ok   {name}")
    return 1, 0


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    components_dir = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    toolchain = os.path.join(HERE, "..", "node_modules", ".package-lock.json")
    if not shutil.which("node") or not os.path.exists(toolchain):
        print("SKIP: node or the component toolchain (scripts/setup.sh) is missing")
        print("0 passed, 0 failed")
        return 77
    with open(TABLE, encoding="utf-8") as f:
        table = json.load(f)

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    bases = {"upstream": f"http://127.0.0.1:{upstream.server_address[1]}",
             "unreachable": f"http://127.0.0.1:{free_port()}"}

    passes = failures = 0
    with tempfile.TemporaryDirectory(prefix="hookd-components-") as tmp:
        for name in table["components"]:
            cases = [c for c in table["cases"] if c["component"] == name and only in c["name"]]
            if not cases:
                continue
            work = os.path.join(tmp, name)
            os.makedirs(work)
            try:
                host = Host(os.path.join(components_dir, f"{name}.wasm"), work)
            except (RuntimeError, OSError) as err:
                for case in cases:
                    print(f"FAIL {case['name']}: {err}")
                failures += len(cases)
                continue
            try:
                for case in cases:
                    try:
                        status, headers, body = send(host.port, case["request"], bases)
                        problems = check(case["response"], status, headers, body, host.last_fields())
                    except (OSError, http.client.HTTPException) as err:
                        problems = [f"request failed: {err!r}"]
                    ok, bad = report(case["name"], problems)
                    passes, failures = passes + ok, failures + bad
                if failures:
                    sys.stdout.write(host.output().decode(errors="replace")[-3000:])
            finally:
                host.stop()
        for name in table["wat_components"]:
            calls = [c for c in table["calls"] if c["component"] == name and only in c["name"]]
            if not calls:
                continue
            try:
                results = run_calls(components_dir, name, calls, os.path.join(tmp, name))
            except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as err:
                results = [{"error": str(err)}] * len(calls)
            for call, result in zip(calls, results):
                problems = [result["error"]] if "error" in result else check_call(call, result)
                ok, bad = report(call["name"], problems)
                passes, failures = passes + ok, failures + bad
    upstream.shutdown()
    print(f"{passes} passed, {failures} failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
