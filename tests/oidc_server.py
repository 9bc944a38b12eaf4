"""A real OpenID Connect provider for the tests: panva's `oidc-provider` (npm, a dev
dependency in package.json) run by node on 127.0.0.1 and a free port.

`OidcProvider.login(url, email)` plays the staff member's browser at the provider: it
follows the authorization request, fills in the provider's login and consent forms, and
returns the path and query of the redirect back to Borgerblik (not followed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from delivery_servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "borgerblik-test"
CLIENT_SECRET = "borgerblik-test-secret-0123456789"
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "oidc-provider").is_dir()


class OidcProvider:
    def __init__(self, redirect_uri: str):
        self.redirect_uri = redirect_uri
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OidcProvider:
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), str(self.port), CLIENT_ID, CLIENT_SECRET, self.redirect_uri],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the provider's warning about its in-memory store
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "ready" not in line:
            self.stop()
            raise RuntimeError(f"oidc-provider did not start: {line}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            if self.process.stdout:
                self.process.stdout.close()

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def login(self, authorization_url: str, email: str) -> str:
        """Sign in at the provider as `email`; the path and query Borgerblik gets back."""
        browser = requests.Session()
        url = authorization_url
        for _step in range(12):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                if url.startswith(self.redirect_uri):
                    parts = urlsplit(url)
                    return f"{parts.path}?{parts.query}"
                continue
            action = urljoin(url, FORM_ACTION.search(response.text).group(1))
            if 'name="login"' in response.text:
                form = {"prompt": "login", "login": email, "password": "any"}
            else:
                form = {"prompt": "consent"}
            posted = browser.post(action, data=form, allow_redirects=False, timeout=10)
            url = urljoin(action, posted.headers["Location"])
            if url.startswith(self.redirect_uri):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
        raise RuntimeError("the provider did not send the browser back")


def wait_for(url: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
