"""Results pages: pick a round, a round to compare with and a split; set ambition levels."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires.model import THEMES
from survey import audit
from survey.auth.views import safe_next
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.results import bp
from survey.results.service import ResultsError, build_comparison
from survey.results.targets import THEME_PREFIX, indicators_with_targets, set_target, target_table
from survey.rounds import round_definition
from survey.tenancy import get_or_404, requires, scoped

THEME_ORDER = THEMES


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
    survey_round, against, by = _comparison_args()
    try:
        comparison = build_comparison(survey_round, against, by, current_language())
    except ResultsError as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview"))
    from survey.results.charts import theme_chart  # matplotlib: loaded on first use only

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
        item_texts={
            **{item.compare_key: item.text for item in comparison.items},
            **{
                THEME_PREFIX + theme: _("Theme: %(title)s", title=title)
                for theme, title, _items in themes
            },
        },
        current_round_closed=survey_round.state == "closed",
    )


@bp.post("/targets")
@requires("analyst", "admin")
def save_target():
    indicator = (request.form.get("indicator") or "").strip()
    year = request.form.get("year", type=int)
    ambition = request.form.get("ambition", type=float)
    # Only a path of the results pages (safe_next: a line break here split the redirect's
    # headers, a 500; a backslash or scheme could leave the site).
    back = safe_next(request.form.get("back"))
    if not back or not back.startswith("/results"):
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


def _comparison_args() -> tuple[Round, Round | None, str | None]:
    """The round, the round to compare with and the split asked for, each checked."""
    survey_round = get_or_404(Round, request.args.get("round", type=int))
    against_id = request.args.get("against", type=int)
    against = get_or_404(Round, against_id) if against_id else None
    by = request.args.get("by") or None
    if by is not None and by not in BACKGROUND_VARIABLES:
        abort(400)
    return survey_round, against, by


def _known_indicators() -> set[str]:
    keys = set()
    for survey_round in db.session.scalars(scoped(Round).where(Round.snapshot.is_not(None))):
        for item in round_definition(survey_round).items:
            if item.type == "likert5":
                keys.update({item.compare_key, THEME_PREFIX + item.theme})
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


@bp.get("/report.<any(html, pdf, xlsx, docx):fmt>")
@requires("admin", "analyst")
def download_report(fmt: str):
    """The June report in one format, from the same comparison as the page."""
    from survey.report.builder import build_report
    from survey.report.render import FORMATS, render_report

    survey_round, against, by = _comparison_args()
    against_id = against.id if against else None
    try:
        report = build_report(
            survey_round, against, by, include_free_text=request.args.get("free_text") == "1"
        )
    except ResultsError as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview"))
    body = render_report(report, fmt)
    audit.record(
        "report.export", survey_round, details={"format": fmt, "against": against_id, "by": by}
    )
    db.session.commit()
    mimetype, extension = FORMATS[fmt]
    headers = {
        "Content-Disposition": f'attachment; filename="rapport-runde-{survey_round.id}.{extension}"'
    }
    if fmt == "html":
        # A self-contained document: its own inline styles, no scripts at all.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        )
    return body, 200, {"Content-Type": mimetype, **headers}


@bp.get("/export.<any(csv, xlsx, sav, codebook):fmt>")
@requires("admin", "analyst")
def download_export(fmt: str):
    """Respondent-level answers of a closed round (streamed CSV); audited."""
    import tempfile

    from flask import Response as FlaskResponse
    from flask import stream_with_context

    from survey.report import exports

    survey_round = get_or_404(Round, request.args.get("round", type=int))
    if survey_round.state != "closed":
        flash(_("Answers can be exported once the round is closed."), "error")
        return redirect(url_for("results.overview", round=survey_round.id))
    audit.record("answers.export", survey_round, details={"format": fmt})
    db.session.commit()
    name = f"svar-runde-{survey_round.id}"
    if fmt == "csv":
        delimiter = ";" if request.args.get("sep") == "semicolon" else ","
        return FlaskResponse(
            stream_with_context(exports.export_csv(survey_round, delimiter)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return (
            exports.export_xlsx(survey_round),
            200,
            {
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Content-Disposition": f'attachment; filename="{name}.xlsx"',
            },
        )
    if fmt == "sav":
        with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
            exports.export_sav(survey_round, handle.name)
            handle.seek(0)
            body = handle.read()
        return (
            body,
            200,
            {
                "Content-Type": "application/x-spss-sav",
                "Content-Disposition": f'attachment; filename="{name}.sav"',
            },
        )
    import csv
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(exports.codebook_rows(round_definition(survey_round)))
    return (
        buffer.getvalue(),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}-kodebog.csv"',
        },
    )
