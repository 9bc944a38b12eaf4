"""An analyst publishes a closed round's results on a public page, or takes it down."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from survey.comparison.service import ResultsError
from survey.core.tenancy import get_or_404, requires
from survey.models import Round
from survey.publishing.service import (
    PublishError,
    public_address,
    publication_of,
    publish,
    unpublish,
)
from survey.web.results import bp
from survey.web.results.forms import PublishForm


@bp.post("/publish")
@requires("analyst", "admin")
def publish_round():
    form = PublishForm()
    if not form.validate_on_submit():
        return redirect(url_for("results.overview"))
    survey_round = get_or_404(Round, form.round.data)
    against = get_or_404(Round, form.against.data) if form.against.data else None
    try:
        publish(survey_round, against)
    except (PublishError, ResultsError) as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview", round=survey_round.id))
    flash(_("Published at %(address)s", address=public_address(survey_round)), "success")
    return redirect(url_for("results.overview", round=survey_round.id))


@bp.post("/unpublish")
@requires("analyst", "admin")
def unpublish_round():
    form = PublishForm()
    if not form.validate_on_submit():
        return redirect(url_for("results.overview"))
    survey_round = get_or_404(Round, form.round.data)
    if unpublish(survey_round):
        flash(_("The public page was taken down."), "success")
    return redirect(url_for("results.overview", round=survey_round.id))


@bp.context_processor
def publication_helpers() -> dict:
    """The results page asks whether the round it shows is published, and where."""

    def published_address(round_id: int) -> str | None:
        survey_round = get_or_404(Round, round_id)
        return public_address(survey_round) if publication_of(survey_round) else None

    return {"published_address": published_address, "publish_form": PublishForm}
