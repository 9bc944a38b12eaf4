"""Single sign-on against a real OpenID Connect provider (panva's oidc-provider, started
here): only existing staff get in, matched by e-mail, and forged or crossed answers from
the provider (state, nonce) log nobody in."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oidc_server import CLIENT_ID, CLIENT_SECRET, OidcProvider, available
from sqlalchemy import func, select
from staff import Staff, text_of

from survey.core.extensions import db
from survey.models import AuditEvent, User

CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture(scope="module")
def provider():
    if not available():
        if os.environ.get("CI") == "true":
            pytest.fail("node and the oidc-provider package are needed (make assets)")
        pytest.skip("node or the oidc-provider package is missing (make assets)")
    with OidcProvider(CALLBACK) as server:
        yield server


@pytest.fixture
def sso(app, provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", provider.issuer)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setitem(app.config, "OIDC_NAME", "Testkommunens login")
    return provider


def start(browser: Staff) -> str:
    response = browser.client.get("/login/sso")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def come_back(app, provider, email: str, browser: Staff | None = None):
    browser = browser or Staff(app)
    back = provider.login(start(browser), email)
    return browser, browser.client.get(back)


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_existing_staff_log_in_and_keep_their_role(app, people, sso):
    login_page = Staff(app).client.get("/login").get_data(as_text=True)
    assert "Log ind med Testkommunens login" in login_page
    browser, response = come_back(app, sso, people.odense_analyst)
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    home = browser.get("/admin/").get_data(as_text=True)
    assert "Seneste resultater" in home  # the analyst's start page: role kept from Borgerblik
    assert "login.sso" in actions(app)


def test_an_address_without_an_account_is_refused_and_nothing_is_created(app, people, sso):
    before = users(app)
    browser, response = come_back(app, sso, "ny.medarbejder@odense.dk")
    assert response.status_code == 403
    assert "ingen Borgerblik-konto" in text_of(response.get_data(as_text=True))
    assert users(app) == before
    assert browser.get("/admin/").status_code == 302  # not logged in
    assert actions(app)[-1] == "login.sso_refused"


def test_an_unverified_address_or_a_disabled_account_is_refused(app, people, sso):
    _browser, response = come_back(app, sso, people.odense_admin + "+unverified")
    assert response.status_code == 403
    with app.app_context():
        db.session.get(
            User, db.session.scalar(select(User.id).where(User.email == people.rodovre_admin))
        ).active = False
        db.session.commit()
    _browser, response = come_back(app, sso, people.rodovre_admin)
    assert response.status_code == 403


def test_a_changed_state_or_another_browsers_answer_is_refused(app, people, sso):
    browser = Staff(app)
    back = sso.login(start(browser), people.odense_admin)
    parts = urlsplit(back)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    forged = browser.client.get(
        f"{parts.path}?{urlencode({**query, 'state': 'x' + query['state']})}"
    )
    assert forged.status_code == 403 and browser.get("/admin/").status_code == 302
    # The provider's answer taken to a browser that did not start the login (login CSRF).
    other = Staff(app)
    assert other.client.get(back).status_code == 403
    assert other.get("/admin/").status_code == 302


def test_an_id_token_for_another_nonce_is_refused(app, people, sso):
    browser = Staff(app)
    authorization = start(browser)
    state = parse_qs(urlsplit(authorization).query)["state"][0]
    # What this browser expects in the ID token's nonce is changed: the provider's token,
    # made for the original nonce, must then not log anyone in.
    with browser.client.session_transaction() as session:
        key = next(k for k in session if k.endswith(state))
        stored = dict(session[key])
        stored["data"] = {**stored["data"], "nonce": "another-nonce"}
        session[key] = stored
    back = sso.login(authorization, people.odense_admin)
    assert browser.client.get(back).status_code == 403
    assert browser.get("/admin/").status_code == 302
