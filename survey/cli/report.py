"""`flask report ROUND [--against] [--by] --format html|pdf|xlsx|docx --output FILE`, and exports."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey import audit
from survey.extensions import db
from survey.models import Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.report.render import FORMATS, render_report
from survey.results.service import ResultsError


def _round(round_id: int) -> Round:
    survey_round = db.session.get(Round, round_id)
    if survey_round is None:
        raise click.ClickException(f"there is no round {round_id}")
    return survey_round


@click.command("report")
@with_appcontext
@click.argument("round_id", type=int)
@click.option("--against", "against_id", type=int, default=None)
@click.option("--by", type=click.Choice(BACKGROUND_VARIABLES), default=None)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option(
    "--free-text", is_flag=True, help="Include comments (check them for names before publishing)."
)
def report_command(round_id, against_id, by, fmt, output, free_text):
    """Write the report of a round (the June report) in one format."""
    from survey.report.builder import build_report

    survey_round = _round(round_id)
    against = _round(against_id) if against_id else None
    try:
        report = build_report(survey_round, against, by, include_free_text=free_text)
    except ResultsError as error:
        raise click.ClickException(str(error)) from None
    with open(output, "wb") as handle:
        handle.write(render_report(report, fmt))
    audit.record(
        "report.export",
        survey_round,
        actor="cli",
        details={"format": fmt, "against": against_id, "by": by},
    )
    db.session.commit()
    click.echo(output)


@click.command("export")
@with_appcontext
@click.argument("round_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "codebook"]), required=True
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--semicolon", is_flag=True, help="CSV with ; between columns (Danish Excel).")
def export_command(round_id, fmt, output, semicolon):
    """Export a closed round's answers, one row per respondent (never tokens or times)."""
    from survey.report import exports

    survey_round = _round(round_id)
    if survey_round.state != "closed":
        raise click.ClickException("only a closed round's answers can be exported")
    if fmt == "csv":
        with open(output, "w", encoding="utf-8", newline="") as handle:
            for chunk in exports.export_csv(survey_round, ";" if semicolon else ","):
                handle.write(chunk)
    elif fmt == "xlsx":
        with open(output, "wb") as handle:
            handle.write(exports.export_xlsx(survey_round))
    elif fmt == "sav":
        exports.export_sav(survey_round, output)
    else:
        import csv

        from survey.rounds import round_definition

        with open(output, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(exports.codebook_rows(round_definition(survey_round)))
    audit.record("answers.export", survey_round, actor="cli", details={"format": fmt})
    db.session.commit()
    click.echo(output)
