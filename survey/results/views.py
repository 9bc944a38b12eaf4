"""Results pages: pick a round, a round to compare with and a split; set ambition levels."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey import audit
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.results import bp
from survey.results.charts import theme_chart
from survey.results.service import ResultsError, build_comparison
from survey.results.targets import indicators_with_targets, set_target, target_table
from survey.rounds import round_definition
from survey.tenancy import get_or_404, requires, scoped

THEME_ORDER = ("meeting", "goals", "conversation", "progression", "overall", "local")


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        from survey.extensions import login_manager

        return login_manager.unauthorized()
    return None


@bp.get("/")
@requires("admin", "analyst")
def overview():
    rounds = db.session.scalars(
        scoped(Round).where(Round.snapshot.is_not(None)).order_by(Round.id.desc())
    ).all()
    round_id = request.args.get("round", type=int)
    if round_id is None:
        return render_template(
            "results/pick.html", rounds=rounds, variables=BACKGROUND_VARIABLES, chosen={}
        )
    survey_round = get_or_404(Round, round_id)
    against_id = request.args.get("against", type=int)
    against = get_or_404(Round, against_id) if against_id else None
    by = request.args.get("by") or None
    if by is not None and by not in BACKGROUND_VARIABLES:
        abort(400)
    try:
        comparison = build_comparison(survey_round, against, by, current_language())
    except ResultsError as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview"))
    themes = _by_theme(comparison, survey_round)
    charts = {theme: theme_chart(theme, title, items, comparison) for theme, title, items in themes}
    targets = {
        key: target_table(current_user.municipality_code, key)
        for key in indicators_with_targets(current_user.municipality_code)
    }
    return render_template(
        "results/compare.html",
        rounds=rounds,
        variables=BACKGROUND_VARIABLES,
        chosen={"round": survey_round.id, "against": against.id if against else None, "by": by},
        comparison=comparison,
        themes=themes,
        charts=charts,
        scores={score.theme: score for score in comparison.themes},
        targets=targets,
        item_texts={item.compare_key: item.text for item in comparison.items},
    )


@bp.post("/targets")
@requires("analyst", "admin")
def save_target():
    indicator = (request.form.get("indicator") or "").strip()
    year = request.form.get("year", type=int)
    ambition = request.form.get("ambition", type=float)
    back = request.form.get("back") or url_for("results.overview")
    if not back.startswith("/results"):
        back = url_for("results.overview")
    known = _known_indicators()
    if (
        indicator not in known
        or year is None
        or not 2000 <= year <= 2100
        or ambition is None
        or not 0 <= ambition <= 100
    ):
        flash(
            _(
                "Choose a question, a year between 2000 and 2100 and an ambition between 0 and 100 %."
            ),
            "error",
        )
        return redirect(back)
    target = set_target(current_user.municipality_code, indicator, year, ambition / 100)
    audit.record(
        "target.set", target, details={"indicator": indicator, "year": year, "ambition": ambition}
    )
    db.session.commit()
    flash(_("The ambition level was saved."), "success")
    return redirect(back + "#targets")


def _known_indicators() -> set[str]:
    keys = set()
    for survey_round in db.session.scalars(scoped(Round).where(Round.snapshot.is_not(None))):
        keys.update(
            item.compare_key
            for item in round_definition(survey_round).items
            if item.type == "likert5"
        )
    return keys


def _by_theme(comparison, survey_round):
    definition = round_definition(survey_round)
    titles = {page.theme: page.title for page in definition.pages}
    language = current_language()
    grouped = []
    for theme in THEME_ORDER:
        items = [item for item in comparison.items if item.theme == theme]
        if items:
            title = (
                titles.get(theme, {}).get(language)
                or titles.get(theme, {}).get("da")
                or _("Local questions")
            )
            grouped.append((theme, title, items))
    return grouped
