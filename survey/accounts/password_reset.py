"""Password reset by e-mail: a single-use link that works for a short time.

Only a keyed hash of the link's token is stored. Asking for a link answers the same
whether or not the address has an account (no enumeration); the mail goes out after the
answer, so its timing tells nothing either. Using a link ends every session of the user
and every other link. Audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from survey.accounts.service import hash_password, normalise_email, password_problems
from survey.core import audit
from survey.core.extensions import db
from survey.models import PasswordReset, User
from survey.models.base import utcnow

TOKEN_PATTERN_LENGTH = (20, 64)  # what secrets.token_urlsafe(32) gives, with room


@dataclass(frozen=True)
class ResetLink:
    user: User
    token: str  # goes into the e-mail, never stored


def _hash(token: str) -> str:
    # The same keyed hash as invitation tokens, under its own purpose.
    key = current_app.config["TOKEN_KEY"].encode()
    return hmac.new(key, b"password-reset\x00" + token.encode(), hashlib.sha256).hexdigest()


def request_reset(email: str) -> ResetLink | None:
    """A new link for the active account with this address, or None (the caller answers
    the same either way)."""
    token = secrets.token_urlsafe(32)
    token_hash = _hash(token)  # made for unknown addresses too: the same work either way
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return None
    minutes = current_app.config.get("PASSWORD_RESET_MINUTES", 30)
    db.session.add(
        PasswordReset(
            user_id=user.id, token_hash=token_hash, expires_at=utcnow() + timedelta(minutes=minutes)
        )
    )
    audit.record("user.password_reset_requested", user, actor=user.email, user_id=user.id)
    return ResetLink(user, token)


def usable_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset of this token, or None (unknown, used and expired alike)."""
    low, high = TOKEN_PATTERN_LENGTH
    if not low <= len(token) <= high:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    user = db.session.get(User, reset.user_id)
    return reset if user is not None and user.active else None


def reset_password(token: str, new: str, repeated: str) -> tuple[User | None, list[str]]:
    """Set a new password through a link: (user, []) when done, else (None, problems)."""
    reset = usable_reset(token)
    if reset is None:
        return None, [_("The link is no longer valid. Ask for a new one.")]
    user = db.session.get(User, reset.user_id)
    if user is None:  # deleted between the two reads
        return None, [_("The link is no longer valid. Ask for a new one.")]
    problems = password_problems(new, user.email)
    if new != repeated:
        problems.append(_("The two new passwords are not the same."))
    if problems:
        return None, problems
    now = utcnow()
    # Every link of the user dies with this one: an older mail cannot be used later.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1  # every session, including a thief's, ends
    audit.record("user.password_reset", user, actor=user.email, user_id=user.id)
    return user, []
