"""This request's CSRF token, signed by a serializer built once per secret key.

Flask-WTF's `generate_csrf` builds a new itsdangerous serializer on every request that shows
a form (and the serializer's constructor serialises a test value to learn its kind); a
citizen's question page shows one on every request. This makes the same token the same way
(the same secret, salt, raw token in the session and signed token in `g`), so Flask-WTF's
`CSRFProtect` validates it unchanged and `generate_csrf` finds it already made.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import same_origin
from itsdangerous import BadData
from itsdangerous.encoding import base64_encode

from survey.core.bounded_cache import BoundedCache
from survey.core.signing import SigningSerializer

FIELD = "csrf_token"  # Flask-WTF's default WTF_CSRF_FIELD_NAME, which this app keeps
SALT = "wtf-csrf-token"  # Flask-WTF's salt: its validate_csrf must accept our tokens

_serializers: dict[object, SigningSerializer] = {}


def _serializer() -> SigningSerializer:
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret:
        raise RuntimeError("A secret key is required to use CSRF.")  # as Flask-WTF says
    serializer = _serializers.get(secret)
    if serializer is None:
        serializer = SigningSerializer(secret, salt=SALT)
        _serializers.clear()  # only the current key is kept
        _serializers[secret] = serializer
    return serializer


def csrf_token() -> str:
    """The signed CSRF token of this request (made once per request, as Flask-WTF does)."""
    token = g.get(FIELD)
    if token is None:
        raw = session.get(FIELD)
        if not isinstance(raw, str):
            # 40 hexadecimal digits, as Flask-WTF's own raw tokens
            raw = session[FIELD] = secrets.token_hex(20)
        token = _sign(raw)
        setattr(g, FIELD, token)
    return token


# A raw token's signed form is reused for a minute: each of a citizen's pages shows one,
# and signing it anew (its timestamp, its HMAC, base64) was 3 % of a question page. The
# timestamp it carries is then up to a minute old, so with a time limit set
# (WTF_CSRF_TIME_LIMIT; off here, the session bounds a token) a token expires at most a
# minute early, never late. Keyed by the serializer too, one per secret key: a new key
# signs anew at once.
REUSED_FOR = 60.0
_signed: BoundedCache[tuple[SigningSerializer, str], tuple[float, str]] = BoundedCache(1024)


def _sign(raw: str) -> str:
    serializer = _serializer()
    now = time.monotonic()
    known = _signed.recall((serializer, raw))
    if known is not None and now - known[0] < REUSED_FOR:
        return known[1]
    token = _sign_anew(serializer, raw)
    _signed.keep((serializer, raw), (now, token))
    return token


def _sign_anew(serializer: SigningSerializer, raw: str) -> str:
    """What `_serializer().dumps(raw)` makes, without its try at compressing the payload.

    A raw token of hexadecimal digits is its own JSON between quotes, and 40 random digits
    never shrink under zlib (whose try cost a third of signing a token; itsdangerous then
    keeps the payload uncompressed, as here). Any other raw token goes the usual way."""
    if not (len(raw) <= 64 and raw.isascii() and raw.isalnum()):
        return serializer.dumps(raw)
    payload = base64_encode(f'"{raw}"'.encode("ascii"))
    return serializer.make_signer().sign(payload).decode("ascii")


def protect_only_unsafe_methods(app: Flask) -> None:
    """Let Flask-WTF's request hook return at once for a method it never checks (a GET),
    and accept a valid form post without it (_valid_post).

    Its hook looks up the view's and blueprint's exemptions on every request and only then
    asks the method (3 % of a citizen's question page). Asking the method first changes
    nothing else: for such a method the hook did nothing. The methods are still Flask-WTF's
    setting (WTF_CSRF_METHODS), read per request as it does. Call right after init_app."""
    hooks = app.before_request_funcs.setdefault(None, [])
    found = [
        index
        for index, hook in enumerate(hooks)
        if getattr(hook, "__module__", "") == "flask_wtf.csrf"
        and getattr(hook, "__name__", "") == "csrf_protect"
    ]
    if len(found) != 1:  # a Flask-WTF that registers its check otherwise: look again
        raise RuntimeError("Flask-WTF's csrf_protect hook was not found exactly once")
    protect = hooks[found[0]]

    def csrf_protect_unsafe_methods() -> None:
        if request.method in current_app.config["WTF_CSRF_METHODS"] and not _valid_post():
            protect()

    hooks[found[0]] = csrf_protect_unsafe_methods


def _valid_post() -> bool:
    """Whether the request passes every check Flask-WTF's protect makes, checked with the
    serializer built once (Flask-WTF's validate_csrf builds one per request, and its
    signer derives the key again: with its config and proxy look-ups, a twentieth of a
    citizen's page POST). Only ever a yes: anything else (no token in the form field, a
    bad, expired or foreign token, a missing or foreign referrer over https) goes to
    Flask-WTF's own protect, which refuses it with its own reason, or lets an exempt view
    through."""
    config = current_app.config
    posted = request.form.get(FIELD)
    raw = session.get(FIELD)
    if not (posted and isinstance(raw, str)) or config["WTF_CSRF_FIELD_NAME"] != FIELD:
        return False
    try:
        signed = _serializer().loads(posted, max_age=config["WTF_CSRF_TIME_LIMIT"])
    except BadData:
        return False
    if not (isinstance(signed, str) and hmac.compare_digest(raw, signed)):
        return False
    if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
        referrer = request.referrer
        if not (referrer and same_origin(referrer, f"https://{request.host}/")):
            return False
    g.csrf_valid = True  # as Flask-WTF marks a request it found valid
    return True
