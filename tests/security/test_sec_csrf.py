"""CSRF, from the side of callers who may use each form.

tests/test_csrf.py already posts to every POST rule of the URL map (as an admin who is
also a citizen) without a token, with a forged one and with another session's, and gets
400 everywhere. This module adds what that leaves open: the refusals come from the token
alone (the caller may use the form, the form is valid, and with the token it is
accepted), the citizen's answers and sheet are untouched, and the operator's and the
anonymous login form are refused the same way.
"""

from __future__ import annotations

import pytest
from sec_helpers import data_state
from staff import PASSWORD, Staff, fingerprint

from survey.core.extensions import db
from survey.models import BackgroundValue

CSRF_TITLE_DA = "Formularen var udløbet eller kom ikke fra denne side"
MEETING = {
    "kl.meeting.welcoming": "5",
    "kl.meeting.respect": "5",
    "kl.meeting.health": "5",
    "kl.meeting.contact": "5",
}


@pytest.fixture
def scene(app, people, sign_in, make_round, invite, citizen):
    (token,) = invite(make_round(461, local=False))
    citizen.open(f"/s/{token}")
    citizen.start()
    citizen.get()
    with app.app_context():
        db.session.add(BackgroundValue(variable="gender", code="k", label={"da": "Kvinde"}))
        db.session.commit()
    return {
        "anonymous": Staff(app),
        "admin": sign_in(people.odense_admin),
        "operator": sign_in(people.operator),
    }


# (caller, url, a form the caller may send and that would be accepted with the token)
POSTS = [
    ("citizen", "/svar/start", {}),
    ("citizen", "/svar/side/meeting", {"page": "meeting", "action": "next", **MEETING}),
    ("anonymous", "/login", {"email": "analytiker@odense.dk", "password": PASSWORD}),
    ("admin", "/admin/rounds/new", {"title": "Forår", "questionnaire": "kl-beskaeftigelse:1"}),
    (
        "admin",
        "/results/targets",
        {"indicator": "kl.meeting.respect", "year": "2026", "ambition": "70"},
    ),
    (
        "operator",
        "/admin/background-values",
        {"variable": "gender", "code": "m", "label_da": "Mand"},
    ),
    ("admin", "/logout", {}),
]


def test_refusals_are_the_tokens_doing_and_keep_the_citizens_answers(app, scene, citizen):
    foreign = Staff(app).token()
    before = (fingerprint(app), data_state(app))
    for caller, url, form in POSTS:
        client = citizen.client if caller == "citizen" else scene[caller].client
        for token in (None, "forged", foreign):
            data = {**form, **({"csrf_token": token} if token else {})}
            response = client.post(url, data=data)
            assert response.status_code == 400, (caller, url, token)
            assert CSRF_TITLE_DA in response.get_data(as_text=True)
    assert (fingerprint(app), data_state(app)) == before
    assert scene["anonymous"].get("/admin/rounds").status_code == 302  # not logged in
    # With the token, every one of these posts is accepted.
    for caller, url, form in POSTS:
        if caller == "citizen":
            response = citizen.client.post(url, data={**form, "csrf_token": citizen.csrf})
        else:
            response = scene[caller].post(url, form)
        assert response.status_code == 302, (caller, url, response.get_data(as_text=True)[:500])
    assert data_state(app) != before[1]
    assert scene["anonymous"].get("/admin/rounds").status_code == 200  # logged in now


def test_a_signed_token_reused_for_a_minute_is_this_sessions_and_this_keys_alone(app):
    """A session's signed token is reused for a minute (survey.core.csrf_tokens): another
    session never gets it, a new secret key signs anew at once, and after the minute the
    token is signed again, so it never carries a timestamp more than a minute old."""
    from unittest import mock

    from flask import g, session

    from survey.core import csrf_tokens

    def token_of(raw: str) -> str:
        with app.test_request_context("/"):
            session[csrf_tokens.FIELD] = raw
            token = csrf_tokens.csrf_token()
            g.pop(csrf_tokens.FIELD)
            return token

    first, second = "a1" * 20, "b2" * 20
    assert token_of(first) == token_of(first)
    assert token_of(second) != token_of(first)
    with app.app_context():
        serializer = csrf_tokens._serializer()
        assert serializer.loads(token_of(second)) == second  # each its own raw token
        assert serializer.loads(token_of(first)) == first

    kept = token_of(first)
    old_key, app.secret_key = app.secret_key, "another-secret-key"
    try:
        fresh = token_of(first)
        assert fresh != kept
        with app.app_context():
            assert csrf_tokens._serializer().loads(fresh) == first
    finally:
        app.secret_key = old_key

    later = csrf_tokens.time.monotonic() + csrf_tokens.REUSED_FOR + 1
    with mock.patch("time.time", return_value=csrf_tokens.time.time() + 61):
        with mock.patch.object(csrf_tokens.time, "monotonic", return_value=later):
            resigned = token_of(first)
        assert resigned != kept
        with app.app_context():
            _value, signed_at = csrf_tokens._serializer().loads(resigned, return_timestamp=True)
        assert abs(signed_at.timestamp() - csrf_tokens.time.time()) < 5
