"""`flask results compare ROUND [--against ROUND] [--by VARIABLE] --json`."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from survey.cli.common import english_command_transaction, get_municipality, get_round
from survey.comparison.service import ResultsError, build_comparison
from survey.comparison.trend import item_trend
from survey.models.background import BACKGROUND_VARIABLES


@click.group("results", cls=AppGroup, help="Compare rounds and print results.")
def results_group():
    pass


@results_group.command("compare")
@click.argument("round_id", type=int)
@click.option(
    "--against", "against_id", type=int, default=None, help="An earlier round to compare with."
)
@click.option(
    "--by",
    type=click.Choice(BACKGROUND_VARIABLES),
    default=None,
    help="Split by a background variable.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object (the contract every consumer uses).",
)
@click.option("--language", default="da", show_default=True)
@click.option(
    "--weighted",
    is_flag=True,
    help="Also give each round's shares post-stratified to the invited population.",
)
@english_command_transaction  # showing results releases them (audited): one commit
def compare_command(
    round_id: int,
    against_id: int | None,
    by: str | None,
    as_json: bool,
    language: str,
    weighted: bool,
):
    """Compare a round with an earlier one; figures from fewer than 5 answers are suppressed."""
    survey_round = get_round(round_id)
    against = get_round(against_id) if against_id is not None else None
    try:
        comparison = build_comparison(survey_round, against, by, language, weighted=weighted)
    except ResultsError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{comparison.round.title}: {comparison.round.completed} completed")
    for item in comparison.items:
        side = item.current
        share = "suppressed" if side.suppressed or side.share is None else f"{side.share:.0%}"
        change = ""
        if item.change:
            mark = " *" if item.change.significant else ""
            change = f"  change {item.change.diff:+.0%} (p adj. {item.change.p_adjusted:.3f}){mark}"
        count = "–" if side.n is None else str(side.n)  # a hidden side has no n to give
        click.echo(f"{item.code:40s} n={count:<6} {share}{change}")


@results_group.command("trend")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.option("--item", required=True, help="An item's code or compare key.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@english_command_transaction  # showing a round's figures releases its results: one commit
def trend_command(municipality_code: int, item: str, as_json: bool):
    """An item's share over every closed round and imported history point, with a
    Cochran–Armitage test for trend; figures from fewer than 5 answers are suppressed."""
    get_municipality(municipality_code)
    try:
        trend = item_trend(municipality_code, item)
    except ResultsError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(trend.to_dict(), ensure_ascii=False))
        return
    for point in trend.points:
        share = "suppressed" if point.share is None else f"{point.share:.0%}"
        count = "–" if point.shown_n is None else str(point.shown_n)
        click.echo(f"{point.period:8s} n={count:<6} {share}")
    if trend.test:
        click.echo(
            f"trend {trend.test.slope_per_year * 100:+.1f} points per year, "
            f"p = {trend.test.p_value:.3f} (Cochran–Armitage)"
        )
