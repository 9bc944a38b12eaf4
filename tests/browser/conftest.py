"""Browser fixtures: the session app over real HTTP, headless Chromium, a citizen's phone.

Chromium is Debian's /usr/bin/chromium driven by Playwright for Python. Without it (or
without Playwright) the browser tests are skipped on a developer's machine and fail in CI,
where nothing may be skipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# A cheap phone: 375 x 667 CSS pixels at twice the density, touch, Danish.
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "da-DK",
}


def missing(reason: str):
    """No browser: a failure in CI, a skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


class QuietHandler(WSGIRequestHandler):
    """No access log: invitation tokens in /s/<token> stay out of the test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session's app on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Error as error:
            missing(f"Chromium at {CHROMIUM} would not start: {error.message.splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture
def new_phone(browser, live_server) -> Iterator[Callable[..., object]]:
    """Open a fresh browser context (no cookies, no history) shaped like a phone.

    Keyword arguments override the phone, e.g. viewport={"width": 320, "height": 568}
    or java_script_enabled=False. Every context is closed after the test.
    """
    contexts = []

    def factory(**overrides):
        context = browser.new_context(**{**PHONE, "base_url": live_server, **overrides})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone):
    """A new context at 375 x 667: device scale 2, mobile, touch, locale da-DK."""
    return new_phone()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script: npm's copy (package.json), else the one axe-playwright-python ships."""
    npm = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if npm.exists():
        return npm.read_text(encoding="utf-8")
    try:
        import axe_playwright_python
    except ImportError:
        missing("axe-core is not installed (npm install, or pip install -e '.[test]')")
    bundled = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    return bundled.read_text(encoding="utf-8")
