"""What every command shares: look-ups that fail with a clear message, and
the one commit point (`survey.core.transaction.unit_of_work`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any

import click
from flask_babel import force_locale

from questionnaires import Questionnaire, QuestionnaireError, find_questionnaire
from survey.core.extensions import db
from survey.core.transaction import unit_of_work
from survey.delivery.schedule import to_utc
from survey.models import Municipality, Round

CLI_ACTOR = "cli"


@contextmanager
def cli_transaction(messages_in_english: bool = False) -> Iterator[None]:
    """Audited as "cli", one commit when the block ends normally.

    A ClickException or any other error rolls everything back: nothing half-done stays.
    Messages meant for the web's users (send-list and import problems) are given in
    English where the command's own output is English; reports stay Danish.
    """
    with force_locale("en" if messages_in_english else "da"), unit_of_work(actor=CLI_ACTOR):
        yield


def command_transaction(command: Callable[..., Any]) -> Callable[..., Any]:
    """A whole command in one `cli_transaction` (Danish, as reports are)."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with cli_transaction():
            return command(*args, **kwargs)

    return wrapped


def english_command_transaction(command: Callable[..., Any]) -> Callable[..., Any]:
    """A whole command in one `cli_transaction` that reports problems in English."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with cli_transaction(messages_in_english=True):
            return command(*args, **kwargs)

    return wrapped


def get_round(round_id: int) -> Round:
    survey_round = db.session.get(Round, round_id)
    if survey_round is None:
        raise click.ClickException(f"there is no round {round_id}")
    return survey_round


def get_municipality(code: int) -> Municipality:
    municipality = db.session.get(Municipality, code)
    if municipality is None:
        raise click.ClickException(f"no municipality has the code {code}")
    return municipality


def get_questionnaire(key: str, version: int | None) -> Questionnaire:
    try:
        return find_questionnaire(key, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None


def fail_with_problems(problems: list[str], summary: str) -> None:
    """Every problem on its own line of standard error, then a non-zero exit."""
    for problem in problems:
        click.echo(problem, err=True)
    raise click.ClickException(summary)


def danish_time(value: str, option: str) -> datetime:
    """A Danish local time given on the command line (ISO, e.g. 2026-12-01T09:00), as UTC."""
    try:
        return to_utc(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter("write a time like 2026-12-01T09:00", param_hint=option) from None
