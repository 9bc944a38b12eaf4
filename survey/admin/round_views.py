"""Rounds: list, create, settings, local questions, open/close, preview."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires import available_questionnaires
from questionnaires.model import pick_text
from survey import audit
from survey.admin import bp
from survey.admin.forms import AddQuestionForm, EmptyForm, PlacementForm, RoundForm
from survey.extensions import db
from survey.i18n import LANGUAGE_NAMES, ui_languages
from survey.invitations import open_link
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.models.round import PLACEMENTS
from survey.response_rate import response_rate
from survey.rounds import (
    RoundStateError,
    add_local_question,
    close_round,
    move_local_question,
    open_round,
    place_local_question,
    remove_local_question,
    reopen_round,
    round_definition,
)
from survey.tenancy import get_or_404, requires, scoped

STAFF = ("admin", "analyst")


@bp.get("/")
def home():
    if current_user.must_change_password:
        return redirect(url_for("auth.password"))
    if current_user.role == "operator":
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.rounds"))


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
    form = _round_form()
    if form.validate_on_submit():
        key, version = form.questionnaire.data.rsplit(":", 1)
        survey_round = Round(
            municipality_code=current_user.municipality_code,
            title=form.title.data.strip(),
            questionnaire_key=key,
            questionnaire_version=int(version),
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            languages=["da", *form.languages.data],
        )
        db.session.add(survey_round)
        db.session.flush()
        audit.record("round.create", survey_round, details={"title": survey_round.title})
        db.session.commit()
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
    form = _round_form(survey_round)
    if not form.validate_on_submit():
        return render_template(
            "admin/round_detail.html", **_round_context(survey_round, settings_form=form)
        ), 400
    survey_round.title = form.title.data.strip()
    survey_round.opens_on = form.opens_on.data
    survey_round.closes_on = form.closes_on.data
    if survey_round.snapshot is None:
        survey_round.languages = ["da", *form.languages.data]
    audit.record("round.settings", survey_round, details={"title": survey_round.title})
    db.session.commit()
    flash(_("The settings were saved."), "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/<any(open, close, reopen):action>")
@requires("admin")
def round_state(round_id: int, action: str):
    survey_round = get_or_404(Round, round_id)
    change = {"open": open_round, "close": close_round, "reopen": reopen_round}[action]
    try:
        change(survey_round)
    except RoundStateError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    audit.record(f"round.{action}", survey_round)
    db.session.commit()
    messages = {
        "open": _("The round is open. Its questions are now frozen."),
        "close": _("The round is closed. No more answers are accepted."),
        "reopen": _("The round is open again."),
    }
    flash(messages[action], "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/questions")
@requires("admin")
def round_add_question(round_id: int):
    survey_round = get_or_404(Round, round_id)
    form = _add_question_form(survey_round)
    if not form.validate_on_submit():
        flash(_("Choose a question and where to place it."), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    question = get_or_404(LocalQuestion, form.question_id.data)
    try:
        add_local_question(survey_round, question, form.placement.data)
    except RoundStateError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    audit.record(
        "round.question_add",
        survey_round,
        details={"question": question.code, "placement": form.placement.data},
    )
    db.session.commit()
    flash(_("The question was added."), "success")
    return redirect(url_for("admin.round_detail", round_id=round_id) + "#local-questions")


@bp.post("/rounds/<int:round_id>/questions/<int:question_id>/<any(up, down, remove, place):action>")
@requires("admin")
def round_question_action(round_id: int, question_id: int, action: str):
    survey_round = get_or_404(Round, round_id)
    link = db.session.get(RoundQuestion, (survey_round.id, question_id)) or abort(404)
    form = PlacementForm()
    form.placement.choices = _placement_choices()
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
    audit.record(f"round.question_{action}", survey_round, details={"question": link.question.code})
    db.session.commit()
    return redirect(url_for("admin.round_detail", round_id=round_id) + "#local-questions")


@bp.get("/rounds/<int:round_id>/preview")
@requires(*STAFF)
def round_preview(round_id: int):
    survey_round = get_or_404(Round, round_id)
    definition = round_definition(survey_round)
    language = request.args.get("preview_lang", "da")
    if language not in definition.languages:
        language = "da"
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
        preview_language=language,
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
    page = definition.page(page_key)
    language = request.args.get("preview_lang", "da")
    if language not in definition.languages:  # never hand an unknown locale to Babel
        language = "da"
    g.survey_round = survey_round
    g.allowed_languages = (language,)
    g.preview_language = language
    with force_locale(language):
        html = render_template(
            "respond/page.html",
            journey=None,
            page=page,
            items=page.items,
            answers={},
            errors={},
            number=keys.index(page_key) + 1,
            total=len(keys),
            is_last=page_key == keys[-1],
            preview=True,
            preview_conditions=_conditions(definition, language),
        )
    return (
        html,
        200,
        {
            "Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "script-src 'none'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'",
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


def _conditions(definition, language: str) -> dict[str, tuple[str, str]]:
    """For each conditional item: the text of the item it depends on and the values shown."""
    described = {}
    for item in definition.items:
        if item.show_if is None:
            continue
        target = definition.item(item.show_if.item)
        labels = [
            pick_text(o.label, language) for o in target.options if o.value in item.show_if.values
        ]
        described[item.code] = (pick_text(target.text, language), " / ".join(labels))
    return described


def _round_form(survey_round: Round | None = None) -> RoundForm:
    form = (
        RoundForm(obj=survey_round)
        if survey_round is not None and request.method == "GET"
        else RoundForm()
    )
    form.questionnaire.choices = [
        (f"{key}:{version}", f"{pick_text(q.title, 'da')} ({key}, version {version})")
        for (key, version), q in sorted(available_questionnaires().items())
    ]
    if survey_round is not None:
        form.questionnaire.data = (
            f"{survey_round.questionnaire_key}:{survey_round.questionnaire_version}"
        )
        if request.method != "POST":
            form.languages.data = [lang for lang in survey_round.languages if lang != "da"]
    form.languages.choices = [
        (lang, LANGUAGE_NAMES.get(lang, lang)) for lang in ui_languages() if lang != "da"
    ]
    return form


def _placement_choices() -> list[tuple[str, str]]:
    names = {
        "end": _("On a page of its own at the end"),
        "meeting": _("After the theme: meeting the job centre"),
        "goals": _("After the theme: clear goals"),
        "conversation": _("After the theme: the latest conversation"),
        "progression": _("After the theme: progression"),
        "overall": _("After the theme: overall satisfaction"),
    }
    return [(placement, names[placement]) for placement in PLACEMENTS]


def _add_question_form(survey_round: Round) -> AddQuestionForm:
    form = AddQuestionForm()
    used = {link.question.code for link in survey_round.local_questions}
    available = db.session.scalars(
        scoped(LocalQuestion).where(LocalQuestion.retired.is_(False)).order_by(LocalQuestion.id)
    ).all()
    form.question_id.choices = [
        (q.id, q.texts.get("da", q.code)) for q in available if q.code not in used
    ]
    form.placement.choices = _placement_choices()
    return form


def _round_context(survey_round: Round, settings_form: RoundForm | None = None) -> dict:
    definition = round_definition(survey_round)
    return {
        "survey_round": survey_round,
        "definition": definition,
        "settings_form": settings_form or _round_form(survey_round),
        "add_form": _add_question_form(survey_round),
        "placement_choices": _placement_choices(),
        "button_form": EmptyForm(),
        "rate": response_rate(survey_round.id),
        "open_link": open_link(survey_round) if survey_round.open_code else None,
        "editable": survey_round.snapshot is None,
    }
