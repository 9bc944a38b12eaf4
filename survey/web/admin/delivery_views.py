"""Sending by Borgerblik: the texts, and a send list with its schedule, previewed and queued."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from survey.core.tenancy import get_or_404, requires
from survey.delivery.plan import preview_checked, queue_previewed, texts_preview
from survey.delivery.settings import save_texts
from survey.delivery.texts import texts_for
from survey.invitations.sendlist import UPLOAD_LIMIT
from survey.invitations.uploads import (
    CheckedUpload,
    RepeatsNotConfirmed,
    check_upload,
    confirm_repeats,
    forget_upload,
)
from survey.models import Round
from survey.web.admin import bp
from survey.web.admin.delivery_forms import SendForm, TextsForm


@bp.route("/rounds/<int:round_id>/messages", methods=["GET", "POST"])
@requires("admin")
def round_messages(round_id: int):
    survey_round = get_or_404(Round, round_id)
    languages = list(survey_round.languages)
    form = TextsForm.for_languages(languages, texts_for(survey_round.message_texts, languages))
    if form.validate_on_submit():
        save_texts(survey_round, form.texts())
        flash(_("The texts were saved."), "success")
        return redirect(url_for("admin.round_messages", round_id=round_id))
    previews = [] if form.errors else texts_preview(survey_round, form.texts())
    return render_template(
        "admin/messages.html", survey_round=survey_round, form=form, previews=previews
    ), 400 if form.errors else 200


@bp.route("/rounds/<int:round_id>/send", methods=["GET", "POST"])
@requires("admin")
def round_send(round_id: int):
    """Check and preview a send list (kept for the send step), then queue its messages."""
    request.max_content_length = UPLOAD_LIMIT
    survey_round = get_or_404(Round, round_id)
    form = SendForm()
    upload, preview = (
        _checked_preview(survey_round, form) if form.validate_on_submit() else (None, None)
    )
    if upload and preview and preview.ok and form.action.data == "send":
        try:
            confirm_repeats(survey_round, upload, form.confirm_repeats.data)
        except RepeatsNotConfirmed as refusal:
            form.confirm_repeats.errors.append(str(refusal))
        else:
            return _queue(survey_round, upload, preview, form.send_at())
    failed = bool(form.file.errors or form.csrf_token.errors) or bool(preview and not preview.ok)
    return render_template(
        "admin/send.html",
        survey_round=survey_round,
        form=form,
        upload=upload,
        preview=preview,
        texts=texts_preview(survey_round),
    ), 400 if failed else 200


def _checked_preview(survey_round: Round, form: SendForm):
    upload = check_upload(
        survey_round, current_user.id, form.file_bytes(), form.upload.data, for_sending=True
    )
    if upload is None:
        form.file.errors.append(_("The checked file is no longer kept. Choose it again."))
        return None, None
    return upload, preview_checked(
        survey_round, upload.checked, form.send_at(), form.reminder_days()
    )


def _queue(survey_round: Round, upload: CheckedUpload, preview, send_at):
    count = queue_previewed(survey_round, preview, send_at).messages
    forget_upload(upload.upload_id)
    flash(ngettext("%(num)d message scheduled.", "%(num)d messages scheduled.", count), "success")
    return redirect(url_for("admin.round_detail", round_id=survey_round.id) + "#delivery")
