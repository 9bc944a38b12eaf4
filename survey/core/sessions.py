"""The signed session cookie, with its signing serializer built once per secret key.

Flask builds a new itsdangerous serializer (and its key derivation) for every request
that opens or saves a session; a citizen page opens one on every request. Building it
once per key keeps the same cookies, signatures and key rotation (SECRET_KEY_FALLBACKS).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {key: serializer}  # only the current key is kept
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
