"""This request's CSRF token, signed by a serializer built once per secret key.

Flask-WTF's `generate_csrf` builds a new itsdangerous serializer on every request that shows
a form (and the serializer's constructor serialises a test value to learn its kind); a
citizen's question page shows one on every request. This makes the same token the same way
(the same secret, salt, raw token in the session and signed token in `g`), so Flask-WTF's
`CSRFProtect` validates it unchanged and `generate_csrf` finds it already made.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, session

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
        token = _serializer().dumps(raw)
        setattr(g, FIELD, token)
    return token
