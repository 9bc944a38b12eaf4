"""The signed session cookie, with its signing serializer built once per secret key, and
nothing but "Vary: Cookie" done for a response that leaves the cookie as it came.

Flask builds a new itsdangerous serializer (and its key derivation) for every request
that opens or saves a session; a citizen page opens one on every request. Building it
once per key, with signers kept (survey.core.signing), keeps the same cookies, signatures
and key rotation (SECRET_KEY_FALLBACKS).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

from survey.core.signing import SigningSerializer

# A Cookie header that is one cookie whose value is what itsdangerous writes (URL-safe
# base64 and dots): read without parsing the header in general.
_ONE_PLAIN_COOKIE = re.compile(r"([^=;,\s]+)=([A-Za-z0-9._-]+)")

# Session cookies remembered per process once verified (survey.core.signing): about the
# citizens answering at once on one worker, each cookie at most 4 kB.
OPENED_KEPT = 1024


class TaggedJSON(TaggedJSONSerializer):
    """Flask's session serializer (the same tags, the same JSON written), reading tagged
    values back as the JSON decoder makes each object instead of walking the whole
    decoded value again in Python afterwards (Flask's _untag_scan: a call per value, a
    new dict per object). Objects are untagged innermost first either way."""

    def loads(self, value: str) -> Any:
        return json.loads(value, object_hook=self.untag)


class SessionInterface(SecureCookieSessionInterface):
    serializer = TaggedJSON()

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None and app.secret_key:
            # Flask's own arguments (SecureCookieSessionInterface.get_signing_serializer):
            # the fallbacks, then the current key, which signs.
            serializer = SigningSerializer(
                [*key[1], app.secret_key],
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
                opened_kept=OPENED_KEPT,
            )
            self._serializers = {key: serializer}  # only the current key is kept
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's open_session, reading the cookie without werkzeug's general parsing of
        the Cookie header when the header is our cookie alone, as a citizen's browser
        sends it (parsing it was 2 % of a page GET on PostgreSQL); any other header, with
        other cookies, quotes or spaces, is parsed by werkzeug as before."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        name = self.get_cookie_name(app)
        one = _ONE_PLAIN_COOKIE.fullmatch(request.environ.get("HTTP_COOKIE", ""))
        if one is not None:
            value = one.group(2) if one.group(1) == name else None
        else:
            value = request.cookies.get(name)
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return self.session_class(serializer.loads(value, max_age=max_age))
        except BadSignature:
            return self.session_class()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Most citizen requests leave the cookie as it came (SESSION_REFRESH_EACH_REQUEST is
        # off): then only "Vary: Cookie" is due, without Flask's seven cookie settings.
        if not session.modified and not self.should_set_cookie(app, session):
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
