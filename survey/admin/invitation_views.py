"""Invitations: upload a send list, download links once, open link and QR, reminders."""

from __future__ import annotations

import io

import segno
from flask import Response, render_template, request
from flask_babel import gettext as _

from survey import audit
from survey.admin import bp
from survey.admin.forms import SendListForm
from survey.extensions import db
from survey.invitations import invitation_link, issue_invitations, open_link
from survey.models import Round
from survey.response_rate import reminder_numbers
from survey.sendlist import MAX_BYTES, links_csv, parse_send_list
from survey.tenancy import get_or_404, requires

UPLOAD_LIMIT = MAX_BYTES * 3  # read oversized files to say how large they are, within reason


@bp.route("/rounds/<int:round_id>/invitations", methods=["GET", "POST"])
@requires("admin")
def round_invitations(round_id: int):
    """Check a send list, or create its links and download them (the only time they exist)."""
    request.max_content_length = UPLOAD_LIMIT
    survey_round = get_or_404(Round, round_id)
    form = SendListForm()
    checked = None
    if form.validate_on_submit():
        checked = parse_send_list(form.file.data.read())
        if checked.ok and request.form.get("action") == "create":
            issued = issue_invitations(survey_round, checked.rows)
            audit.record("invitations.create", survey_round, details={"count": len(issued)})
            db.session.commit()
            body = links_csv(
                [
                    (number, invitation_link(token), row)
                    for (number, token), row in zip(issued, checked.rows, strict=True)
                ]
            )
            filename = f"links-round-{survey_round.id}-{issued[0][0]}-{issued[-1][0]}.csv"
            return Response(
                body,
                mimetype="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                },
            )
    status = 400 if (form.errors or (checked and checked.errors)) else 200
    return render_template(
        "admin/invitations.html", survey_round=survey_round, form=form, checked=checked
    ), status


@bp.get("/rounds/<int:round_id>/reminders.csv")
@requires("admin")
def round_reminders(round_id: int):
    survey_round = get_or_404(Round, round_id)
    numbers = reminder_numbers(survey_round.id)
    audit.record("invitations.reminder_list", survey_round, details={"count": len(numbers)})
    db.session.commit()
    body = "\ufeffnumber\r\n" + "".join(f"{n}\r\n" for n in numbers)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="reminders-round-{survey_round.id}.csv"'
        },
    )


@bp.get("/rounds/<int:round_id>/qr.<any(svg, png):kind>")
@requires("admin", "analyst")
def round_qr(round_id: int, kind: str):
    survey_round = get_or_404(Round, round_id)
    if not survey_round.open_code:
        return render_template(
            "error.html",
            title=_("No open link yet"),
            text=_("The open link exists once the round is opened."),
            status=404,
        ), 404
    buffer = io.BytesIO()
    qr = segno.make(open_link(survey_round), error="m")
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=8, border=4, title=_("QR code for the questionnaire"))
        mimetype = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=12, border=4)
        mimetype = "image/png"
    return Response(
        buffer.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'inline; filename="qr-round-{survey_round.id}.{kind}"'},
    )
