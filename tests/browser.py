"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for page tests.

The browser runs with a fresh profile and no network use of its own; pages are opened from
file:// URLs. Only loopback is touched: the DevTools endpoint Chromium opens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")
START_TIMEOUT_S = 60.0  # Chromium's first start on a loaded 2-core machine is slow
FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1200,900",
)


def chromium_path() -> str:
    """The Chromium binary, or the test fails in CI (skips elsewhere) naming the package."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI; scripts/setup.sh --test installs it")
    pytest.skip("chromium is not installed (Debian package chromium)")


def require_websockets():
    try:
        from websockets.sync.client import connect
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the websockets package is missing in CI; pip install -e .[test]")
        pytest.skip("the websockets package is not installed")
    return connect


class Browser:
    """One Chromium process and one page, driven by DevTools protocol commands."""

    def __init__(self, profile: Path):
        connect = require_websockets()
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "DevToolsActivePort").unlink(missing_ok=True)  # left by an earlier run
        self.proc = subprocess.Popen(
            [chromium_path(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so close() ends its helpers too
        )
        self.ws = None
        self._ids = itertools.count(1)
        self.events: list[dict] = []
        try:
            port = self._wait_for_port(profile / "DevToolsActivePort")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            # websockets 17 warns unless a connection used outside `with` says it means to be
            legacy = {"legacy": True} if "legacy" in inspect.signature(connect).parameters else {}
            self.ws = connect(
                pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30, **legacy
            )
        except BaseException:
            self.close()
            raise

    def _wait_for_port(self, file: Path) -> int:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self.proc.returncode}")
            try:
                first = file.read_text().splitlines()[0]
                return int(first)
            except (OSError, IndexError, ValueError):
                time.sleep(0.1)
        raise RuntimeError("chromium did not open its DevTools port")

    def send(self, method: str, **params) -> dict:
        """Run one protocol command and return its result (events seen meanwhile are kept)."""
        n = next(self._ids)
        self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == n:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def open(self, path: Path) -> None:
        """Load a file and wait for its load event."""
        self.send("Page.enable")
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for_event("Page.loadEventFired")

    def wait_for_event(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)
        raise TimeoutError(method)

    def js(self, expression: str):
        """Evaluate JavaScript in the page and return its value (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 30):
        """Poll a JavaScript expression until it is truthy; its value (a wait, not a timing)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"never true: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click on the first element matching ``selector``: in the middle of its
        first box (text that wraps has one box per line, and between them is not the element)."""
        box = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getClientRects()[0];"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def close(self) -> None:
        try:
            if self.ws is not None:
                self.ws.close()
        finally:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout=20)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, number)  # the group this Browser started, and only it
