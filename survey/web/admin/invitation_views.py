"""Invitations: upload a send list, download links once, open link and QR, reminders."""

from __future__ import annotations

import base64
import io

import segno
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from survey.core.tenancy import get_or_404, requires
from survey.invitations.issuing import hand_out_links, kiosk_link, open_link
from survey.invitations.poster import poster_pdf
from survey.invitations.sendlist import UPLOAD_LIMIT, links_csv
from survey.invitations.sendlist_template import template_csv, template_xlsx
from survey.invitations.uploads import (
    CheckedUpload,
    RepeatsNotConfirmed,
    check_upload,
    confirm_repeats,
    forget_upload,
)
from survey.models import Round
from survey.rounds.lifecycle import ensure_open_code
from survey.web.admin import bp
from survey.web.admin.forms import SendListForm

NOT_STORED = {"Cache-Control": "no-store"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/rounds/<int:round_id>/invitations", methods=["GET", "POST"])
@requires("admin")
def round_invitations(round_id: int):
    """Check a send list (kept for the next step), then create its links: shown this once."""
    request.max_content_length = UPLOAD_LIMIT
    survey_round = get_or_404(Round, round_id)
    if not survey_round.municipality.may_download_links:
        return render_template("admin/links_not_allowed.html", survey_round=survey_round), 403
    form = SendListForm()
    upload = None
    if form.validate_on_submit():
        upload = check_upload(survey_round, current_user.id, form.file_bytes(), form.upload.data)
        if upload is None:
            form.file.errors.append(_("The checked file is no longer kept. Choose it again."))
        elif upload.ready and form.action.data == "create":
            try:
                return _create_links(survey_round, upload, form.confirm_repeats.data)
            except RepeatsNotConfirmed as refusal:
                form.confirm_repeats.errors.append(str(refusal))
    # Asking to confirm repeated references is a question, not a refusal: the kept file stays.
    failed = form.file.errors or form.csrf_token.errors or (upload and upload.checked.errors)
    return render_template(
        "admin/invitations.html", survey_round=survey_round, form=form, upload=upload
    ), 400 if failed else 200


def _create_links(survey_round: Round, upload: CheckedUpload, confirmed: bool):
    """The confirmation page, carrying the links file: nothing keeps the links after it."""
    confirm_repeats(survey_round, upload, confirmed)
    links = hand_out_links(survey_round, upload.checked.rows)
    forget_upload(upload.upload_id)
    filename = f"links-round-{survey_round.id}-{links[0][0]}-{links[-1][0]}.csv"
    csv_data = base64.b64encode(links_csv(links).encode()).decode()
    page = render_template(
        "admin/links_created.html",
        survey_round=survey_round,
        count=len(links),
        first=links[0][0],
        last=links[-1][0],
        repeated=len(upload.repeated),
        filename=filename,
        href="data:text/csv;charset=utf-8;base64," + csv_data,
    )
    return page, 200, NOT_STORED


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


@bp.get("/send-list-template.<any(csv, xlsx):fmt>")
@requires("admin")
def send_list_template(fmt: str):
    """An empty send list with its columns; the Excel one lists the allowed values."""
    if fmt == "csv":
        return _attachment(template_csv(), "text/csv", "sendeliste.csv")
    return _attachment(template_xlsx(), XLSX, "sendeliste.xlsx")


def _attachment(
    body: str | bytes, mimetype: str, filename: str, headers: dict | None = None
) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, mimetype=mimetype, headers={**disposition, **(headers or {})})
