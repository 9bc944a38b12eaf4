"""Security headers and the /was redirect, on the app as production runs it.

Exact values, written out here: HSTS only where cookies are Secure (production over
https), Permissions-Policy and the rest on every response, and /was leads only to an
https:// statement. A statement address stored some other way than through the admin
form (which refuses anything but https://), e.g. http:// or javascript:, is never
redirected to nor linked.
"""

from __future__ import annotations

import pytest

from survey.core.extensions import db
from survey.models import Municipality

HTTPS = "https://localhost"
HSTS = "max-age=31536000"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
# A page, JSON, a redirect, a miss, a static file: every kind of response the app sends.
PATHS = ("/login", "/health", "/was", "/s/unknown-token-000000000000000", "/static/app.css")
NOT_HTTPS = (
    "http://was.digst.dk/odense-dk",
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "//was.digst.dk/odense-dk",
    "HTTP://was.digst.dk/odense-dk",
    "data:text/html,<script>alert(1)</script>",
    " https://was.digst.dk/odense-dk",
)


@pytest.fixture
def statement_of_odense(app):
    """Store an accessibility statement address for Odense directly, as old data or a
    database edit would (the admin form refuses anything but https://)."""

    def store(url: str | None) -> None:
        with app.app_context():
            db.session.get(Municipality, 461).accessibility_url = url
            db.session.commit()

    yield store
    store(None)


def test_production_responses_carry_every_header_with_its_exact_value(production_app):
    client = production_app.test_client()
    for path in PATHS:
        with client.get(path, base_url=HTTPS) as response:
            assert response.status_code in (200, 302, 404), path
            for name, value in {**ALWAYS, "Strict-Transport-Security": HSTS}.items():
                assert response.headers.get_all(name) == [value], (path, name)
    page = production_app.test_client().get("/login", base_url=HTTPS)
    assert page.headers["Cache-Control"] == "no-store"
    cookie = page.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_hsts_where_cookies_are_not_secure(client, make_production_app):
    """The test app, and production told INSECURE_COOKIES=1 (plain http on a loopback, as
    bench/load.py runs it): every other header, but no Strict-Transport-Security."""
    insecure = make_production_app(INSECURE_COOKIES="1")
    assert insecure.config["SESSION_COOKIE_SECURE"] is False
    for browser in (client, insecure.test_client()):
        for path in PATHS:
            with browser.get(path) as response:
                assert "Strict-Transport-Security" not in response.headers, path
                for name, value in ALWAYS.items():
                    assert response.headers.get_all(name) == [value], (path, name)


def test_was_redirects_to_an_https_statement(
    production_app, make_round, invite, statement_of_odense
):
    (token,) = invite(make_round())
    statement_of_odense("https://was.digst.dk/odense-dk")
    client = production_app.test_client()
    assert client.get("/was", base_url=HTTPS).headers["Location"] == "/tilgaengelighed"
    client.get(f"/s/{token}", base_url=HTTPS)
    response = client.get("/was", base_url=HTTPS)
    assert (response.status_code, response.headers["Location"]) == (
        302,
        "https://was.digst.dk/odense-dk",
    )
    page = client.get("/tilgaengelighed", base_url=HTTPS).get_data(as_text=True)
    assert '<a href="https://was.digst.dk/odense-dk">' in page


@pytest.mark.parametrize("stored", NOT_HTTPS)
def test_a_stored_statement_that_is_not_https_is_never_redirected_to_nor_linked(
    production_app, make_round, invite, statement_of_odense, stored
):
    (token,) = invite(make_round())
    statement_of_odense(stored)
    client = production_app.test_client()
    client.get(f"/s/{token}", base_url=HTTPS)
    assert client.get("/svar", base_url=HTTPS).status_code == 200  # the citizen's round is known
    response = client.get("/was", base_url=HTTPS)
    assert (response.status_code, response.headers["Location"]) == (302, "/tilgaengelighed")
    page = client.get("/tilgaengelighed", base_url=HTTPS).get_data(as_text=True)
    for shown in (stored, stored.strip(), stored.replace("&", "&amp;").replace("<", "&lt;")):
        assert f'href="{shown}"' not in page
    assert "The municipality's accessibility statement" not in page
    assert "Kommunens tilgængelighedserklæring" not in page


@pytest.mark.parametrize("configured", ["http://was.digst.dk/borgerblik", "javascript:alert(1)"])
def test_an_installation_statement_that_is_not_https_is_never_redirected_to(
    production_app, configured
):
    production_app.config["ACCESSIBILITY_STATEMENT_URL"] = configured
    client = production_app.test_client()
    response = client.get("/was", base_url=HTTPS)
    assert (response.status_code, response.headers["Location"]) == (302, "/tilgaengelighed")
    page = client.get("/tilgaengelighed", base_url=HTTPS).get_data(as_text=True)
    assert f'href="{configured}"' not in page
