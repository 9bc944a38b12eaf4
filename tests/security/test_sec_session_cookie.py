"""The signed session cookie read in one pass (survey.core.signing, survey.core.sessions)
keeps every guarantee of Flask's own: signed with the secret key, timestamped and
expiring, tampering refused, old keys (SECRET_KEY_FALLBACKS) still read, and the cookies
Flask writes read to the same session."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from hashlib import sha1
from unittest import mock

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

from survey.core.sessions import SessionInterface
from survey.core.signing import SigningSerializer

SALT = "cookie-session"
STATE = {
    "citizen": {"round_id": 7, "channel": "open", "secret": "ab" * 32, "done": False},
    "device": "cd" * 32,
    "csrf_token": "ef" * 20,
    "lang": "ar",
    "answered": [3, 7],
}
TAGGED = {
    "tuple": (1, "two"),
    "bytes": b"\x00\x01",
    "when": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    "markup": Markup("<b>x</b>"),
    "nested": {" t": "a key like a tag", "inner": [{"k": (3,)}]},
}


def flask_cookie(app, data: dict) -> str:
    """A cookie as Flask's own session interface writes it."""
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)


def open_with(app, cookie: str) -> dict:
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}) as context:
        return dict(SessionInterface().open_session(app, context.request))


@pytest.mark.parametrize("data", [STATE, TAGGED, {}], ids=["citizen", "tagged", "empty"])
def test_cookies_flask_writes_open_to_the_same_session(app, data):
    assert open_with(app, flask_cookie(app, data)) == data


def test_cookies_we_write_are_flasks(app):
    ours = SessionInterface().get_signing_serializer(app)
    theirs = SecureCookieSessionInterface().get_signing_serializer(app)
    assert theirs.loads(ours.dumps(TAGGED)) == TAGGED


@pytest.mark.parametrize("position", [0, 10, 40, 60, -30, -2])
def test_a_tampered_cookie_opens_an_empty_session(app, position):
    cookie = list(flask_cookie(app, STATE))
    cookie[position] = "A" if cookie[position] != "A" else "B"
    assert open_with(app, "".join(cookie)) == {}


@pytest.mark.parametrize("cookie", ["", ".", "x.y", "x.y.z", "..", "a.b.c.d", "é.é.é"])
def test_a_malformed_cookie_opens_an_empty_session(app, cookie):
    assert open_with(app, cookie) == {}


def test_a_cookie_signed_with_another_key_opens_an_empty_session(app):
    other = URLSafeTimedSerializer(
        "not-the-key", salt=SALT, signer_kwargs={"key_derivation": "hmac", "digest_method": sha1}
    )
    assert open_with(app, other.dumps({"lang": "en"})) == {}


def test_an_expired_cookie_opens_an_empty_session(app):
    cookie = flask_cookie(app, STATE)
    lifetime = app.permanent_session_lifetime.total_seconds()
    with mock.patch("time.time", return_value=time.time() + lifetime + 10):
        assert open_with(app, cookie) == {}
    with mock.patch("time.time", return_value=time.time() + lifetime - 10):
        assert open_with(app, cookie) == STATE


def test_a_cookie_from_the_future_opens_an_empty_session(app):
    with mock.patch("time.time", return_value=time.time() + 3600):
        cookie = flask_cookie(app, STATE)
    assert open_with(app, cookie) == {}


def test_errors_are_itsdangerous_own():
    serializer = SigningSerializer("key", salt=SALT)
    token = serializer.dumps({"a": 1})
    with pytest.raises(BadSignature):
        serializer.loads(token[:-2] + "xx")
    with mock.patch("time.time", return_value=time.time() + 100), pytest.raises(SignatureExpired):
        serializer.loads(token, max_age=10)
    assert serializer.loads(token, max_age=10) == {"a": 1}
    assert serializer.loads(token, return_timestamp=True)[0] == {"a": 1}


def test_a_cookie_signed_with_an_old_key_still_opens(app):
    cookie = flask_cookie(app, STATE)
    old_key, app.secret_key = app.secret_key, "a-new-key"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    try:
        assert open_with(app, cookie) == STATE
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert open_with(app, cookie) == {}
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


