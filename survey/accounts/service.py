"""Staff accounts: creation with a one-time password, authentication, password changes.

Every change and every login attempt is audited here.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.core import audit, transaction
from survey.core.extensions import db
from survey.models import ROLES, Municipality, User
from survey.models.base import utcnow

MIN_PASSWORD_LENGTH = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Compared against when the e-mail is unknown, so a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
        )
    if email and normalise_email(password) == normalise_email(email):
        problems.append(_("The password must not be your e-mail address."))
    return problems


def create_user(
    email: str,
    role: str,
    municipality_code: int | None,
    password: str | None = None,
    sees_every_municipality: bool = True,
) -> tuple[User, str]:
    """Create a staff user; returns the user and the password (generated if not given)."""
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountError(_("Enter a valid e-mail address."))
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    if role == "operator":
        municipality_code = None
    elif municipality_code is None or db.session.get(Municipality, municipality_code) is None:
        raise AccountError(_("Admins and analysts must belong to a municipality."))
    owner = db.session.execute(
        select(User.municipality_code).where(func.lower(User.email) == email)
    ).first()
    if owner is not None:
        if sees_every_municipality or owner.municipality_code == municipality_code:
            raise AccountError(_("A user with this e-mail address already exists."))
        # Whether the address is an account elsewhere (another municipality, an operator) is
        # not a municipality's administrator's to learn.
        raise AccountError(
            _("This e-mail address cannot be given an account here. Ask your operator.")
        )
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    problems = password_problems(password, email)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        municipality_code=municipality_code,
        must_change_password=one_time,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        details={"email": user.email, "role": user.role},
        municipality_code=user.municipality_code,
    )
    return user, password


def municipality_of(email: str) -> int | None:
    return db.session.scalar(
        select(User.municipality_code).where(User.email == normalise_email(email))
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same work either way).

    Both outcomes are audited; a failure is attributed to the account's municipality, so
    its administrators see attacks on it, and is kept although the login is refused.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password) and user.active:
        user.last_login_at = utcnow()
        audit.record("login", user, user_id=user.id, actor=user.email)
        return user
    address = normalise_email(email)[:254]
    audit.record("login.failed", actor=address, municipality_code=municipality_of(address))
    transaction.keep_when_refused()
    return None


def change_password(user: User, current: str, new: str, repeated: str) -> list[str]:
    """Change the user's password; returns problems for the user, empty when done."""
    if not check_password_hash(user.password_hash, current):
        return [_("The current password is not correct.")]
    problems = password_problems(new, user.email)
    if new != repeated:
        problems.append(_("The two new passwords are not the same."))
    if new == current:
        problems.append(_("Choose a password different from the current one."))
    if problems:
        return problems
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1  # every other session of this user ends
    audit.record("user.password_changed", user)
    return []


def set_active(user: User, active: bool) -> None:
    user.active = active
    user.session_version += 1
    audit.record(
        "user.enable" if active else "user.disable",
        user,
        details={"email": user.email},
        municipality_code=user.municipality_code,
    )


def end_sessions(user: User) -> None:
    """Log out everywhere: the session is a signed cookie, so a copy taken before logging
    out would stay valid unless the version it carries is retired."""
    user.session_version += 1


def confirm_password(user: User) -> None:
    """A password set by its owner (read from standard input): no change at first login."""
    user.must_change_password = False


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so old cookies die."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def single_sign_on_user(claims: dict, email_claim: str = "email") -> User | None:
    """The existing, active staff account whose address the identity provider vouches for,
    or None: a provider never creates an account, and role and municipality stay as set in
    Borgerblik. An address the provider says it has not verified is refused. Audited."""
    raw = claims.get(email_claim)
    address = normalise_email(raw)[:254] if isinstance(raw, str) else ""
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None or not user.active or claims.get("email_verified") is False:
        audit.record(
            "login.sso_refused",
            actor=address or "?",
            municipality_code=user.municipality_code if user else None,
        )
        transaction.keep_when_refused()
        return None
    user.last_login_at = utcnow()
    audit.record("login.sso", user, user_id=user.id, actor=user.email)
    return user
