#!/usr/bin/env python3
"""End-to-end tests of the web console in a real headless Chromium.

Starts the real `berth serve` (two worker processes, so a session made in one worker must be
honoured by the other) on a throw-away home, packs and signs the greeter example with a throw-away
key, and drives the console through Selenium and chromedriver. Every test saves a screenshot under
.build/console-screenshots/.

Usage: console_tests.py [--bin BIN_DIR] [--keep-home]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import re
import urllib.parse
import urllib.request
import urllib.error

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHOTS = os.path.join(REPO, ".build", "console-screenshots")
TOKEN = "console-test-admin-token-" + os.urandom(8).hex()
WAIT = 20


class Host:
    """A real berth process on a throw-away home with the greeter and the chatbot packed into local files."""

    def __init__(self, bin_dir):
        self.bin = bin_dir
        self.home = tempfile.mkdtemp(prefix="berth-console-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        keys = os.path.join(self.home, "keys")
        os.makedirs(os.path.join(self.home, ".berth", "trusted-keys"))
        run([os.path.join(bin_dir, "addonctl"), "keygen", "publisher", "--out-dir", keys])
        shutil.copy(os.path.join(keys, "publisher.pub"), os.path.join(self.home, ".berth", "trusted-keys", "publisher.pub"))
        out = os.path.join(self.home, "packages")
        os.makedirs(out)
        run([os.path.join(bin_dir, "addonctl"), "pack", os.path.join(REPO, "Addons", "greeter"), "--key", os.path.join(keys, "publisher.key"),
             "--library", os.path.join(bin_dir, "libGreeter.so"), "--out", out + "/"])
        self.package = os.path.join(out, [name for name in os.listdir(out) if name.endswith(".berth")][0])
        chatbot_out = os.path.join(self.home, "chatbot")
        os.makedirs(chatbot_out)
        run([os.path.join(bin_dir, "addonctl"), "pack", os.path.join(REPO, "Addons", "ai_chatbot"), "--key", os.path.join(keys, "publisher.key"),
             "--library", os.path.join(bin_dir, "libAIChatbot.so"), "--out", chatbot_out + "/"])
        self.chatbot = os.path.join(chatbot_out, os.listdir(chatbot_out)[0])
        self.garbage = os.path.join(out, "not-a-package.berth")
        with open(self.garbage, "wb") as handle:
            handle.write(b"this is not an archive\n" * 20)
        environment = dict(os.environ, BERTH_HOME=self.home, BERTH_PORT=str(self.port), BERTH_ADMIN_TOKEN=TOKEN,
                           BERTH_CONSOLE_DIR=os.path.join(REPO, "Console"), BERTH_ADDON_LOG_LEVEL="debug")
        self.log = open(os.path.join(self.home, "berth.log"), "wb")
        self.process = subprocess.Popen([os.path.join(bin_dir, "berth"), "serve", "--workers", "2"], cwd=self.home, env=environment,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("berth did not start: " + open(os.path.join(self.home, "berth.log")).read())

    def install_fixture(self, addon, product, migrations, **manifest):
        """Packs a fixture addon of the Swift tests as `addon` (its library reads its id from the
        installed manifest) with `migrations` ({name: (up, down)}) and installs it through the admin API."""
        source = os.path.join(self.home, addon + "-source")
        for dialect in ("sqlite", "postgres"):
            os.makedirs(os.path.join(source, "migrations", dialect))
            for name, (up, down) in migrations.items():
                for suffix, sql in (("up", up), ("down", down)):
                    with open(os.path.join(source, "migrations", dialect, f"{name}.{suffix}.sql"), "w") as handle:
                        handle.write(sql + "\n")
        with open(os.path.join(source, "addon.json"), "w") as handle:
            json.dump(dict({"id": addon, "version": "1.0.0", "name": addon, "description": "A fixture for the console's tests.", "product": product,
                            "mountPrefix": "/api/v1/" + addon, "pluginAPI": ">=1.0.0 <2.0.0", "permissions": ["database"]}, **manifest), handle)
        # The fixture reads its id from the manifest.json above its lib/ folder, also when
        # addonctl loads it to check it: a copy of the library gets one.
        staged = os.path.join(self.home, addon + "-staged")
        os.makedirs(os.path.join(staged, "lib"))
        shutil.copy(os.path.join(self.bin, f"lib{product}.so"), os.path.join(staged, "lib"))
        with open(os.path.join(staged, "manifest.json"), "w") as handle:
            json.dump({"id": addon, "version": "1.0.0"}, handle)
        out = os.path.join(self.home, addon + "-package")
        os.makedirs(out)
        run([os.path.join(self.bin, "addonctl"), "pack", source, "--key", os.path.join(self.home, "keys", "publisher.key"),
             "--library", os.path.join(staged, "lib", f"lib{product}.so"), "--out", out + "/"])
        with open(os.path.join(out, os.listdir(out)[0]), "rb") as handle:
            archive = handle.read()
        request = urllib.request.Request(self.url + "/api/v1/marketplace/packages", method="POST", data=archive,
                                         headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 201), response.status
        status, body = self.send("POST", "/api/v1/marketplace/install", {"id": addon}, {"Authorization": "Bearer " + TOKEN})
        assert status == 201, body

    def get(self, path, headers=None):
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def admin(self, path):
        status, _, body = self.get(path, {"Authorization": "Bearer " + TOKEN})
        return status, json.loads(body)

    def send(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, method=method, data=data,
                                         headers=dict({"Content-Type": "application/json"}, **(headers or {})))
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def until(self, read, accept, what):
        """Reads until `accept` holds (a worker of a retiring generation may answer one read with
        the state from before a change)."""
        deadline = time.monotonic() + WAIT
        while True:
            value = read()
            if accept(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: still {value!r}")
            time.sleep(0.1)

    def stop(self, keep):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if not keep:
            shutil.rmtree(self.home, ignore_errors=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def browser(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class ConsoleTests(unittest.TestCase):
    """One browser session through the console's life cycle; the tests run in name order."""

    host = None
    driver = None

    @classmethod
    def setUpClass(cls):
        cls.driver = browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        print(f"\n  reads behind a change, reloaded: {cls.stale_reads}", file=sys.stderr)

    def tearDown(self):
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, self._testMethodName + ".png"))
        errors = [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE" and "40" not in entry["message"]]
        self.assertEqual([], [entry for entry in errors if "Content Security Policy" in entry["message"] or "Uncaught" in entry["message"]])

    # Helpers
    def wait(self, condition, timeout=WAIT):
        return WebDriverWait(self.driver, timeout).until(condition)

    def visible(self, css):
        return self.wait(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def text_appears(self, css, text):
        self.wait(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def open(self, fragment=""):
        self.driver.get(self.host.url + "/admin" + fragment)

    def open_until(self, fragment, css):
        """Opens a page until `css` shows on it. Right after a change, a worker of the retiring
        generation may still answer one request on a kept-alive connection with the state from
        before the change (its answer then closes the connection), so a read can be one step
        behind; a reload reads from the new generation."""
        deadline = time.monotonic() + WAIT
        self.open(fragment)
        while True:
            try:
                return WebDriverWait(self.driver, 2).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
            except TimeoutException:
                if time.monotonic() > deadline:
                    raise
                ConsoleTests.stale_reads += 1
                # Same URL: only a reload runs the page again (a same-fragment navigation does not).
                self.driver.refresh()

    stale_reads = 0

    def sign_in(self):
        self.open()
        field = self.visible("#token")
        field.clear()
        field.send_keys(TOKEN, Keys.ENTER)
        self.visible("#nav a")

    # Tests
    def test_01_sign_in_refuses_a_wrong_token_and_sets_a_strict_http_only_cookie(self):
        self.open()
        self.visible("#token").send_keys("wrong-token", Keys.ENTER)
        self.text_appears("#sign-in-error", "not this host's admin token")
        self.sign_in()
        links = [link.text for link in self.driver.find_elements(By.CSS_SELECTOR, "#nav a")]
        self.assertEqual(["Marketplace", "Installed", "Host"], links[:3])
        self.assertNotIn("Cluster", links)  # this host is not clustered: GET /api/v1/cluster answers 404
        cookie = self.driver.get_cookie("berth_console")
        self.assertIsNotNone(cookie)
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual("Strict", cookie["sameSite"])
        self.assertFalse(self.driver.execute_script("return document.cookie.includes('berth_console')"))
        stored = self.driver.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
        self.assertNotIn(TOKEN, stored)
        self.assertEqual("{}{}", stored)

    def test_02_first_load_is_small_and_served_under_a_strict_policy(self):
        # A browser with an empty cache, so every file of the first load is counted.
        fresh = browser()
        try:
            fresh.get(self.host.url + "/admin")
            WebDriverWait(fresh, WAIT).until(ec.visibility_of_element_located((By.ID, "token")))
            transferred = fresh.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                ".reduce((sum, entry) => sum + Math.max(entry.transferSize, entry.encodedBodySize), 0)")
            others = fresh.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))")
        finally:
            fresh.quit()
        print(f"\n  first load: {transferred} bytes", file=sys.stderr)
        self.assertEqual([], others)
        self.assertGreater(transferred, 10_000)
        self.assertLess(transferred, 200_000)
        status, headers, _ = self.host.get("/admin")
        self.assertEqual(200, status)
        policy = headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertNotIn("http", policy)
        status, _, _ = self.host.get("/admin", {"If-None-Match": headers["ETag"]})
        self.assertEqual(304, status)

    def test_03_a_refused_upload_is_explained_in_words(self):
        self.open("#/marketplace")
        self.visible("input[type=file]").send_keys(self.host.garbage)
        self.text_appears(".drop .error", "The package was refused:")
        message = self.driver.find_element(By.CSS_SELECTOR, ".drop .error").text
        self.assertRegex(message, r"\(\w+\)$")

    def test_03b_a_package_dropped_on_the_drop_zone_is_uploaded(self):
        self.open("#/marketplace")
        # WebDriver cannot drag a file from the desktop: a hidden file input provides the File,
        # and a drop event carrying it is dispatched on the zone as the browser would.
        self.driver.execute_script("const i = document.createElement('input'); i.type = 'file'; i.id = 'drag-source'; i.hidden = true; document.body.append(i);")
        self.driver.find_element(By.ID, "drag-source").send_keys(self.host.garbage)
        self.driver.execute_script("""
            const transfer = new DataTransfer(); transfer.items.add(document.getElementById('drag-source').files[0]);
            const zone = document.querySelector('.drop');
            zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));""")
        self.text_appears(".drop .error", "The package was refused:")
        self.assertEqual([], self.driver.find_elements(By.CSS_SELECTOR, "article[data-package]"))

    def test_04_uploading_a_package_shows_its_permissions_before_install(self):
        self.open("#/marketplace")
        self.visible("input[type=file]").send_keys(self.host.package)
        self.text_appears(".drop [role=status]", "is in the catalog, signed by")
        card = self.visible("article[data-package=greeter]")
        self.assertIn("database", card.find_element(By.CSS_SELECTOR, "ul.perm").text)
        self.assertIn("its own database", card.text)
        self.assertIn("Route policies", card.text)
        self.assertIn("/api/v1/greet", card.text)

    def test_05_an_invalid_install_configuration_is_shown_next_to_its_field(self):
        self.open("#/marketplace")
        self.visible("article[data-package=greeter] .actions button").click()
        dialog = self.visible("#install-dialog")
        self.assertIn("database", dialog.find_element(By.CSS_SELECTOR, "ul.perm").text)
        greeting = dialog.find_element(By.CSS_SELECTOR, "input[name=greeting]")
        greeting.send_keys("x" * 41)
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait(lambda _: greeting.get_attribute("aria-invalid") == "true")
        error = self.driver.find_element(By.ID, greeting.get_attribute("id") + "-error")
        self.assertIn("40", error.text)
        self.assertIn(error.get_attribute("id"), greeting.get_attribute("aria-describedby"))
        self.assertEqual(404, self.host.admin("/api/v1/addons/greeter")[0])

    def test_06_installing_with_a_configuration_applies_it_and_keeps_secrets_write_only(self):
        dialog = self.visible("#install-dialog")
        greeting = dialog.find_element(By.CSS_SELECTOR, "input[name=greeting]")
        greeting.clear()
        greeting.send_keys("Ahoy")
        Select(dialog.find_element(By.CSS_SELECTOR, "select[name=punctuation]")).select_by_visible_text("?")
        secret = dialog.find_element(By.CSS_SELECTOR, "input[name=webhookSecret]")
        self.assertEqual("password", secret.get_attribute("type"))
        secret.send_keys("s3cret-value")
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait(ec.invisibility_of_element_located((By.ID, "install-dialog")))
        self.text_appears("#status", "greeter 1.0.0 installed")
        status, addon = self.host.admin("/api/v1/addons/greeter")
        self.assertEqual(200, status)
        self.assertEqual("Ahoy", addon["configuration"]["greeting"])
        self.assertEqual("?", addon["configuration"]["punctuation"])
        _, _, body = self.host.get("/api/v1/greet/hello")
        self.assertIn(b"Ahoy", body)
        form = self.open_until("#/addons/greeter", "#config-form")
        self.assertEqual("Ahoy", form.find_element(By.NAME, "greeting").get_attribute("value"))
        self.assertEqual("", form.find_element(By.NAME, "webhookSecret").get_attribute("value"))
        self.assertNotIn("s3cret-value", self.driver.page_source)

    def test_06b_the_greeter_page_is_listed_for_end_users_and_runs_sandboxed(self):
        items = self.host.until(lambda: json.loads(self.host.get("/apps")[2])["items"], lambda items: len(items) == 1, "GET /apps")
        self.assertEqual({"addon": "greeter", "area": "apps", "name": "Greet someone", "parent": "Greeter", "path": "index.html",
                          "url": "/apps/greeter/index.html", "icon": "/apps/greeter/wave.svg"}, items[0])
        status, headers, _ = self.host.get("/apps/greeter/index.html")
        self.assertEqual(200, status)
        self.assertEqual("text/html; charset=utf-8", headers["Content-Type"])
        self.assertTrue(headers["Content-Security-Policy"].startswith("sandbox allow-scripts allow-forms;"))
        self.assertNotIn("allow-same-origin", headers["Content-Security-Policy"])
        self.assertEqual("image/svg+xml", self.host.get("/apps/greeter/wave.svg")[1]["Content-Type"])
        # The console lists the page on the addon's view, for end users.
        link = self.open_until("#/addons/greeter", "li[data-page='greeter/index.html'] a")
        self.assertEqual(self.host.url + "/apps/greeter/index.html", link.get_attribute("href"))
        # An end user (this browser still holds the console session) opens it and greets.
        self.driver.get(self.host.url + "/apps/greeter/")
        self.visible("#name").send_keys("Ada", Keys.ENTER)
        self.text_appears("#greeting", "Ahoy, Ada?")
        # The page's origin is opaque: it cannot read the console's answers nor ride its session.
        self.assertEqual("null", self.driver.execute_script("return self.origin"))
        outcomes = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const attempt = (path, init) => fetch(path, Object.assign({ credentials: 'include' }, init)).then((r) => 'read ' + r.status, () => 'blocked');
            Promise.all([attempt('/admin/session'), attempt('/api/v1/addons'),
                         attempt('/api/v1/addons/greeter/deactivate', { method: 'POST' })]).then(done);""")
        self.assertEqual(["blocked", "blocked", "blocked"], outcomes)
        self.assertEqual("active", self.host.admin("/api/v1/addons/greeter")[1]["state"])
        cookie = self.driver.get_cookie("berth_console")["value"]
        status, body = self.host.send("GET", "/api/v1/addons", headers={"Cookie": "berth_console=" + cookie, "Origin": "null"})
        self.assertEqual((403, "cross_origin"), (status, body["error"]["code"]))

    def test_07_an_invalid_configuration_change_shows_the_error_next_to_the_field(self):
        greeting = self.open_until("#/addons/greeter", "#config-form input[name=greeting]")
        greeting.clear()
        greeting.send_keys("y" * 50)
        self.driver.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
        self.wait(lambda _: greeting.get_attribute("aria-invalid") == "true")
        error = self.driver.find_element(By.ID, greeting.get_attribute("id") + "-error")
        self.assertIn("40", error.text)
        self.assertIn("Not saved", self.driver.find_element(By.CSS_SELECTOR, "#config-form > .error").text)
        self.assertEqual("Ahoy", self.host.admin("/api/v1/addons/greeter")[1]["configuration"]["greeting"])

    def test_07b_route_policies_are_overridden_and_reset_in_the_console(self):
        field = self.open_until("#/addons/greeter", "#policies-form textarea")
        self.assertIn("/me", field.get_attribute("value"))
        def submit(text):
            self.driver.execute_script("arguments[0].value = arguments[1]", field, text)
            self.driver.find_element(By.CSS_SELECTOR, "#policies-form button[type=submit]").click()
        submit('{"routes": [{"method": "FETCH", "path": "/hello"}]}')
        self.wait(lambda _: field.get_attribute("aria-invalid") == "true")
        error = self.driver.find_element(By.ID, "policy-overrides-error")
        self.assertIn("routes[0].method", error.text)
        self.assertIn(error.get_attribute("id"), field.get_attribute("aria-describedby"))
        self.assertIsNone(self.host.admin("/api/v1/addons/greeter/policies")[1].get("overrides"))
        submit('{"routes": [{"method": "GET", "path": "/hello", "auth": "required"}]}')
        self.text_appears("#policies", "The admin's overrides apply.")
        self.host.until(lambda: self.host.get("/api/v1/greet/hello")[0], lambda status: status == 401, "GET /hello with the override")
        self.visible("#policies-reset").click()
        self.text_appears("#policies", "The manifest's policies apply.")
        self.host.until(lambda: self.host.get("/api/v1/greet/hello")[0], lambda status: status == 200, "GET /hello after the reset")

    def test_07c_the_addon_page_shows_its_health_and_charts_of_its_requests(self):
        for index in range(12):
            self.assertEqual(200, self.host.get(f"/api/v1/greet/chart-{index}")[0])
        self.open_until("#/addons/greeter", "#health meter")
        self.assertIn(self.driver.find_element(By.ID, "health-status").text, ("healthy", "degraded", "unhealthy"))
        score = int(self.driver.find_element(By.CSS_SELECTOR, "#health meter").get_attribute("value"))
        self.assertEqual(self.host.admin("/api/v1/addons/greeter")[1]["health"]["score"], score)
        self.assertTrue(0 <= score <= 100)
        window = self.visible("#metrics select[name=window]")
        Select(window).select_by_value("since_start")
        chart = "#metrics figure[data-chart='Requests and errors'] svg"

        def requests_shown(driver):
            Select(driver.find_element(By.CSS_SELECTOR, "#metrics select[name=window]")).select_by_value("since_start")
            label = driver.find_element(By.CSS_SELECTOR, chart).get_attribute("aria-label")
            found = re.search(r"requests (\d+)", label)
            return found and int(found.group(1)) >= 12
        self.wait(requests_shown)
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.find_element(By.ID, "health").screenshot(os.path.join(SHOTS, "test_07c_health.png"))
        self.assertEqual(4, len(self.driver.find_elements(By.CSS_SELECTOR, chart + " rect.bar")))
        latency = self.driver.find_element(By.CSS_SELECTOR, "#metrics figure[data-chart='Latency'] svg").get_attribute("aria-label")
        self.assertRegex(latency, r"p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms")
        Select(self.driver.find_element(By.CSS_SELECTOR, "#metrics select[name=window]")).select_by_value("1m")
        self.assertIn("Requests and errors:", self.driver.find_element(By.CSS_SELECTOR, chart).get_attribute("aria-label"))
        self.assertNotIn("undefined", self.driver.find_element(By.ID, "metrics").text)
        self.assertNotIn("NaN", self.driver.find_element(By.ID, "metrics").text)
        # The error threshold: a value out of range is refused at the field, a valid one saved, then reset.
        ratio = self.visible("#threshold-form input[name=ratio]")
        ratio.clear(); ratio.send_keys("150")
        self.driver.find_element(By.CSS_SELECTOR, "#threshold-form button[type=submit]").click()
        self.wait(lambda _: ratio.get_attribute("aria-invalid") == "true")
        self.assertIn("Error share", self.driver.find_element(By.ID, "threshold-error").text)
        ratio.clear(); ratio.send_keys("90")
        self.driver.find_element(By.CSS_SELECTOR, "#threshold-form button[type=submit]").click()
        self.text_appears("#threshold-source", "Set for this addon.")
        saved = self.host.admin("/api/v1/addons/greeter/error-threshold")[1]
        self.assertEqual(("addon", 0.9), (saved["source"], saved["threshold"]["ratio"]))
        self.visible("#threshold-reset").click()
        self.text_appears("#threshold-source", "The host default")
        self.assertEqual("host", self.host.admin("/api/v1/addons/greeter/error-threshold")[1]["source"])
        self.driver.execute_script("document.getElementById('metrics').scrollIntoView()")

    def test_07d_logs_are_filtered_and_a_live_tail_shows_a_new_line_as_text(self):
        self.assertEqual(200, self.host.get("/api/v1/greet/filtered-name")[0])
        lines = self.host.until(lambda: self.host.admin("/api/v1/addons/greeter/logs?level=debug&limit=1000")[1]["lines"],
                                lambda found: any("filtered-name" in json.dumps(line) for line in found), "the greeting's log line")
        request_id = next(line["request_id"] for line in lines if "filtered-name" in json.dumps(line))
        self.open_until("#/addons/greeter", "#logs-form")
        Select(self.driver.find_element(By.CSS_SELECTOR, "#logs-form select[name=level]")).select_by_value("debug")
        field = self.driver.find_element(By.CSS_SELECTOR, "#logs-form input[name=request_id]")
        field.send_keys(request_id)
        self.driver.find_element(By.CSS_SELECTOR, "#logs-form button[type=submit]").click()
        # One script reads every row, so a redraw between two reads cannot leave a stale element.
        rows = "return [...document.querySelectorAll('#log-lines tbody tr')].map((row) => row.textContent)"
        self.wait(lambda driver: (found := driver.execute_script(rows)) and all(request_id in row for row in found))
        self.assertIn("filtered-name", self.driver.find_element(By.ID, "log-lines").text)
        field.clear()
        self.driver.find_element(By.CSS_SELECTOR, "#logs-form label[for='%s']" % self.driver.find_element(By.CSS_SELECTOR, "#logs-form input[name=tail]").get_attribute("id")).click()
        self.text_appears("#tail-status", "Following new lines.")
        # A name that would be markup if it were inserted as HTML: it must appear as text.
        name = "<img id=injected src=x>tail"
        self.assertEqual(200, self.host.get("/api/v1/greet/" + urllib.parse.quote(name, safe=""))[0])
        self.wait(lambda driver: name in driver.find_element(By.ID, "tail-lines").get_attribute("textContent"))
        self.assertEqual([], self.driver.find_elements(By.ID, "injected"))
        # Each answer of the host ends after its lines and the EventSource comes back from the last
        # id it saw: a second line arrives as well.
        self.assertEqual(200, self.host.get("/api/v1/greet/after-reconnect")[0])
        self.wait(lambda driver: "after-reconnect" in driver.find_element(By.ID, "tail-lines").get_attribute("textContent"))
        self.assertGreaterEqual(int(self.driver.find_element(By.ID, "tail-status").get_attribute("data-connections")), 2)
        self.assertEqual(1, self.driver.execute_script("return [...document.querySelectorAll('#tail-lines tbody tr')].filter((row) => row.textContent.includes('after-reconnect')).length"))

    def test_08_every_control_is_labelled_and_reachable_by_keyboard(self):
        for fragment in ("#/marketplace", "#/addons", "#/addons/greeter", "#/host", "#/providers", "#/keys", "#/inbox", "#/audit", "#/dead"):
            self.open(fragment)
            self.visible("#content h1")
            self.wait(lambda driver: driver.execute_script("return document.querySelectorAll('#content .card').length") > 0)
            unlabelled = self.driver.execute_script("""
                const name = (el) => (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
                  || (el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim();
                return [...document.querySelectorAll('input, select, textarea, button, a[href]')]
                  .filter((el) => el.offsetParent !== null && !name(el)).map((el) => el.outerHTML.slice(0, 80));""")
            self.assertEqual([], unlabelled, fragment)
        self.open("#/addons/greeter")
        self.visible("#config-form")
        focused = set()
        body = self.driver.find_element(By.TAG_NAME, "body")
        for _ in range(40):
            body = self.driver.switch_to.active_element
            body.send_keys(Keys.TAB)
            focused.add(self.driver.switch_to.active_element.get_attribute("name") or self.driver.switch_to.active_element.text)
        self.assertIn("greeting", focused)
        self.assertIn("Save configuration", focused)

    def test_09_the_console_fits_a_375_pixel_wide_screen(self):
        narrow = browser(375, 812)
        try:
            # Headless windows are at least 500 px wide: emulate the phone's viewport instead.
            narrow.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True})
            narrow.get(self.host.url + "/admin")
            WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.ID, "token"))).send_keys(TOKEN, Keys.ENTER)
            WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "article[data-package=greeter]")))
            for fragment in ("#/marketplace", "#/addons/greeter"):
                narrow.get(self.host.url + "/admin" + fragment)
                WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#content .card")))
                if fragment == "#/addons/greeter":
                    # The operations cards fill in after the page: measure once they are drawn.
                    WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#metrics svg")))
                    WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#threshold-form")))
                    WebDriverWait(narrow, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#log-lines")))
                width = narrow.execute_script("return document.documentElement.scrollWidth")
                viewport = narrow.execute_script("return window.innerWidth")
                self.assertEqual(375, viewport)
                self.assertLessEqual(width, viewport, fragment)
            os.makedirs(SHOTS, exist_ok=True)
            narrow.save_screenshot(os.path.join(SHOTS, "test_09_narrow_addon_page.png"))
        finally:
            narrow.quit()

    def test_09b_a_provider_slot_is_chosen_in_the_console_with_the_error_at_the_field(self):
        field = self.open_until("#/providers", "form[data-slot=cache] input")
        self.assertEqual("memory", field.get_attribute("value"))
        field.clear()
        field.send_keys("nonexistent", Keys.ENTER)
        self.wait(lambda _: field.get_attribute("aria-invalid") == "true")
        error = self.driver.find_element(By.ID, field.get_attribute("id") + "-error")
        self.assertIn("no provider named 'nonexistent'", error.text)
        self.assertIn("provider_not_installed", error.text)
        self.assertEqual("memory", next(slot for slot in self.host.admin("/api/v1/providers")[1]["slots"] if slot["slot"] == "cache")["provider"])
        field = self.driver.find_element(By.CSS_SELECTOR, "form[data-slot=email] input")
        field.clear()
        field.send_keys("console", Keys.ENTER)
        self.text_appears("#status", "email now uses console")

    def test_10_uninstalling_shows_the_removal_report_and_the_addon_is_gone(self):
        self.open_until("#/addons/greeter", "#content .actions button.danger").click()
        dialog = self.visible("dialog")
        self.assertIn("its routes", dialog.text)
        dialog.find_element(By.CSS_SELECTOR, "button.danger").click()
        self.visible("#removal-report")
        self.text_appears("#residue", "Nothing is left behind.")
        self.assertEqual(404, self.host.admin("/api/v1/addons/greeter")[0])
        self.assertEqual(404, self.host.get("/api/v1/greet/hello")[0])
        self.open_until("#/addons", "#no-addons")
        self.assertEqual([], self.driver.find_elements(By.CSS_SELECTOR, "article[data-addon=greeter]"))

    def test_10c_an_uploaded_addon_adds_its_console_page_in_a_sandboxed_frame(self):
        self.open("#/marketplace")
        self.visible("input[type=file]").send_keys(self.host.chatbot)
        self.text_appears(".drop [role=status]", "is in the catalog, signed by")
        card = self.visible("article[data-package=ai_chatbot]")
        self.assertIn("“Live chats” in this console", card.find_element(By.CSS_SELECTOR, "li[data-page='admin/chats.html']").text)
        card.find_element(By.CSS_SELECTOR, ".actions button").click()
        self.visible("#install-dialog button[type=submit]").click()
        self.wait(ec.invisibility_of_element_located((By.ID, "install-dialog")))
        self.text_appears("#status", "ai_chatbot 1.1.0 installed")
        self.open_until("#/marketplace", "#nav a[data-addon=ai_chatbot]")
        # Read in one script: the navigation is redrawn whenever a read finds it changed.
        name, group = self.driver.execute_script(
            "const a = document.querySelector('#nav a[data-addon=ai_chatbot]'); return [a.textContent, a.parentElement.getAttribute('aria-label')]")
        self.assertEqual(("Live chats", "Chat"), (name, group))
        self.driver.execute_script("document.querySelector('#nav a[data-addon=ai_chatbot]').click()")
        frame = self.visible("iframe#addon-page")
        self.assertEqual("allow-scripts allow-forms", frame.get_attribute("sandbox"))
        status, _ = self.host.send("POST", "/api/v1/chat/sessions", {"title": "Ship ahoy"})
        self.assertEqual(201, status)
        self.driver.switch_to.frame(frame)
        try:
            self.assertEqual("null", self.driver.execute_script("return self.origin"))
            # The list is live: the session made after the page opened appears without a reload.
            self.text_appears("#chats tbody", "Ship ahoy")
            self.text_appears("#stats", "1 session, 0 messages")
        finally:
            self.driver.switch_to.default_content()
        self.assertEqual("page", self.driver.find_element(By.CSS_SELECTOR, "#nav a[data-addon=ai_chatbot]").get_attribute("aria-current"))

    def test_10d_uninstalling_removes_the_page_and_its_navigation_item(self):
        self.open_until("#/addons/ai_chatbot", "#content .actions button.danger").click()
        dialog = self.visible("dialog")
        self.assertIn("its pages: /apps/ai_chatbot/admin/chats.html", dialog.text)
        dialog.find_element(By.CSS_SELECTOR, "button.danger").click()
        self.visible("#removal-report")
        self.text_appears("#residue", "Nothing is left behind.")
        self.host.until(lambda: self.host.get("/apps/ai_chatbot/admin/chats.html")[0], lambda status: status == 404, "the page")
        self.assertEqual({"console": [], "apps": []}, self.host.until(lambda: self.host.admin("/api/v1/navigation")[1],
                                                                      lambda body: body["console"] == [], "navigation"))
        self.open_until("#/page/ai_chatbot/admin/chats.html", "#page-gone")
        self.assertEqual([], self.driver.find_elements(By.CSS_SELECTOR, "#nav a[data-addon=ai_chatbot]"))
        self.assertEqual([], self.driver.find_elements(By.CSS_SELECTOR, "iframe"))

    def test_10e_the_audit_log_lists_every_addons_lifecycle_and_filters_it(self):
        # Read in one script: the view redraws its table when a filter is applied.
        rows = lambda: [tuple(row) for row in self.driver.execute_script(
            "return [...document.querySelectorAll('#audit-log tbody tr')].map((r) => [r.dataset.addon, r.dataset.event])")]
        self.open_until("#/audit", "#audit-log")
        for expected in [("greeter", "installed"), ("greeter", "policies_changed"), ("greeter", "uninstalled"), ("ai_chatbot", "installed"), ("ai_chatbot", "uninstalled")]:
            self.assertIn(expected, rows())
        self.driver.find_element(By.NAME, "addon").send_keys("ai_chatbot", Keys.ENTER)
        self.wait(lambda _: {addon for addon, _ in rows()} == {"ai_chatbot"})
        self.assertEqual(("ai_chatbot", "uninstalled"), rows()[0])
        self.assertEqual(400, self.host.admin("/api/v1/audit?limit=0")[0])

    def test_10f_a_trusted_key_is_added_from_a_file_and_revoked_in_the_console(self):
        before = {key["id"] for key in self.host.admin("/api/v1/trusted-keys")[1]["keys"]}
        keys = os.path.join(self.host.home, "other-keys")
        run([os.path.join(self.host.bin, "addonctl"), "keygen", "other", "--out-dir", keys])
        field = self.open_until("#/keys", "#add-key textarea")
        field.send_keys("not a key")
        self.driver.find_element(By.CSS_SELECTOR, "#add-key button[type=submit]").click()
        self.wait(lambda _: field.get_attribute("aria-invalid") == "true")
        self.assertIn("Not added:", self.driver.find_element(By.ID, "new-key-error").text)
        self.assertEqual(before, {key["id"] for key in self.host.admin("/api/v1/trusted-keys")[1]["keys"]})
        field.clear()
        self.driver.find_element(By.ID, "new-key-file").send_keys(os.path.join(keys, "other.pub"))
        self.wait(lambda _: "BEGIN PUBLIC KEY" in field.get_attribute("value"))
        self.driver.find_element(By.CSS_SELECTOR, "#add-key button[type=submit]").click()
        self.text_appears("#status", "is trusted")
        added = self.host.until(lambda: {key["id"] for key in self.host.admin("/api/v1/trusted-keys")[1]["keys"]} - before,
                                lambda ids: len(ids) == 1, "the added key")
        key_id = added.pop()
        row = self.visible(f"#keys tr[data-key='{key_id}']")
        # Every addon was uninstalled: whichever worker answers, no key has signed an installed one.
        for key in self.host.admin("/api/v1/trusted-keys")[1]["keys"]:
            self.assertEqual([], key["installedAddons"], key["id"])
        row.find_element(By.CSS_SELECTOR, "button.danger").click()
        dialog = self.visible("dialog")
        self.assertIn("can no longer be added", dialog.text)
        dialog.find_element(By.CSS_SELECTOR, "button.danger").click()
        self.text_appears("#revoked", key_id)
        self.assertIn(key_id, self.host.admin("/api/v1/trusted-keys")[1]["revoked"])

    def test_10g_a_job_is_run_now_and_its_run_is_listed_and_dead_letters_are_shown(self):
        # The jobs fixture: `tick` records a row, `fail` throws; both due only once a year.
        self.host.install_fixture("ticker", "FixtureJobsAddon",
                                  {"0001_ticks": ("CREATE TABLE ticks (job TEXT, scheduled_ms BIGINT, run_id TEXT, pid INTEGER, version TEXT);", "DROP TABLE ticks;")},
                                  jobs=[{"name": "tick", "schedule": "0 0 1 1 *"}, {"name": "fail", "schedule": "0 0 1 1 *"}])
        self.open_until("#/addons/ticker", "article[data-job=tick] button")
        job = self.driver.find_element(By.CSS_SELECTOR, "article[data-job=tick]")
        self.assertIn("0 0 1 1 *", job.text)
        self.assertIn("No run yet.", job.text)
        self.assertRegex(job.text, r"Next run\s+\d{4}-01-01T00:00:00")
        job.find_element(By.CSS_SELECTOR, "button").click()
        self.text_appears("article[data-job=tick] .run-result", "succeeded")
        # Read in one script: the view redraws its runs while it follows them.
        row = self.host.until(lambda: self.driver.execute_script(
            "const r = document.querySelector('article[data-job=tick] table.runs tbody tr');"
            " return r ? {result: r.dataset.result, run: r.dataset.run, text: r.textContent} : null"),
            lambda facts: facts is not None and facts["result"] == "succeeded", "the tick run's row")
        self.assertIn("manual", row["text"])
        runs = self.host.admin("/api/v1/addons/ticker/jobs")[1]["jobs"][0]["lastRuns"]
        self.assertEqual([row["run"]], [str(run["id"]) for run in runs])
        self.driver.find_element(By.CSS_SELECTOR, "article[data-job=fail] button").click()
        self.text_appears("article[data-job=fail] .run-result", "failed")
        self.text_appears("article[data-job=fail] table.runs", "fails on purpose")
        self.driver.execute_script("document.querySelector('article[data-job=tick]').scrollIntoView()")
        self.driver.save_screenshot(os.path.join(SHOTS, "test_10g_jobs.png"))
        self.assertIn("No event ran out of attempts.", self.open_until("#/dead", "#dead-letters p").text)
        # The events fixture subscribes durably with 3 attempts and fails as often as the payload says.
        self.host.install_fixture("mailer_p1", "FixtureEventsAddon",
                                  {"0001_handled": ("CREATE TABLE handled (event_id TEXT, name TEXT, source TEXT, published_ms BIGINT, pid INTEGER); CREATE TABLE attempts (event_id TEXT);",
                                                    "DROP TABLE attempts; DROP TABLE handled;")},
                                  permissions=["database", "events"])
        publish = urllib.request.Request(self.host.url + "/api/v1/mailer_p1/publish?name=fixture.poison&fail=99", method="POST", data=b"")
        with urllib.request.urlopen(publish, timeout=20) as response:
            self.assertEqual((202, b"published"), (response.status, response.read()))
        row = self.open_until("#/dead", "#dead-letters tr[data-delivery]")
        self.assertIn("fixture.poison", row.text)
        self.assertIn("mailer_p1", row.text)
        self.assertIn("fails on purpose", row.text)
        self.assertEqual("page", self.driver.find_element(By.CSS_SELECTOR, "#nav a[data-route=dead]").get_attribute("aria-current"))

    def test_11_a_state_change_without_the_csrf_token_is_refused(self):
        cookie = self.driver.get_cookie("berth_console")["value"]
        request = urllib.request.Request(self.host.url + "/api/v1/addons/greeter/activate", method="POST",
                                         headers={"Cookie": "berth_console=" + cookie})
        try:
            urllib.request.urlopen(request, timeout=10)
            self.fail("accepted without a CSRF token")
        except urllib.error.HTTPError as error:
            self.assertEqual(403, error.code)
            self.assertEqual("csrf_token_invalid", json.loads(error.read())["error"]["code"])
        self.assertEqual(200, self.host.get("/api/v1/addons", {"Cookie": "berth_console=" + cookie})[0])

    def test_11b_sign_in_marks_the_cookie_secure_behind_tls_and_refuses_other_origins(self):
        def sign_in(headers):
            request = urllib.request.Request(self.host.url + "/admin/session", method="POST", data=json.dumps({"token": TOKEN}).encode(),
                                             headers=dict({"Content-Type": "application/json"}, **headers))
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.headers.get("Set-Cookie", ""), json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, "", json.loads(error.read())
        status, cookie, _ = sign_in({"X-Forwarded-Proto": "https"})
        self.assertEqual(201, status)
        self.assertIn("; Secure", cookie)
        self.assertIn("HttpOnly", cookie)
        status, cookie, _ = sign_in({})
        self.assertEqual(201, status)
        self.assertNotIn("Secure", cookie)
        status, _, body = sign_in({"Origin": "http://evil.example"})
        self.assertEqual(403, status)
        self.assertEqual("cross_origin", body["error"]["code"])

    def test_12_signing_out_ends_the_session(self):
        self.open("#/marketplace")
        self.signed_out_cookie = self.driver.get_cookie("berth_console")["value"]
        self.visible("#sign-out").click()
        self.visible("#token")
        cookie_value = self.driver.get_cookie("berth_console")
        self.assertTrue(cookie_value is None or cookie_value["value"] == "")
        self.driver.refresh()
        self.visible("#token")
        status, _, body = self.host.get("/api/v1/addons", {"Cookie": "berth_console=" + self.signed_out_cookie})
        self.assertEqual(401, status)
        self.assertEqual("session_expired", json.loads(body)["error"]["code"])


from selenium.webdriver.support.ui import Select  # noqa: E402  (kept beside its one use)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=None, help="the folder with berth, addonctl and libGreeter.so")
    parser.add_argument("--keep-home", action="store_true")
    arguments, rest = parser.parse_known_args()
    bin_dir = arguments.bin or subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
    shutil.rmtree(SHOTS, ignore_errors=True)
    host = Host(bin_dir)
    ConsoleTests.host = host
    try:
        program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    finally:
        host.stop(arguments.keep_home or not program_succeeded(locals()))
    sys.exit(0 if program.result.wasSuccessful() else 1)


def program_succeeded(scope):
    program = scope.get("program")
    return bool(program and program.result.wasSuccessful())


if __name__ == "__main__":
    main()
