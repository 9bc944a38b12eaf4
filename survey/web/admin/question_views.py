"""The local question bank: list, create, edit (new version once used), retire."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.bank.lix import WARN_ABOVE, question_lix
from survey.bank.questions import (
    BankError,
    create_question,
    edit_question,
    retire_question,
    rounds_using,
    used_in_opened_round,
)
from survey.core.extensions import db
from survey.core.tenancy import get_or_404, requires, scoped
from survey.models import LocalQuestion
from survey.web.admin import bp
from survey.web.admin.forms import ConfirmForm, EmptyForm, QuestionForm


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
        question_lix=question_lix,
        warn_above=WARN_ABOVE,
        rounds_using=rounds_using,
        button_form=EmptyForm(),
    )


@bp.route("/questions/new", methods=["GET", "POST"])
@requires("admin")
def new_question():
    form = QuestionForm.for_question()
    if _saving(form):
        try:
            create_question(current_user.municipality_code, form.draft())
        except BankError as error:
            form.text_da.errors.append(str(error))
        else:
            flash(_("The question was saved in the bank."), "success")
            return redirect(url_for("admin.questions"))
    return _editor(form, question=None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_question_view(question_id: int):
    question = get_or_404(LocalQuestion, question_id)
    if question.retired:  # e.g. a second submit of an edit that already made a new version
        abort(404)
    form = QuestionForm.for_question(question)
    frozen = used_in_opened_round(question)
    if _saving(form):
        try:
            saved = edit_question(question, form.draft(), comparable=not form.not_comparable.data)
        except BankError as error:
            form.text_da.errors.append(str(error))
        else:
            flash(
                _(
                    "A new version of the question was saved; rounds already opened keep the old wording."
                )
                if saved is not question
                else _("The question was saved."),
                "success",
            )
            return redirect(url_for("admin.questions"))
    return _editor(form, question=question, frozen=frozen)


@bp.get("/questions/<int:question_id>/retire/confirm")
@requires("admin")
def retire_question_confirm(question_id: int):
    """Say what cannot be undone before a question leaves the bank for good."""
    question = get_or_404(LocalQuestion, question_id)
    return render_template("admin/question_retire.html", question=question, form=ConfirmForm())


@bp.post("/questions/<int:question_id>/retire")
@requires("admin")
def retire_question_view(question_id: int):
    question = get_or_404(LocalQuestion, question_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("admin.retire_question_confirm", question_id=question_id))
    retire_question(question)
    flash(_("The question was retired. Rounds that used it keep it."), "success")
    return redirect(url_for("admin.questions"))


def _saving(form: QuestionForm) -> bool:
    """A valid post of "Save" ("Check" only shows the readability and the errors)."""
    return form.validate_on_submit() and request.form.get("action") != "check"


def _editor(form: QuestionForm, **context):
    status = 400 if form.errors else 200
    return render_template(
        "admin/question_edit.html",
        form=form,
        readability=form.readability,
        warn_above=WARN_ABOVE,
        **context,
    ), status
