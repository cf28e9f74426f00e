#!/usr/bin/env python3
"""Browser test of a bundle: open index.html in headless Chromium, follow every link.

Run by `make test-browser`. Drives Debian's `chromium` through `chromedriver`
(package `chromium-driver`) over the W3C WebDriver protocol, with only the Python
standard library. Starting at index.html it visits every HTML page reachable by
links (as the browser resolves them); every other linked file must exist in the
bundle. It fails on a page that does not load, a link that leaves the bundle or
points at a missing file or anchor, and on any console error (a missing image
or stylesheet is one).

Usage: scripts/test-browser.py BUNDLE_DIR [--screenshots DIR]
"""
import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Screenshots taken with --screenshots: (page, file name).
SHOTS = [("index.html", "index.png"), ("roles/ceo.html", "role.png"),
         ("raci-matrix.html", "raci-matrix.png")]

LINKS_JS = """
return Array.from(document.querySelectorAll('[href], [src]'))
  .map(e => e.href || e.src)
  .filter(u => typeof u === 'string');
"""

PAGE_JS = """
return {ready: document.readyState, title: document.title,
        main: document.querySelector('main') !== null, url: location.href};
"""


class WebDriverError(Exception):
    pass


class Driver:
    """A minimal WebDriver client for one chromedriver session."""

    def __init__(self, chromium, chromedriver):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="rolecall-chromium-")
        self.proc = subprocess.Popen(
            [chromedriver, f"--port={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.call("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        args = ["--headless=new", "--disable-gpu", "--window-size=1280,1600",
                "--hide-scrollbars", f"--user-data-dir={self.profile}",
                "--no-first-run", "--disable-extensions",
                # The bundle is offline; keep Chromium from reaching for Google's
                # services, which a closed network refuses.
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic"]
        if os.geteuid() == 0:
            # Chromium refuses to run its sandbox as root (CI containers).
            args.append("--no-sandbox")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = json.load(resp)
        except urllib.error.HTTPError as e:
            payload = json.load(e)
            value = payload.get("value", {})
            raise WebDriverError(f"{value.get('error')}: {value.get('message', '')}".strip())
        return payload.get("value")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, url):
        self.s("POST", "/url", {"url": url})

    def script(self, js):
        return self.s("POST", "/execute/sync", {"script": js, "args": []})

    def console(self):
        """Console entries since the last call: (level, message)."""
        entries = self.s("POST", "/se/log", {"type": "browser"}) or []
        return [(e.get("level"), e.get("message")) for e in entries]

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except (OSError, WebDriverError, AttributeError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def bundle_path(root, url):
    """The bundle-relative path of a file:// URL, or None if it leaves the bundle."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "file":
        return None
    path = os.path.normpath(urllib.parse.unquote(parsed.path))
    if os.path.commonpath([root, path]) != root:
        return None
    return os.path.relpath(path, root).replace(os.sep, "/")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", help="the bundle directory (holding index.html)")
    ap.add_argument("--screenshots", metavar="DIR", help="save screenshots of a few pages here")
    args = ap.parse_args()
    root = os.path.realpath(args.bundle)
    index = os.path.join(root, "index.html")
    if not os.path.isfile(index):
        sys.exit(f"error: no index.html in `{root}`\nhint: build a bundle first (make test-browser does)")
    tools = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    missing = [n for n, p in tools.items() if p is None]
    if missing:
        sys.exit(f"error: {' and '.join(missing)} not found on PATH\n"
                 "hint: install Debian's packages: apt-get install chromium chromium-driver")

    failures = []
    driver = Driver(tools["chromium"], tools["chromedriver"])
    try:
        queue = ["index.html"]
        seen = {"index.html"}
        files_checked = set()
        anchors = []  # (from page, target page, id)
        while queue:
            page = queue.pop(0)
            url = "file://" + urllib.parse.quote(os.path.join(root, page))
            try:
                driver.open(url)
                state = driver.script(PAGE_JS)
            except WebDriverError as e:
                failures.append(f"{page}: does not open ({e})")
                continue
            if state["ready"] != "complete" or not state["main"] or not state["title"]:
                failures.append(f"{page}: not a bundle page (state {state})")
            for level, message in driver.console():
                if level == "SEVERE":
                    failures.append(f"{page}: console error: {message}")
            for link in driver.script(LINKS_JS):
                target = bundle_path(root, link.split("#", 1)[0])
                if target is None:
                    failures.append(f"{page}: link `{link}` leaves the bundle")
                    continue
                if not os.path.isfile(os.path.join(root, target)):
                    failures.append(f"{page}: link `{link}` points at a missing file `{target}`")
                    continue
                if "#" in link:
                    anchors.append((page, target, urllib.parse.unquote(link.split("#", 1)[1])))
                if target.endswith(".html"):
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
                else:
                    files_checked.add(target)
        for page, target, anchor in anchors:
            driver.open("file://" + urllib.parse.quote(os.path.join(root, target)))
            found = driver.script(
                f"return document.getElementById({json.dumps(anchor)}) !== null;")
            if not found:
                failures.append(f"{page}: no element with id `{anchor}` in {target}")
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
            for page, name in SHOTS:
                if page in seen:
                    driver.open("file://" + urllib.parse.quote(os.path.join(root, page)))
                    driver.screenshot(os.path.join(args.screenshots, name))
    finally:
        driver.quit()

    # Every HTML page of the bundle must be reachable from the index.
    on_disk = set()
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(".html"):
                on_disk.add(os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/"))
    for page in sorted(on_disk - seen):
        failures.append(f"{page}: not reachable from index.html")

    if failures:
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        sys.exit(f"error: {len(failures)} browser check(s) failed in `{root}`")
    print(f"browser: {len(seen)} pages opened without console errors, "
          f"{len(files_checked)} linked files present"
          + (f"; screenshots in {args.screenshots}" if args.screenshots else ""))


if __name__ == "__main__":
    main()
