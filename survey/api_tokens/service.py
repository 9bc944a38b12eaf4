"""API tokens: shown once when created, stored only as a keyed hash, revoked for good.

A token reads one municipality's results and nothing else; every creation, revocation and
read is in the audit trail under the token's name.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from survey.core import audit
from survey.core.extensions import db
from survey.invitations.tokens import keyed_hash, looks_like_token, new_token, same_hash
from survey.models import ApiToken, Municipality
from survey.models.base import utcnow

PURPOSE = "api"
PREFIX = "bb_"  # recognisable in a secret scanner and in a BI tool's settings


class ApiTokenError(ValueError):
    """A token that cannot be created as asked; the message is for the administrator."""


def token_hash(token: str) -> str:
    return keyed_hash(PURPOSE, token)


def create_token(municipality_code: int, name: str) -> tuple[ApiToken, str]:
    """A new token for one municipality; the token itself is returned this once only."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ApiTokenError(_("Give the token a name of at most 80 characters."))
    if db.session.get(Municipality, municipality_code) is None:
        raise ApiTokenError(_("No such municipality."))
    token = PREFIX + new_token()
    row = ApiToken(municipality_code=municipality_code, name=name, token_hash=token_hash(token))
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.create", row, details={"name": name})
    return row, token


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("api_token.revoke", row, details={"name": row.name})


def tokens_of(municipality_code: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.municipality_code == municipality_code)
            .order_by(ApiToken.id.desc())
        )
    )


def authenticate(authorization: str | None) -> ApiToken | None:
    """The active token of an `Authorization: Bearer TOKEN` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if not token.startswith(PREFIX) or not looks_like_token(token.removeprefix(PREFIX)):
        return None
    computed = token_hash(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == computed))
    if row is None or not row.active or not same_hash(row.token_hash, computed):
        return None
    return row
