"""`flask round ...`: create, open and close rounds and issue invitation links as CSV."""

from __future__ import annotations

import csv
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from questionnaires import QuestionnaireError, find_questionnaire
from survey.extensions import db
from survey.invitations import invitation_link, issue_invitations, open_link
from survey.models import LocalQuestion, Municipality, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.rounds import RoundStateError, add_local_question, close_round, open_round


@click.group("round", cls=AppGroup, help="Create, open and close survey rounds; issue invitations.")
def round_group():
    pass


def _municipality(code: int) -> Municipality:
    municipality = db.session.get(Municipality, code)
    if municipality is None:
        raise click.ClickException(f"no municipality has the code {code}")
    return municipality


def _questionnaire(key: str, version: int | None):
    try:
        return find_questionnaire(key, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None


def _get_round(round_id: int) -> Round:
    survey_round = db.session.get(Round, round_id)
    if survey_round is None:
        raise click.ClickException(f"there is no round {round_id}")
    return survey_round


@round_group.command("create")
@click.option(
    "--municipality", "municipality_code", type=int, required=True, help="Code, e.g. 461."
)
@click.option("--title", required=True)
@click.option("--questionnaire", "key", default="kl-beskaeftigelse", show_default=True)
@click.option("--version", type=int, default=None, help="Questionnaire version (default newest).")
@click.option(
    "--local", "local_codes", multiple=True, help="Code of a local question (repeatable)."
)
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--languages", default="da,en", show_default=True)
def create(municipality_code, title, key, version, local_codes, opens, closes, languages):
    """Create a draft round; prints its id on the last line."""
    municipality = _municipality(municipality_code)
    questionnaire = _questionnaire(key, version)
    chosen = [lang.strip() for lang in languages.split(",") if lang.strip()]
    if "da" not in chosen:
        chosen.insert(0, "da")
    survey_round = Round(
        municipality=municipality,
        title=title.strip(),
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        opens_on=opens.date() if opens else None,
        closes_on=closes.date() if closes else None,
        languages=chosen,
    )
    db.session.add(survey_round)
    for code in local_codes:
        question = db.session.scalar(
            select(LocalQuestion)
            .where(LocalQuestion.municipality_code == municipality_code, LocalQuestion.code == code)
            .order_by(LocalQuestion.version.desc())
        )
        if question is None:
            raise click.ClickException(f"{municipality.name} has no local question '{code}'")
        add_local_question(survey_round, question)
    db.session.commit()
    click.echo(survey_round.id)


@round_group.command("open")
@click.argument("round_id", type=int)
def open_command(round_id: int):
    """Open a round: freeze its questions and make its links work."""
    survey_round = _get_round(round_id)
    try:
        open_round(survey_round)
    except RoundStateError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Round {round_id} is open. Open link: {open_link(survey_round)}")


@round_group.command("close")
@click.argument("round_id", type=int)
def close_command(round_id: int):
    """Close a round: no more answers are accepted."""
    survey_round = _get_round(round_id)
    try:
        close_round(survey_round)
    except RoundStateError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Round {round_id} is closed.")


@round_group.command("invite")
@click.argument("round_id", type=int)
@click.option(
    "--count", type=click.IntRange(1, 200_000), default=None, help="Links without background."
)
@click.option(
    "--send-list",
    type=click.File("r", encoding="utf-8-sig"),
    default=None,
    help="CSV with one row per invitation and optional background columns.",
)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
def invite(round_id: int, count: int | None, send_list, output):
    """Issue invitation links and write them as CSV (number;link;background...). Shown once."""
    survey_round = _get_round(round_id)
    if (count is None) == (send_list is None):
        raise click.ClickException("give either --count or --send-list")
    if send_list is not None:
        reader = csv.DictReader(send_list, delimiter=_sniff_delimiter(send_list))
        unknown = set(reader.fieldnames or ()) - set(BACKGROUND_VARIABLES)
        if unknown:
            raise click.ClickException(
                f"unknown columns: {', '.join(sorted(unknown))}; allowed: {', '.join(BACKGROUND_VARIABLES)}"
            )
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in reader]
    else:
        rows = [{} for _ in range(count)]
    issued = issue_invitations(survey_round, rows)
    db.session.commit()
    writer = csv.writer(output, delimiter=";")
    writer.writerow(["number", "link", *BACKGROUND_VARIABLES])
    for (number, token), row in zip(issued, rows, strict=True):
        writer.writerow(
            [number, invitation_link(token), *(row.get(n, "") for n in BACKGROUND_VARIABLES)]
        )
    if output is not sys.stdout:
        click.echo(f"{len(issued)} links written.", err=True)


@round_group.command("list")
@click.option("--municipality", "municipality_code", type=int, default=None)
def list_command(municipality_code: int | None):
    """List rounds with their state."""
    query = select(Round).order_by(Round.id)
    if municipality_code:
        query = query.where(Round.municipality_code == municipality_code)
    for survey_round in db.session.scalars(query):
        click.echo(
            f"{survey_round.id}\t{survey_round.municipality_code}\t{survey_round.state}\t{survey_round.title}"
        )


def _sniff_delimiter(handle) -> str:
    sample = handle.read(4096)
    handle.seek(0)
    return ";" if sample.count(";") > sample.count(",") else ","


@round_group.command("import")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.option("--title", required=True)
@click.option("--questionnaire", "key", required=True)
@click.option("--version", type=int, default=None)
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), default=None, help="When the round ran."
)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.argument("file", type=click.File("rb"))
def import_command(municipality_code, title, key, version, opens, closes, file):
    """Create a closed round from respondent-level answers; prints its id on the last line.

    One row per respondent; columns are item codes and background variables. Likert
    1..5 and 0 for "ved ikke"; empty means not asked; multi values joined by "|".
    """
    from survey.importer import ImportError_, import_round

    municipality = _municipality(municipality_code)
    questionnaire = _questionnaire(key, version)
    try:
        survey_round = import_round(
            municipality,
            title.strip(),
            questionnaire,
            file.read(),
            opens.date() if opens else None,
            closes.date() if closes else None,
        )
    except ImportError_ as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(
            f"nothing was imported: {len(error.problems)} problems"
        ) from None
    db.session.commit()
    click.echo(survey_round.id)


@round_group.command("import-history")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.argument("file", type=click.File("rb"))
def import_history_command(municipality_code, file):
    """Import aggregated results of older surveys: compare_key;period;n;positive[;text]."""
    from survey.importer import ImportError_, import_history

    municipality = _municipality(municipality_code)
    try:
        count = import_history(municipality, file.read())
    except ImportError_ as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(
            f"nothing was imported: {len(error.problems)} problems"
        ) from None
    db.session.commit()
    click.echo(f"{count} results imported.")
