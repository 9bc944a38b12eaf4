"""Rounds: list, create, settings, local questions, open/close, preview."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires import find_questionnaire
from survey.core.extensions import db
from survey.core.i18n import current_language
from survey.core.tenancy import get_or_404, requires, scoped
from survey.delivery.closing import close_and_erase
from survey.delivery.status import round_status
from survey.invitations.issuing import kiosk_link, open_link
from survey.invitations.response_rate import response_rate
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.responding.open_link import open_link_activity
from survey.rounds.definition import describe_conditions, round_definition
from survey.rounds.lifecycle import (
    RoundStateError,
    change_settings,
    create_round,
    open_round,
    reopen_round,
)
from survey.rounds.placement import (
    add_local_question,
    move_local_question,
    place_local_question,
    remove_local_question,
)
from survey.web.admin import bp
from survey.web.admin.forms import (
    AddQuestionForm,
    ConfirmForm,
    EmptyForm,
    PlacementForm,
    RoundForm,
    placement_choices,
)
from survey.web.admin.start_page import admin_rounds, analyst_rounds

STAFF = ("admin", "analyst")
STATE_CHANGES = {"open": open_round, "close": close_and_erase, "reopen": reopen_round}
# The preview frame shows the citizen's page inside the admin page: framed by us only,
# nothing in it may run or be sent.
PREVIEW_FRAME_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; script-src 'none'; form-action 'none'; frame-ancestors 'self'; "
    "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "SAMEORIGIN",
}


@bp.get("/")
def home():
    if current_user.must_change_password:
        return redirect(url_for("auth.password"))
    if current_user.role == "operator":
        return redirect(url_for("admin.users"))
    if current_user.role == "analyst":
        return render_template("admin/start_analyst.html", rounds=analyst_rounds())
    return render_template("admin/start_admin.html", summaries=admin_rounds())


@bp.get("/rounds")
@requires(*STAFF)
def rounds():
    items = db.session.scalars(
        scoped(Round).order_by(Round.created_at.desc(), Round.id.desc())
    ).all()
    return render_template("admin/rounds.html", rounds=items)


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires("admin")
def new_round():
    form = RoundForm.for_round()
    if form.validate_on_submit():
        key, version = form.questionnaire.data.rsplit(":", 1)
        survey_round = create_round(
            current_user.municipality_code,
            form.title.data,
            find_questionnaire(key, int(version)),
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            languages=form.languages.data,
            accept_drafts=form.accept_drafts.data,
        )
        flash(_("The round was created. Add local questions, preview it and open it."), "success")
        return redirect(url_for("admin.round_detail", round_id=survey_round.id))
    return render_template("admin/round_new.html", form=form), 400 if form.errors else 200


@bp.get("/rounds/<int:round_id>")
@requires(*STAFF)
def round_detail(round_id: int):
    survey_round = get_or_404(Round, round_id)
    return render_template("admin/round_detail.html", **_round_context(survey_round))


@bp.post("/rounds/<int:round_id>/settings")
@requires("admin")
def round_settings(round_id: int):
    survey_round = get_or_404(Round, round_id)
    form = RoundForm.for_round(survey_round)
    if not form.validate_on_submit():
        context = _round_context(survey_round, settings_form=form)
        return render_template("admin/round_detail.html", **context), 400
    data = form.data
    change_settings(
        survey_round,
        data["title"],
        data["opens_on"],
        data["closes_on"],
        data["languages"],
        data["accept_drafts"],
    )
    flash(_("The settings were saved."), "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.get("/rounds/<int:round_id>/<any(open, close):action>/confirm")
@requires("admin")
def round_state_confirm(round_id: int, action: str):
    """Say what cannot be undone before a round is opened (questions frozen) or closed
    (unsent messages cancelled, contact data erased)."""
    survey_round = get_or_404(Round, round_id)
    return render_template(
        "admin/round_confirm.html", survey_round=survey_round, action=action, form=ConfirmForm()
    )


@bp.post("/rounds/<int:round_id>/<any(open, close, reopen):action>")
@requires("admin")
def round_state(round_id: int, action: str):
    survey_round = get_or_404(Round, round_id)
    if needs_confirmation(survey_round, action) and not ConfirmForm().validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("admin.round_state_confirm", round_id=round_id, action=action))
    try:
        STATE_CHANGES[action](survey_round)
    except RoundStateError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    messages = {
        "open": _("The round is open. Its questions are now frozen."),
        "close": _("The round is closed. No more answers are accepted."),
        "reopen": _("The round is open again."),
    }
    flash(messages[action], "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


def needs_confirmation(survey_round: Round, action: str) -> bool:
    """Opening a draft freezes its questions; closing cancels messages and erases contacts."""
    return action == "close" or (action == "open" and survey_round.snapshot is None)


@bp.post("/rounds/<int:round_id>/questions")
@requires("admin")
def round_add_question(round_id: int):
    survey_round = get_or_404(Round, round_id)
    form = AddQuestionForm.for_round(survey_round)
    back = url_for("admin.round_detail", round_id=round_id)
    if not form.validate_on_submit():
        flash(_("Choose a question and where to place it."), "error")
        return redirect(back)
    question = get_or_404(LocalQuestion, form.question_id.data)
    try:
        add_local_question(survey_round, question, form.placement.data)
    except RoundStateError as error:
        flash(str(error), "error")
        return redirect(back)
    flash(_("The question was added."), "success")
    return redirect(back + "#local-questions")


@bp.post("/rounds/<int:round_id>/questions/<int:question_id>/<any(up, down, remove, place):action>")
@requires("admin")
def round_question_action(round_id: int, question_id: int, action: str):
    survey_round = get_or_404(Round, round_id)
    link = db.session.get(RoundQuestion, (survey_round.id, question_id)) or abort(404)
    form = PlacementForm.with_choices(survey_round)
    if action == "place" and not form.validate_on_submit():
        abort(400)
    try:
        if action == "remove":
            remove_local_question(survey_round, link)
        elif action == "place":
            place_local_question(survey_round, link, form.placement.data)
        else:
            move_local_question(survey_round, link, -1 if action == "up" else 1)
    except RoundStateError as error:
        flash(str(error), "error")
    return redirect(url_for("admin.round_detail", round_id=round_id) + "#local-questions")


@bp.get("/rounds/<int:round_id>/preview")
@requires(*STAFF)
def round_preview(round_id: int):
    survey_round = get_or_404(Round, round_id)
    definition = round_definition(survey_round)
    keys = [page.key for page in definition.pages]
    key = request.args.get("page", keys[0])
    if key not in keys:
        abort(404)
    return render_template(
        "admin/round_preview.html",
        survey_round=survey_round,
        definition=definition,
        page=definition.page(key),
        page_index=keys.index(key),
        keys=keys,
        preview_language=_preview_language(definition),
    )


@bp.get("/rounds/<int:round_id>/preview/<page_key>/frame")
@requires(*STAFF)
def round_preview_frame(round_id: int, page_key: str):
    """The citizen's page exactly as rendered for them, for the phone-sized preview frame."""
    survey_round = get_or_404(Round, round_id)
    definition = round_definition(survey_round)
    keys = [page.key for page in definition.pages]
    if page_key not in keys:
        abort(404)
    language = _preview_language(definition)
    g.survey_round, g.allowed_languages, g.preview_language = survey_round, (language,), language
    # The notes are for the staff member, so in their language; they quote the citizen's
    # texts in the language previewed. (Made in the citizen's language, they came out in
    # English for every language without a translation of them.)
    notes = _preview_notes(definition, language)
    with force_locale(language):
        html = render_template(
            "respond/page.html",
            **_preview_page_context(definition, page_key, keys),
            preview_notes=notes,
        )
    return html, 200, PREVIEW_FRAME_HEADERS


