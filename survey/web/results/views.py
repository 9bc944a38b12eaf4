"""Results pages: pick a round, a round to compare with and a split; set ambition levels."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.comments.service import quotes_chosen
from survey.comparison.overview import build_overview
from survey.comparison.service import ResultsError
from survey.comparison.targets import known_indicators, set_target
from survey.core.extensions import db
from survey.core.i18n import current_language
from survey.core.tenancy import comparison_args, requires, scoped
from survey.models import Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.reporting.trends import theme_trends
from survey.rounds.chronology import newest_first
from survey.web.navigation import safe_next
from survey.web.results import bp
from survey.web.results.forms import TargetForm


@bp.get("/")
@requires("admin", "analyst")
def overview():
    rounds = newest_first(db.session.scalars(scoped(Round).where(Round.state == "closed")).all())
    if request.args.get("round", type=int) is None:
        return render_template(
            "results/pick.html", rounds=rounds, variables=BACKGROUND_VARIABLES, chosen={}
        )
    survey_round, against, by = comparison_args(request.args)
    weighted = request.args.get("weighted") == "1"
    try:
        shown = build_overview(survey_round, against, by, current_language(), weighted)
    except ResultsError as error:
        flash(str(error), "error")
        if against is not None:  # keep the round chosen; only the comparison was refused
            return redirect(url_for("results.overview", round=survey_round.id, by=by or None))
        return redirect(url_for("results.overview"))
    return _comparison_page(rounds, survey_round, against, by, weighted, shown)


def _comparison_page(rounds, survey_round, against, by, weighted, shown):
    """The results page of one comparison: the overview, its trends and the picker's state."""
    return render_template(
        "results/compare.html",
        rounds=rounds,
        variables=BACKGROUND_VARIABLES,
        chosen={
            "round": survey_round.id,
            "against": against.id if against else None,
            "by": by,
            "weighted": weighted,
        },
        current_round_closed=survey_round.state == "closed",
        links_handed_out=survey_round.links_handed_out,
        trends=theme_trends(survey_round, shown.themes),
        quotes_chosen=quotes_chosen(survey_round),
        **shown.context(),
    )


@bp.post("/targets")
@requires("analyst", "admin")
def save_target():
    form = TargetForm()
    # Only a path of the results pages (safe_next: a line break here split the redirect's
    # headers, a 500; a backslash or scheme could leave the site).
    back = safe_next(form.back.data)
    if not back or not back.startswith("/results"):
        back = url_for("results.overview")
    municipality = current_user.municipality_code
    if not form.is_valid_for(known_indicators(municipality)):
        flash(
            _(
                "Choose a question, a year between 2000 and 2100 and an ambition between 0 and 100 %."
            ),
            "error",
        )
        return redirect(back)
    set_target(municipality, form.indicator.data.strip(), form.year.data, form.ambition.data / 100)
    flash(_("The ambition level was saved."), "success")
    return redirect(back + "#targets")
