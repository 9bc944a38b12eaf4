"""Comments for analysts only: read in random order (audited), redacted, tagged, quoted."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.comments.service import (
    CommentsRefused,
    add_theme,
    read_comments,
    review,
    theme_counts,
    themes_of,
)
from survey.core.tenancy import get_or_404, requires
from survey.models import Round
from survey.web.results import bp
from survey.web.results.forms import CommentReviewForm, CommentThemeForm


@bp.get("/comments")
@requires("analyst")
def comments():
    survey_round = get_or_404(Round, request.args.get("round", type=int))
    try:
        shown, pages = read_comments(survey_round, request.args.get("page", 1, type=int))
        counts = theme_counts(survey_round)
    except CommentsRefused as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview"))
    return render_template(
        "results/comments.html",
        survey_round=survey_round,
        comments=shown,
        pages=pages,
        page=request.args.get("page", 1, type=int),
        themes=themes_of(survey_round.municipality_code),
        counts=counts,
        theme_form=CommentThemeForm(formdata=None, round=survey_round.id),
    )


@bp.post("/comments/review")
@requires("analyst")
def comment_review():
    form = CommentReviewForm()
    if not form.validate_on_submit():
        return redirect(url_for("results.overview"))
    survey_round = get_or_404(Round, form.round.data)
    try:
        review(survey_round, form.key.data, form.redacted.data, form.themes.data, form.quote.data)
    except CommentsRefused as error:
        flash(str(error), "error")
    else:
        flash(_("The comment was saved."), "success")
    page = form.page.data or 1
    return redirect(url_for("results.comments", round=survey_round.id, page=page))


@bp.post("/comments/themes")
@requires("analyst")
def comment_theme():
    form = CommentThemeForm()
    if not form.validate_on_submit():
        flash(_("Give the theme a name of at most 80 characters."), "error")
        return redirect(url_for("results.overview"))
    survey_round = get_or_404(Round, form.round.data)
    add_theme(survey_round.municipality_code, form.name.data, form.keywords.data or "")
    flash(_("The theme was added."), "success")
    return redirect(url_for("results.comments", round=survey_round.id))
