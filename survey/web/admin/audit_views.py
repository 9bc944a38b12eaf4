"""The audit trail: admins see their municipality's, operators everything; filters and CSV."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.core.audit_trail import EXPORT_LIMIT, describe, trail_csv, trail_query
from survey.core.extensions import db
from survey.core.tenancy import requires
from survey.web.admin import bp
from survey.web.admin.audit_forms import AuditFilterForm

PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@bp.get("/audit")
@requires("operator", "admin")
def audit_trail():
    # Capped: a page number past any real trail made the OFFSET overflow the database (500).
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    form = AuditFilterForm.from_query()
    chosen = form.chosen()
    query = trail_query(chosen)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/audit.html",
        rows=describe(events),
        form=form,
        filters=chosen.as_args(),
        page=page,
        has_next=page * PAGE_SIZE < (total or 0),
        total=total,
    )


@bp.get("/audit.csv")
@requires("operator", "admin")
def audit_export():
    """The filtered trail as CSV (semicolons, UTF-8 with BOM, Copenhagen times)."""
    chosen = AuditFilterForm.from_query().chosen()
    rows = describe(db.session.scalars(trail_query(chosen).limit(EXPORT_LIMIT)))
    headings = [_("When"), _("Who"), _("Event"), _("Event code"), _("Object"), _("Details")]
    return Response(
        trail_csv(rows, headings),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="revisionsspor.csv"'},
    )
