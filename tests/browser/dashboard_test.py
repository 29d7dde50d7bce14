#!/usr/bin/python3
"""The dashboard in a real headless Chromium against a real `hookd serve`.

Starts hookd on free ports with the example plugins, drives the page with
Selenium (Debian's python3-selenium and chromium-driver) and walks an
operator's session: a wrong token and then the right one, the example
plugins in the table (each at version 1), an upload (with a settings error
shown beside its field first, then the placeholder's example settings), a
call from Try it (JSON to a msgpack function twice: the type picked stays,
the answer comes back as JSON), the call count and the chart moving, a
plugin's error in the log view, a replace and a delete. Saves a screenshot
of each view into OUT_DIR.

Usage: dashboard_test.py HOOKD_BINARY PLUGIN_DIR OUT_DIR
Exits 77 (ctest: skipped) when chromium, chromedriver or selenium is missing.
Every wait is bounded; hookd and the browser are stopped on any failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
TOKEN = "browser-test-admin-token"
WAIT_S = 30


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    skip("python3-selenium is not installed (apt-get install python3-selenium; use /usr/bin/python3)")


def find_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        skip("chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
    return chromium, driver


class Hookd:
    """`hookd serve` on free ports, its stderr in a file."""

    def __init__(self, binary, plugin_dir, tmp):
        self.tmp = tmp
        data = os.path.join(tmp, "data")
        os.makedirs(data)
        config = os.path.join(tmp, "hookd.toml")
        with open(config, "w") as f:
            f.write(
                "[server]\n"
                'listen = "127.0.0.1:0"\n'
                'admin_listen = "127.0.0.1:0"\n'
                "workers = 2\n"
                f'data_dir = "{data}"\n'
                "drain_timeout_ms = 2000\n"
            )
        self.err_path = os.path.join(tmp, "hookd.err")
        env = dict(os.environ, HOOKD_ADMIN_TOKEN=TOKEN)
        with open(self.err_path, "w") as err, open(os.path.join(tmp, "hookd.out"), "w") as out:
            self.proc = subprocess.Popen(
                [binary, "serve", "--config", config, "--plugin-dir", plugin_dir], stdout=out, stderr=err, env=env
            )
        deadline = time.monotonic() + 60
        pattern = re.compile(r"hookd serving on 127\.0\.0\.1:(\d+).*admin on 127\.0\.0\.1:(\d+)")
        while True:
            with open(self.err_path) as f:
                m = pattern.search(f.read())
            if m:
                self.port, self.admin_port = int(m.group(1)), int(m.group(2))
                break
            if self.proc.poll() is not None:
                raise RuntimeError("hookd exited:\n" + self.log_tail())
            if time.monotonic() > deadline:
                raise RuntimeError("no 'hookd serving on' line within 60 s")
            time.sleep(0.05)
        self.admin = f"http://127.0.0.1:{self.admin_port}"

    def log_tail(self):
        with open(self.err_path) as f:
            return "".join(f.readlines()[-30:])

    def admin_get(self, path):
        req = urllib.request.Request(self.admin + path, headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class Session:
    def __init__(self, driver_path, chromium, tmp, out_dir):
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for arg in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1440,1000",
            f"--user-data-dir={os.path.join(tmp, 'chrome')}",
        ):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
        self.d.set_page_load_timeout(WAIT_S)
        self.out_dir = out_dir
        self.step = "start"

    def wait(self, what, cond, timeout=WAIT_S):
        self.step = what
        try:
            # The tables re-render on each refresh: an element read from the
            # previous rendering is stale, and the condition is tried again.
            return WebDriverWait(
                self.d, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
            ).until(lambda d: cond())
        except TimeoutException:
            raise AssertionError(f"timed out ({timeout} s) waiting for: {what}")

    def el(self, id_):
        return self.d.find_element(By.ID, id_)

    def text(self, id_):
        return self.el(id_).text

    def shot(self, name):
        path = os.path.join(self.out_dir, f"{name}.png")
        self.d.save_screenshot(path)
        print(f"screenshot {path}")

    def go(self, view):
        self.d.find_element(By.CSS_SELECTOR, f'#nav a[data-view="{view}"]').click()
        self.wait(f"the {view} view", lambda: self.el(f"view-{view}").is_displayed())

    def row(self, plugin):
        rows = self.d.find_elements(By.CSS_SELECTOR, f'#plugins-table tbody tr[data-plugin="{plugin}"]')
        return rows[0] if rows else None

    def click_in_row(self, plugin, css):
        """Clicks a button of a plugin's row (found again if the table re-rendered)."""

        def click():
            self.row(plugin).find_element(By.CSS_SELECTOR, css).click()
            return True

        self.wait(f"{css} of {plugin}", click)

    def console_errors(self):
        return [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]

    def quit(self):
        self.d.quit()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


