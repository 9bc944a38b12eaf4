"""`flask data retention` and `flask data delete-municipality`: the data lifecycle."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.cli.common import command_transaction, get_municipality
from survey.core.transaction import unit_of_work
from survey.lifecycle.retention import delete_municipality_data, delete_raw_answers, rounds_due


@click.group("data", cls=AppGroup, help="Retention and deletion of data.")
def data_group():
    pass


@data_group.command("retention")
@click.option(
    "--older-than-days", type=click.IntRange(0), required=True, help="Days since the round closed."
)
@click.option("--dry-run", is_flag=True, help="List the rounds without deleting anything.")
@unit_of_work(actor="retention")
def retention_command(older_than_days: int, dry_run: bool):
    """Delete raw answers of closed rounds after a set time; aggregated results are kept."""
    due = rounds_due(older_than_days)
    for survey_round in due:
        if dry_run:
            click.echo(
                f"would delete raw answers of round {survey_round.id} ({survey_round.title})"
            )
            continue
        deleted = delete_raw_answers(survey_round)
        click.echo(f"round {survey_round.id}: {deleted} responses deleted, aggregated results kept")
    if not due:
        click.echo("no round is due")


@data_group.command("delete-municipality")
@click.argument("code", type=int)
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@command_transaction
def delete_municipality_command(code: int, yes: bool):
    """Delete every round, answer, question, user and target of one municipality."""
    municipality = get_municipality(code)
    if not yes:
        raise click.ClickException(f"add --yes to delete all of {municipality.name}'s data")
    deleted = delete_municipality_data(municipality)
    click.echo(", ".join(f"{name}: {count}" for name, count in deleted.items()))
