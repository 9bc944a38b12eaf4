"""The audit trail: every action that changes something is recorded by the service that
does it, in the same transaction, whether it came from the web or the command line."""

from __future__ import annotations

from flask import g, has_app_context
from flask_login import current_user

from survey.core.extensions import db
from survey.models import AuditEvent


def record(
    action: str,
    target: object = None,
    *,
    details: dict | None = None,
    actor: str | None = None,
    municipality_code: int | None = None,
    user_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for `action` on `target` (a model instance); committed with the rest.

    The actor is, in this order: `actor` if given, the signed-in staff member, the actor
    of the surrounding command-line unit of work ("cli"), else "system".
    """
    staff = current_user if getattr(current_user, "is_authenticated", False) else None
    if municipality_code is None:
        municipality_code = getattr(target, "municipality_code", None)
        if municipality_code is None and staff is not None:
            municipality_code = staff.municipality_code
    command_actor = g.get("audit_actor") if has_app_context() else None
    event = AuditEvent(
        user_id=user_id if user_id is not None else (staff.id if staff else None),
        actor=actor or (staff.email if staff else None) or command_actor or "system",
        municipality_code=municipality_code,
        action=action,
        object_type=type(target).__name__ if target is not None else None,
        object_id=str(_primary_key(target)) if target is not None else None,
        details=details,
    )
    db.session.add(event)
    return event


def _primary_key(target: object) -> object:
    for name in ("id", "code"):
        if hasattr(target, name):
            return getattr(target, name)
    return None