def _preview_notes(definition, language: str) -> dict:
    return {
        "language": current_language(),
        "page": _("Preview: answers are not saved."),
        "conditions": _condition_notes(definition, language),
    }


def _condition_notes(definition, quoted_in: str) -> dict[str, str]:
    """For each conditional item, the answer it waits for, said in the staff member's
    language and quoting the texts in `quoted_in` (the preview's or the staff's)."""
    return {
        code: _(
            "Shown only to citizens who answered %(values)s to “%(item)s”.",
            values=values,
            item=item,
        )
        for code, (item, values) in describe_conditions(definition, quoted_in).items()
    }


def _preview_language(definition) -> str:
    # Never hand an unknown locale to Babel.
    language = request.args.get("preview_lang", "da")
    return language if language in definition.languages else "da"


def _preview_page_context(definition, page_key: str, keys: list[str]) -> dict:
    page = definition.page(page_key)
    return {
        "journey": None,
        "page": page,
        "items": page.items,
        "answers": {},
        "errors": {},
        "number": keys.index(page_key) + 1,
        "total": len(keys),
        "is_last": page_key == keys[-1],
        "preview": True,
    }


def _round_context(survey_round: Round, settings_form: RoundForm | None = None) -> dict:
    definition = round_definition(survey_round)
    return {
        "survey_round": survey_round,
        "definition": definition,
        # Which answer each conditional local question waits for, in the staff's language.
        "condition_notes": _condition_notes(definition, current_language()),
        "settings_form": settings_form or RoundForm.for_round(survey_round),
        "add_form": AddQuestionForm.for_round(survey_round),
        "placement_choices": placement_choices(survey_round),
        "button_form": EmptyForm(),
        "rate": response_rate(survey_round.id),
        "delivery": round_status(survey_round),
        "open_link": open_link(survey_round) if survey_round.open_code else None,
        "kiosk_link": kiosk_link(survey_round) if survey_round.open_code else None,
        "open_link_activity": open_link_activity(survey_round.id),
        "editable": survey_round.snapshot is None,
    }
