"""`flask report ROUND [--against] [--by] --format html|pdf|xlsx|docx --output FILE`, and exports."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.cli.common import command_transaction, english_command_transaction, get_round
from survey.comparison.service import ResultsError
from survey.models.background import BACKGROUND_VARIABLES
from survey.reporting.downloads import (
    EXPORT_FORMATS,
    ExportRefused,
    answers_download,
    report_download,
    write_download,
)
from survey.reporting.render import FORMATS


@click.command("report")
@with_appcontext
@click.argument("round_id", type=int)
@click.option("--against", "against_id", type=int, default=None)
@click.option("--by", type=click.Choice(BACKGROUND_VARIABLES), default=None)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--free-text", is_flag=True, help="Include the quotes an analyst chose and redacted.")
@command_transaction
@click.option("--weighted", is_flag=True, help="Add shares weighted to the invited population.")
def report_command(round_id, against_id, by, fmt, output, free_text, weighted):
    """Write the report of a round (the June report) in one format."""
    survey_round = get_round(round_id)
    against = get_round(against_id) if against_id else None
    try:
        download = report_download(
            survey_round, against, by, fmt, include_free_text=free_text, weighted=weighted
        )
    except ResultsError as error:
        raise click.ClickException(str(error)) from None
    write_download(download, output)
    click.echo(output)


@click.command("export")
@with_appcontext
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--semicolon", is_flag=True, help="CSV with ; between columns (Danish Excel).")
@english_command_transaction
def export_command(round_id, fmt, output, semicolon):
    """Export a closed round's answers, one row per respondent (never tokens or times)."""
    try:
        download = answers_download(get_round(round_id), fmt, ";" if semicolon else ",")
    except ExportRefused as error:
        raise click.ClickException(str(error)) from None
    write_download(download, output)
    click.echo(output)
