"""Sending by Borgerblik: the texts, and a send list with its schedule, previewed and queued."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from survey.core.tenancy import get_or_404, requires
from survey.delivery.plan import preview_send, queue_previewed, texts_preview
from survey.delivery.settings import save_texts
from survey.delivery.texts import texts_for
from survey.invitations.sendlist import UPLOAD_LIMIT
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
    request.max_content_length = UPLOAD_LIMIT
    survey_round = get_or_404(Round, round_id)
    form = SendForm()
    preview = None
    if form.validate_on_submit():
        data, send_at = form.file.data.read(), form.send_at()
        preview = preview_send(survey_round, data, send_at, form.reminder_days())
        if preview.ok and request.form.get("action") == "send":
            queued = queue_previewed(survey_round, preview, send_at)
            count = queued.messages
            flash(
                ngettext("%(num)d message scheduled.", "%(num)d messages scheduled.", count),
                "success",
            )
            return redirect(url_for("admin.round_detail", round_id=round_id) + "#delivery")
    failed = bool(form.errors) or (preview is not None and not preview.ok)
    return render_template(
        "admin/send.html",
        survey_round=survey_round,
        form=form,
        preview=preview,
        texts=texts_preview(survey_round),
    ), 400 if failed else 200
