#!/usr/bin/env python3
"""Every metric that deploy/grafana/hookd.json queries exists in a real hookd.

Starts `hookd serve` on free ports with the example plugins, makes a few
calls (so the per-plugin families have samples), reads GET /metrics from the
admin listener, and checks each panel expression's metric names against the
families the gateway exposes. Also checks the dashboard's structure: valid
JSON, unique panel ids, every panel with at least one query.

Usage: grafana_metrics_test.py HOOKD_BINARY PLUGIN_DIR DASHBOARD_JSON
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "grafana-test-admin-token"


def sample_names(text):
    """The metric names that have samples in an exposition text."""
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


def main():
    hookd_bin, plugin_dir, dashboard_path = sys.argv[1:4]
    with open(dashboard_path) as f:
        dashboard = json.load(f)
    exprs = []
    ids = set()
    for p in dashboard["panels"]:
        assert p["id"] not in ids, f"duplicate panel id {p['id']}"
        ids.add(p["id"])
        assert p.get("targets"), f"panel {p['title']} has no query"
        exprs += [(p["title"], t["expr"]) for t in p["targets"]]

    tmp = tempfile.mkdtemp(prefix="hookd-grafana-")
    proc = None
    try:
        data = os.path.join(tmp, "data")
        os.makedirs(data)
        config = os.path.join(tmp, "hookd.toml")
        with open(config, "w") as f:
            f.write(
                '[server]\nlisten = "127.0.0.1:0"\nadmin_listen = "127.0.0.1:0"\nworkers = 2\n'
                f'data_dir = "{data}"\ndrain_timeout_ms = 2000\n'
                f'[log]\naccess_log = true\naccess_log_file = "{os.path.join(tmp, "access.log")}"\n'
            )
        err_path = os.path.join(tmp, "hookd.err")
        with open(err_path, "w") as err:
            proc = subprocess.Popen(
                [hookd_bin, "serve", "--config", config, "--plugin-dir", plugin_dir],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=dict(os.environ, HOOKD_ADMIN_TOKEN=TOKEN),
            )
        pattern = re.compile(r"hookd serving on 127\.0\.0\.1:(\d+).*admin on 127\.0\.0\.1:(\d+)")
        deadline = time.monotonic() + 60
        while True:
            with open(err_path) as f:
                log = f.read()
            m = pattern.search(log)
            if m:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                print("FAIL: hookd did not start\n" + log[-3000:])
                return 1
            time.sleep(0.05)
        port, admin_port = m.group(1), m.group(2)
        for target, body in (("/plugins/echo/echo", b"x"), ("/plugins/misc/big", b"bad")):
            req = urllib.request.Request(f"http://127.0.0.1:{port}{target}", data=body, method="POST")
            try:
                urllib.request.urlopen(req, timeout=10).read()
            except urllib.error.HTTPError:
                pass  # misc.big refuses "bad": an error sample
        # Some samples appear on the workers' next sweep (plugin memory,
        # every 500 ms): scrape until every name is there, for at most 15 s.
        wanted = {n for _, e in exprs for n in re.findall(r"\bhookd_[a-z0-9_]+", e)}
        deadline = time.monotonic() + 15
        while True:
            req = urllib.request.Request(
                f"http://127.0.0.1:{admin_port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            text = urllib.request.urlopen(req, timeout=10).read().decode()
            if wanted <= sample_names(text) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    exposed = sample_names(text)
    failures = 0
    for title, expr in exprs:
        for name in sorted(set(re.findall(r"\bhookd_[a-z0-9_]+", expr))):
            if name in exposed:
                print(f"ok: {title}: {name}")
            else:
                print(f"FAIL: {title}: {name} is not in /metrics")
                failures += 1
    print(f"{len(exprs)} expressions, {failures} unknown metric names")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
