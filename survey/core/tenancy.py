"""Tenancy in one place: every staff query for a municipality's data goes through here.

Views never filter by municipality themselves; they ask `scoped(Model)` or
`get_or_404(Model, id)`, and another municipality's object simply does not exist (404).
"""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import Select, false, select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from survey.core.extensions import db
from survey.models import AuditEvent, Invitation, LocalQuestion, Round, User
from survey.models.background import BACKGROUND_VARIABLES

# Models an operator sees across all municipalities; everything else is per municipality.
OPERATOR_WIDE = (User, AuditEvent)
# Ids are PostgreSQL `integer`s. A larger number names no row, and asked for, it made the
# database fail: a 500 (NumericValueOutOfRange; OverflowError on SQLite) instead of a 404.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """<int:...> in every URL: a number too large to be an id does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _owner_column(model):
    if model is Invitation:
        return None
    return model.municipality_code


def scoped(model) -> Select:
    """SELECT of `model` limited to what the signed-in staff member may see."""
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return select(model).where(false())
    if user.role == "operator":
        return select(model) if model in OPERATOR_WIDE else select(model).where(false())
    if model is Invitation:
        return (
            select(Invitation)
            .join(Round, Round.id == Invitation.round_id)
            .where(Round.municipality_code == user.municipality_code)
        )
    return select(model).where(_owner_column(model) == user.municipality_code)


def get_or_404(model, object_id):
    """The object with this primary key if the signed-in user may see it, else 404."""
    try:
        key = int(object_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < key <= MAX_ID:
        abort(404)
    found = db.session.scalar(scoped(model).where(model.id == key))
    if found is None:
        abort(404)
    return found


def requires(*roles: str):
    """Allow only these roles (login is checked first); others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from survey.core.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.must_change_password:
                # A one-time password opens nothing but the page that replaces it.
                return redirect(url_for("auth.password"))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def comparison_args(args: MultiDict) -> tuple[Round, Round | None, str | None]:
    """The round, the round to compare with and the split asked for, each checked: another
    municipality's round is a 404, an unknown split a 400."""
    survey_round = get_or_404(Round, args.get("round", type=int))
    against_id = args.get("against", type=int)
    against = get_or_404(Round, against_id) if against_id else None
    by = args.get("by") or None
    if by is not None and by not in BACKGROUND_VARIABLES:
        abort(400)
    return survey_round, against, by


__all__ = ["LocalQuestion", "comparison_args", "get_or_404", "requires", "scoped"]