# A verified cookie is remembered per process (SigningSerializer's opened_kept): the app's
# own session interface, whose serializer keeps them, opens each cookie below twice or more.


def open_in_app(app, cookie: str) -> dict:
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}) as context:
        return app.session_interface.open_session(app, context.request)


def test_a_remembered_cookie_still_expires(app):
    cookie = flask_cookie(app, STATE)
    assert open_in_app(app, cookie) == STATE  # now remembered
    lifetime = app.permanent_session_lifetime.total_seconds()
    with mock.patch("time.time", return_value=time.time() + lifetime + 10):
        assert open_in_app(app, cookie) == {}
    assert open_in_app(app, cookie) == STATE


def test_a_remembered_cookie_is_refused_once_its_key_is_gone(app):
    cookie = flask_cookie(app, STATE)
    assert open_in_app(app, cookie) == STATE
    old_key, app.secret_key = app.secret_key, "a-new-key"
    try:
        assert open_in_app(app, cookie) == {}
    finally:
        app.secret_key = old_key


def test_what_one_request_changes_in_its_session_never_reaches_the_next(app):
    """A request changes its session in place (a list appended to, a nested value set):
    the next request with the same cookie must open what the cookie says."""
    cookie = flask_cookie(app, {**STATE, **TAGGED})
    first = open_in_app(app, cookie)
    first["answered"].append(99)
    first["citizen"]["done"] = True
    first["nested"]["inner"][0]["k"] = "changed"
    first["lang"] = "da"
    assert open_in_app(app, cookie) == {**STATE, **TAGGED}


def test_an_altered_cookie_is_never_taken_for_a_remembered_one(app):
    cookie = flask_cookie(app, STATE)
    assert open_in_app(app, cookie) == STATE
    payload, stamp, signature = cookie.rsplit(".", 2)
    # The signature's first character is altered, not its last: the last carries 4 of the
    # HMAC's bits and 2 that base64 decoding drops, so changing it only in those (A to B,
    # one cookie in 16) leaves the same signature, rightly accepted.
    for altered in (
        f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        f"{payload}x.{stamp}.{signature}",
        cookie + ".",
    ):
        assert open_in_app(app, altered) == {}


def test_no_more_cookies_are_remembered_than_set(app):
    from survey.core.sessions import OPENED_KEPT

    serializer = app.session_interface.get_signing_serializer(app)
    for number in range(OPENED_KEPT + 50):
        assert serializer.loads(serializer.dumps({"n": number})) == {"n": number}
    assert len(serializer._opened) == OPENED_KEPT


def cookie_headers(app) -> list[str]:
    """Cookie headers that the quick reading of a lone cookie must read as werkzeug does:
    alone, beside others, twice (a forged one first or last), quoted, spaced, misnamed."""
    name = app.config["SESSION_COOKIE_NAME"]
    good = flask_cookie(app, STATE)
    forged = flask_cookie(app, {**STATE, "lang": "en"})[:-3] + "abc"
    return [
        f"{name}={good}",
        f"{name}={forged}",
        f"{name}={forged}; {name}={good}",
        f"{name}={good}; {name}={forged}",
        f"other=1; {name}={good}",
        f'{name}="{good}"',
        f" {name}={good}",
        f"{name}= {good}",
        f"{name}x={good}",
        f"x{name}={good}",
        f"{name}={good},other=1",
        f"{name}=",
        "",
    ]


def test_the_cookie_header_is_read_as_werkzeug_reads_it(app):
    """A header holding our cookie alone is read without werkzeug's parsing; whatever the
    header, the session opened is the one Flask's own interface opens."""
    for header in cookie_headers(app):
        with app.test_request_context("/", headers={"Cookie": header}) as context:
            ours = SessionInterface().open_session(app, context.request)
            flasks = SecureCookieSessionInterface().open_session(app, context.request)
        assert dict(ours) == dict(flasks), header
