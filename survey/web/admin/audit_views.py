"""The audit trail: admins see their municipality's, operators everything."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from survey.core.extensions import db
from survey.core.tenancy import requires, scoped
from survey.models import AuditEvent
from survey.web.admin import bp

PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@bp.get("/audit")
@requires("operator", "admin")
def audit_trail():
    # Capped: a page number past any real trail made the OFFSET overflow the database (500).
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    query = scoped(AuditEvent)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/audit.html", events=events, page=page, has_next=page * PAGE_SIZE < total, total=total
    )
