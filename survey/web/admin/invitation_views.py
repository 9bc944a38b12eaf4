"""Invitations: upload a send list, download links once, open link and QR, reminders."""

from __future__ import annotations

import io

import segno
from flask import Response, render_template, request
from flask_babel import gettext as _

from survey.core.tenancy import get_or_404, requires
from survey.invitations.issuing import hand_out_links, kiosk_link, open_link
from survey.invitations.poster import poster_pdf
from survey.invitations.sendlist import UPLOAD_LIMIT, links_csv, parse_send_list
from survey.models import Round
from survey.rounds.lifecycle import ensure_open_code
from survey.web.admin import bp
from survey.web.admin.forms import SendListForm

NOT_STORED = {"Cache-Control": "no-store"}


@bp.route("/rounds/<int:round_id>/invitations", methods=["GET", "POST"])
@requires("admin")
def round_invitations(round_id: int):
    """Check a send list, or create its links and download them (the only time they exist)."""
    request.max_content_length = UPLOAD_LIMIT
    survey_round = get_or_404(Round, round_id)
    if not survey_round.municipality.may_download_links:
        return render_template("admin/links_not_allowed.html", survey_round=survey_round), 403
    form = SendListForm()
    checked = None
    if form.validate_on_submit():
        checked = parse_send_list(form.file.data.read())
        if checked.ok and request.form.get("action") == "create":
            links = hand_out_links(survey_round, checked.rows)
            filename = f"links-round-{survey_round.id}-{links[0][0]}-{links[-1][0]}.csv"
            return _attachment(links_csv(links), "text/csv", filename, NOT_STORED)
    status = 400 if (form.errors or (checked and checked.errors)) else 200
    return render_template(
        "admin/invitations.html", survey_round=survey_round, form=form, checked=checked
    ), status


@bp.get("/rounds/<int:round_id>/<any(qr, kiosk):link>.<any(svg, png):kind>")
@requires("admin", "analyst")
def round_qr(round_id: int, link: str, kind: str):
    """The QR code of the open link (a poster, answered on one's own phone) or of its kiosk
    variant (a shared tablet in the waiting room)."""
    survey_round = get_or_404(Round, round_id)
    ensure_open_code(survey_round)  # before opening too: the link then says when it opens
    buffer = io.BytesIO()
    qr = segno.make((kiosk_link if link == "kiosk" else open_link)(survey_round), error="m")
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=8, border=4, title=_("QR code for the questionnaire"))
    else:
        qr.save(buffer, kind="png", scale=12, border=4)
    mimetype = "image/svg+xml" if kind == "svg" else "image/png"
    name = "kiosk-qr" if link == "kiosk" else "qr"
    disposition = f'inline; filename="{name}-round-{survey_round.id}.{kind}"'
    return Response(
        buffer.getvalue(), mimetype=mimetype, headers={"Content-Disposition": disposition}
    )


@bp.get("/rounds/<int:round_id>/poster-<any(open, kiosk):link>-<any(A4, A3):size>.pdf")
@requires("admin", "analyst")
def round_poster(round_id: int, link: str, size: str):
    """A printable poster; possible before the round opens (the link then says when)."""
    survey_round = get_or_404(Round, round_id)
    filename = f"plakat-{link}-{size}-runde-{survey_round.id}.pdf"
    return _attachment(poster_pdf(survey_round, size, link), "application/pdf", filename)


def _attachment(body: str | bytes, mimetype: str, filename: str, headers: dict | None = None) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, mimetype=mimetype, headers={**disposition, **(headers or {})})
