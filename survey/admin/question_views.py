"""The local question bank: list, create, edit (new version once used), retire."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires.model import pick_text
from survey import audit
from survey.admin import bp
from survey.admin.forms import TYPE_CHOICES, EmptyForm, QuestionForm
from survey.bank import (
    BankError,
    QuestionDraft,
    condition_choices,
    create_question,
    draft_from,
    edit_question,
    retire_question,
    rounds_using,
    used_in_opened_round,
)
from survey.extensions import db
from survey.lix import WARN_ABOVE, lix
from survey.models import LocalQuestion
from survey.tenancy import get_or_404, requires, scoped


@bp.get("/questions")
@requires("admin", "analyst")
def questions():
    bank = db.session.scalars(
        scoped(LocalQuestion).order_by(
            LocalQuestion.retired, LocalQuestion.code, LocalQuestion.version.desc()
        )
    ).all()
    return render_template(
        "admin/questions.html",
        questions=bank,
        lix=lix,
        warn_above=WARN_ABOVE,
        rounds_using=rounds_using,
        button_form=EmptyForm(),
    )


@bp.route("/questions/new", methods=["GET", "POST"])
@requires("admin")
def new_question():
    form = _question_form()
    readability = _readability(form)
    if form.validate_on_submit() and request.form.get("action") != "check":
        try:
            question = create_question(current_user.municipality_code, _draft(form))
        except BankError as error:
            form.text_da.errors.append(str(error))
        else:
            audit.record("question.create", question, details={"code": question.code})
            db.session.commit()
            flash(_("The question was saved in the bank."), "success")
            return redirect(url_for("admin.questions"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/question_edit.html",
        form=form,
        question=None,
        readability=readability,
        warn_above=WARN_ABOVE,
    ), status


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_question_view(question_id: int):
    question = get_or_404(LocalQuestion, question_id)
    if question.retired:  # e.g. a second submit of an edit that already made a new version
        abort(404)
    form = _question_form(question)
    readability = _readability(form)
    frozen = used_in_opened_round(question)
    if form.validate_on_submit() and request.form.get("action") != "check":
        try:
            saved = edit_question(question, _draft(form), comparable=not form.not_comparable.data)
        except BankError as error:
            form.text_da.errors.append(str(error))
        else:
            action = "question.new_version" if saved is not question else "question.edit"
            audit.record(action, saved, details={"code": saved.code, "version": saved.version})
            db.session.commit()
            flash(
                _(
                    "A new version of the question was saved; rounds already opened keep the old wording."
                )
                if saved is not question
                else _("The question was saved."),
                "success",
            )
            return redirect(url_for("admin.questions"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/question_edit.html",
        form=form,
        question=question,
        frozen=frozen,
        readability=readability,
        warn_above=WARN_ABOVE,
    ), status


@bp.post("/questions/<int:question_id>/retire")
@requires("admin")
def retire_question_view(question_id: int):
    question = get_or_404(LocalQuestion, question_id)
    retire_question(question)
    audit.record("question.retire", question, details={"code": question.code})
    db.session.commit()
    flash(_("The question was retired. Rounds that used it keep it."), "success")
    return redirect(url_for("admin.questions"))


def _question_form(question: LocalQuestion | None = None) -> QuestionForm:
    form = QuestionForm()
    choices = [("", _("Always show it"))]
    for item, option in condition_choices():
        choices.append(
            (
                f"{item.code}={option.value}",
                f"“{pick_text(item.text, 'da')}” = {pick_text(option.label, 'da')}",
            )
        )
    form.condition.choices = choices
    # Set after construction: wtforms 3.3 warns about tuple choices given to the field class.
    form.type.choices = TYPE_CHOICES
    if question is not None and request.method == "GET":
        draft = draft_from(question)
        form.text_da.data = draft.texts.get("da", "")
        form.text_en.data = draft.texts.get("en", "")
        form.help_da.data = (draft.help or {}).get("da", "")
        form.help_en.data = (draft.help or {}).get("en", "")
        form.type.data = draft.type
        form.options_da.data = "\n".join(o["label"].get("da", "") for o in draft.options)
        form.options_en.data = "\n".join(o["label"].get("en", "") for o in draft.options)
        form.max_length.data = draft.max_length or 500
        if draft.show_if:
            form.condition.data = f"{draft.show_if['item']}={draft.show_if['in'][0]}"
    return form


def _draft(form: QuestionForm) -> QuestionDraft:
    texts = {"da": form.text_da.data.strip()}
    if (form.text_en.data or "").strip():
        texts["en"] = form.text_en.data.strip()
    help_texts = None
    if (form.help_da.data or "").strip():
        help_texts = {"da": form.help_da.data.strip(), "en": (form.help_en.data or "").strip()}
    options_da = [
        line.strip() for line in (form.options_da.data or "").splitlines() if line.strip()
    ]
    options_en = [
        line.strip() for line in (form.options_en.data or "").splitlines() if line.strip()
    ]
    options = []
    for index, label in enumerate(options_da, start=1):
        labels = {"da": label}
        if index <= len(options_en):
            labels["en"] = options_en[index - 1]
        options.append({"value": index, "label": labels})
    show_if = None
    if form.condition.data:
        code, value = form.condition.data.rsplit("=", 1)
        show_if = {"item": code, "in": [int(value)]}
    return QuestionDraft(
        texts=texts,
        type=form.type.data,
        options=options,
        max_length=form.max_length.data if form.type.data == "text" else None,
        help=help_texts,
        show_if=show_if,
    )


def _readability(form: QuestionForm) -> float | None:
    return lix(" ".join(filter(None, [form.text_da.data, form.help_da.data])))