def traffic(hookd, seconds):
    """Calls echo about 40 times a second (and misc.big, failing, now and
    then) for `seconds`; returns how many echo calls succeeded."""
    sent = 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        target, body = ("/plugins/misc/big", b"oops") if i % 15 == 0 else ("/plugins/echo/echo", b"x" * (i % 200))
        req = urllib.request.Request(f"http://127.0.0.1:{hookd.port}{target}", data=body, method="POST")
        try:
            urllib.request.urlopen(req, timeout=10).read()
            sent += 1
        except urllib.error.HTTPError:
            pass
        time.sleep(0.025)
    return sent


def run(s, hookd, plugin_dir):
    d = s.d
    # HEAD of the page: its length, no body (urllib, no browser needed).
    req = urllib.request.Request(hookd.admin + "/ui/", method="HEAD")
    with urllib.request.urlopen(req, timeout=10) as r:
        check(int(r.headers["Content-Length"]) > 0 and r.read() == b"", "HEAD /ui/ has a length and no body")

    d.get(hookd.admin + "/ui")  # redirects to /ui/
    s.wait("the sign-in form", lambda: s.el("token").is_displayed())
    check(d.current_url.endswith("/ui/"), "/ui redirects to /ui/")

    # A wrong token says so.
    s.el("token").send_keys("not-the-token")
    s.el("signin").click()
    s.wait("the wrong-token message", lambda: "Wrong admin token" in s.text("signin-error"))
    check(not s.el("nav").is_displayed(), "a wrong token does not sign in")
    s.shot("signin-wrong-token")

    # The right one: the example plugins are listed.
    s.el("token").clear()
    s.el("token").send_keys(TOKEN)
    s.el("signin").click()
    examples = ["echo", "vowels", "greet", "misc", "counter"]
    s.wait("the example plugins", lambda: all(s.row(p) is not None for p in examples))
    check(d.execute_script("return sessionStorage.getItem('hookd.admin_token')") == TOKEN, "token kept in sessionStorage")
    check(not s.el("nav-cluster").is_displayed(), "no cluster entry outside cluster mode")
    # The Version column counts each plugin's own loads, not a global sequence.
    versions = {p: s.row(p).find_elements(By.TAG_NAME, "td")[2].text for p in examples}
    check(all(v == "1" for v in versions.values()), f"every untouched plugin is at version 1 ({versions})")
    s.shot("plugins-initial")
    # The example handlers show their routes beside their functions.
    s.wait("the shortener's routes", lambda: s.row("shortener") is not None)
    route_tags = [t.text for t in s.row("shortener").find_elements(By.CSS_SELECTOR, ".tag.route")]
    check(sorted(route_tags) == ["GET /r/{code}", "POST /links"], f"the shortener's route tags ({route_tags})")

    # Filter and sort.
    s.el("plugin-filter").send_keys("vowel")
    s.wait("the filter", lambda: len(d.find_elements(By.CSS_SELECTOR, "#plugins-table tbody tr")) == 1)
    s.el("plugin-filter").clear()
    s.el("plugin-filter").send_keys(" ")
    s.el("plugin-filter").clear()
    d.find_element(By.CSS_SELECTOR, '#plugins-table th[data-sort="name"]').click()  # name, descending now
    s.wait(
        "descending sort",
        lambda: [r.get_attribute("data-plugin") for r in d.find_elements(By.CSS_SELECTOR, "#plugins-table tbody tr")][0]
        == "webhook",
    )

    # Upload: a settings error is shown beside its field, then the upload goes through.
    s.el("upload-open").click()
    s.wait("the upload form", lambda: s.el("upload-form").is_displayed())
    s.el("upload-name").send_keys("uploaded")
    s.el("upload-file").send_keys(os.path.join(plugin_dir, "echo.wasm"))
    s.el("upload-settings").send_keys("{not json")
    s.el("upload-submit").click()
    s.wait("the settings error", lambda: "Not valid JSON" in s.text("upload-settings-error"))
    s.el("upload-sha").send_keys("abc")
    s.wait("the sha256 error", lambda: "64 hexadecimal" in s.text("upload-sha-error"))
    s.shot("upload-errors")
    s.el("upload-sha").clear()
    s.el("upload-sha").send_keys(" ")
    s.el("upload-sha").clear()
    # The placeholder is an example that works as it stands.
    s.el("upload-settings").clear()
    s.el("upload-settings").send_keys(s.el("upload-settings").get_attribute("placeholder"))
    s.el("upload-submit").click()
    s.wait("the upload", lambda: "Loaded uploaded version 1 " in s.text("upload-result"), timeout=60)
    status, entry = hookd.admin_get("/admin/plugins/uploaded")
    check(status == 200 and entry["settings"]["grants"]["kv"]["mode"] == "rw", "the placeholder's settings apply")
    s.wait("the uploaded row", lambda: s.row("uploaded") is not None)
    s.shot("upload")

    # Try it: call the uploaded plugin.
    s.go("tryit")
    s.wait("uploaded in Try it", lambda: "uploaded" in [o.text for o in Select(s.el("tryit-plugin")).options])
    Select(s.el("tryit-plugin")).select_by_visible_text("uploaded")
    Select(s.el("tryit-fn")).select_by_visible_text("echo")
    s.el("tryit-body").send_keys("hello from the browser")
    s.el("tryit-send").click()
    s.wait("the Try it result", lambda: s.text("tryit-status") == "200")
    check(s.text("tryit-response") == "hello from the browser", "Try it shows the body")
    check(float(s.text("tryit-duration")) >= 0, "Try it shows the time taken")
    check("x-request-id" in s.text("tryit-headers"), "Try it shows the headers")
    s.shot("tryit")

    # JSON to a msgpack function (greet): the type picked survives each send,
    # and the answer is JSON, as on the public route.
    Select(s.el("tryit-plugin")).select_by_visible_text("greet")
    Select(s.el("tryit-fn")).select_by_visible_text("greet")
    s.wait("greet's declared type preset", lambda: s.el("tryit-type").get_attribute("value") == "application/msgpack")
    Select(s.el("tryit-type")).select_by_visible_text("application/json")
    s.el("tryit-body").clear()
    s.el("tryit-body").send_keys('{"name": "Ada"}')
    for attempt in (1, 2):
        d.execute_script("document.getElementById('tryit-status').textContent = ''")
        s.el("tryit-send").click()
        s.wait(f"JSON to greet, send {attempt}", lambda: s.text("tryit-status") != "" and not s.el("tryit-send").get_attribute("disabled"))
        check(s.text("tryit-status") == "200", f"send {attempt} of the same JSON body is 200 ({s.text('tryit-response')})")
        check(json.loads(s.text("tryit-response")) == {"message": "Hello, Ada!"}, f"send {attempt} answers JSON")
        check("application/json" in s.text("tryit-headers"), f"send {attempt} says application/json")
        check(s.el("tryit-type").get_attribute("value") == "application/json", f"the type picked stays after send {attempt}")

    # The call count moves in the table.
    s.go("plugins")
    s.wait(
        "the call count of uploaded",
        lambda: s.row("uploaded") is not None
        and s.row("uploaded").find_element(By.CSS_SELECTOR, "td.calls").text.startswith("1 (1)"),
    )

    # And the chart.
    s.go("charts")
    s.wait("uploaded in the chart picker", lambda: "uploaded" in [o.text for o in Select(s.el("chart-plugin")).options])
    Select(s.el("chart-plugin")).select_by_visible_text("uploaded")
    s.wait("the chart's request count", lambda: s.el("chart-summary").get_attribute("data-requests") == "1")
    s.wait("the charts drawn", lambda: len(d.find_elements(By.CSS_SELECTOR, "#chart-rps canvas, #chart-latency canvas")) == 2)
    # A second call: the chart moves on its next refresh.
    s.go("tryit")
    Select(s.el("tryit-plugin")).select_by_visible_text("uploaded")
    s.el("tryit-send").click()
    s.wait("the second call", lambda: s.text("tryit-status") == "200" and not s.el("tryit-send").get_attribute("disabled"))
    s.go("charts")
    Select(s.el("chart-plugin")).select_by_visible_text("uploaded")
    s.wait("the chart moving", lambda: s.el("chart-summary").get_attribute("data-requests") == "2", timeout=20)
    s.shot("charts-uploaded")

    # A plugin's error in the log view: misc.big refuses a non-number.
    s.go("tryit")
    Select(s.el("tryit-plugin")).select_by_visible_text("misc")
    Select(s.el("tryit-fn")).select_by_visible_text("big")
    s.el("tryit-body").clear()
    s.el("tryit-body").send_keys("lots")
    s.el("tryit-send").click()
    s.wait("the plugin error", lambda: s.text("tryit-status") == "400")
    # And a plugin's own log lines: misc.log logs its input once per level.
    Select(s.el("tryit-fn")).select_by_visible_text("log")
    s.el("tryit-body").clear()
    s.el("tryit-body").send_keys("a line from misc")
    s.el("tryit-send").click()
    s.wait("the log call", lambda: s.text("tryit-status") == "200")
    s.go("logs")
    error_rows = '#logs-table tbody tr[data-kind="error"]'
    s.wait(
        "the error in the log view",
        lambda: any("big: input must be a decimal" in r.text for r in d.find_elements(By.CSS_SELECTOR, error_rows)),
    )
    s.wait(
        "misc's log lines",
        lambda: any("a line from misc" in r.text for r in d.find_elements(By.CSS_SELECTOR, '#logs-table tbody tr[data-kind="log"]')),
    )
    s.shot("logs")
    Select(s.el("logs-level")).select_by_value("error")  # the 400 is a warning
    s.wait("the level filter", lambda: not d.find_elements(By.CSS_SELECTOR, error_rows))
    Select(s.el("logs-level")).select_by_value("")

    # Replace the uploaded plugin with another module.
    s.go("plugins")
    s.wait("the uploaded row", lambda: s.row("uploaded") is not None)
    s.click_in_row("uploaded", "button.replace")
    s.wait("the replace form", lambda: s.text("upload-title") == "Replace uploaded")
    s.el("upload-file").send_keys(os.path.join(plugin_dir, "vowels.wasm"))
    s.el("upload-submit").click()
    s.wait("the replace", lambda: "Replaced uploaded version 2 " in s.text("upload-result"), timeout=60)
    s.wait("the replaced row", lambda: "count_vowels" in s.row("uploaded").text)
    s.shot("replace")

    # Delete it, with confirmation.
    s.click_in_row("uploaded", "button.delete")
    s.wait("the confirmation", lambda: s.el("confirm-delete").is_displayed())
    check(s.text("confirm-delete-name") == "uploaded", "the confirmation names the plugin")
    s.shot("delete-confirm")
    s.el("confirm-delete-yes").click()
    s.wait("the row gone", lambda: s.row("uploaded") is None)
    check(hookd.admin_get("/admin/plugins/uploaded")[0] == 404, "the plugin is gone from the admin API")

    # Some traffic for a lively table and chart (the README's screenshots):
    # calls to echo and a few failing ones to misc.big, spread over seconds.
    sent = traffic(hookd, seconds=8)
    s.go("plugins")
    s.wait("echo's calls in the table", lambda: s.row("echo").find_element(By.CSS_SELECTOR, "td.calls").text.startswith(f"{sent} "))
    s.shot("plugins")
    s.go("charts")
    Select(s.el("chart-plugin")).select_by_visible_text("echo")
    s.wait("echo's chart", lambda: s.el("chart-summary").get_attribute("data-requests") == str(sent))
    s.shot("charts")

    csp = [m for m in s.console_errors() if "Content Security Policy" in m or "Refused to" in m]
    check(not csp, f"no CSP violations ({csp})")

    # Sign out: the token leaves the tab.
    s.el("signout").click()
    s.wait("the sign-in form again", lambda: s.el("token").is_displayed())
    check(d.execute_script("return sessionStorage.getItem('hookd.admin_token')") is None, "sign-out forgets the token")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    hookd_bin, plugin_dir, out_dir = (os.path.abspath(a) for a in sys.argv[1:])
    chromium, driver = find_browser()
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="hookd-browser-")
    hookd = session = None
    try:
        hookd = Hookd(hookd_bin, plugin_dir, tmp)
        session = Session(driver, chromium, tmp, out_dir)
        run(session, hookd, plugin_dir)
        print("PASS: dashboard browser test")
        return 0
    except Exception as e:  # report, keep a screenshot of where it stopped, clean up
        print(f"FAIL: {e}")
        if session is not None:
            try:
                session.shot("failure")
                for m in session.console_errors():
                    print(f"console: {m}")
            except Exception:
                pass
        if hookd is not None:
            print("--- hookd.err\n" + hookd.log_tail())
        return 1
    finally:
        if session is not None:
            try:
                session.quit()
            except Exception:
                pass
        if hookd is not None:
            hookd.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
