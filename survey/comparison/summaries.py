"""What a comparison keeps of each completed respondent, so that it need not add up every
respondent's answers again on every comparison.

A theme mean is a mean of respondents' means, and the key drivers pair each answer with
the same respondent's headline answer: both need each respondent's answers together,
which cost the database a second and a third pass over every answer of the compared
rounds. Kept once per completed respondent instead:

- per theme, the sum and count of the respondent's valid answers to the theme's mean
  items (`RespondentThemeSum`), read by survey.comparison.query.theme_sums;
- the headline answer, on the response (`Response.headline_value`), by which
  survey.comparison.query.counted_answers counts.

A citizen's sheet gets its summary as it is completed (`keep_for_sheet`). A response's
`summary_digest` names what its summary is of (the round's mean items per theme, their
valid values, the headline item): a summary of anything else, or none (answers that came
by an import, the demo, or before summaries were kept), is written at the round's next
comparison (`summarise`), for every such respondent in one statement. So a round's
figures are never read from a summary of other items. Nor of other answers: nothing
changes a sheet's answers once it is completed (a comment's redaction changes no number),
and deleting responses (retention) deletes their kept rows with them.

On PostgreSQL a citizen's last page is saved and the sheet completed by one statement
(survey.responding.journey.SAVE_AND_COMPLETE), which keeps the sums from `sheet_sums` too.
A round frozen before questionnaire files named their headline item gets its headline
from the file here (`round_summary`) but not as citizens complete it: such sheets are
summarised again at the next comparison, a cost, never a wrong figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    TextClause,
    delete,
    or_,
    select,
    text,
    update,
)

from questionnaires import Questionnaire
from survey.comparison.query import (
    ROOM_FOR_RESPONDENTS,
    ThemeItems,
    planned_for_counting,
    respondent_sums,
)
from survey.comparison.theme_means import counted_items, mean_groups
from survey.comparison.themes import headline_code
from survey.core.database import dialect_insert, dialect_name
from survey.core.extensions import db
from survey.models import Answer, RespondentThemeSum, Response, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.rounds.definition import round_definition

# Part of every digest: raised when what a summary holds changes, so that every kept
# summary is written again.
SUMMARY_VERSION = 1
# PostgreSQL's statistics of the responses are taken again when this many were summarised
STATISTICS_AFTER = 1_000
# What a kept row carries of its response, besides the response's id
CARRIED = ("round_id", *BACKGROUND_VARIABLES)


@dataclass(frozen=True)
class Summary:
    """What every completed respondent of a round has kept."""

    themes: ThemeItems  # per theme: its mean items and their valid values as stored
    headline: str | None  # the headline item's code
    digest: str

    def headline_answer(self) -> ScalarSelect | None:
        """The headline answer of the response being updated, as a value for its row."""
        if not self.headline:
            return None
        return (
            select(Answer.value)
            .where(Answer.response_id == Response.id, Answer.item_code == self.headline)
            .scalar_subquery()
        )


def summary_of(definition: Questionnaire, headline: str | None) -> Summary:
    themes = {
        theme: (sorted(codes), sorted(valid))
        for theme, (codes, valid) in counted_items(mean_groups(definition)).items()
        if codes and valid
    }
    content = json.dumps([SUMMARY_VERSION, headline, sorted(themes.items())])
    return Summary(themes, headline, hashlib.sha256(content.encode()).hexdigest())


def round_summary(survey_round: Round) -> Summary:
    definition = round_definition(survey_round)
    return summary_of(definition, headline_code(survey_round, definition))


@dataclass(frozen=True)
class Summarised:
    summary: Summary
    completed: int  # the round's completed responses, each with the summary


def summarise(
    summaries: Mapping[int, Summary], counted: Mapping[int, tuple[int, int]]
) -> dict[int, Summarised]:
    """Each round's summary, written first for every completed respondent without it.

    `counted` gives, per round, its completed responses and those without its summary
    (survey.comparison.upkeep counts them with the tallies' in one statement); only a
    round with some of the latter is written to."""
    summarised = {}
    for round_id, summary in summaries.items():
        completed, stale = counted.get(round_id, (0, 0))
        if stale:
            _keep(round_id, summary, stale)
        summarised[round_id] = Summarised(summary, completed)
    return summarised


def without(digest: ColumnElement[str] | str) -> ColumnElement[bool]:
    """A response whose summary is missing or of something else than `digest`."""
    return or_(Response.summary_digest.is_(None), Response.summary_digest != digest)


def sheet_sums(summary: Summary, answers: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """A sheet's (sum, count) of valid answers per theme, from its answers as stored: the
    rule of `respondent_sums`, for one sheet whose answers the request already holds."""
    sums = {}
    for theme, (codes, valid) in summary.themes.items():
        values = [int(answers[code]) for code in codes if answers.get(code) in valid]
        if values:
            sums[theme] = (sum(values), len(values))
    return sums


def keep_for_sheet(
    response_id: str, kept_with: Mapping[str, Any], summary: Summary, answers: Mapping[str, str]
) -> None:
    """The theme sums of a sheet just completed, whose row already says so and carries the
    summary's digest and headline answer: `answers` are its answers as stored, `kept_with`
    its round and background (as its completing UPDATE returned them).

    Added up here, not by `respondent_sums` in SQL: building and planning that statement
    of a CASE per item cost 20 ms per sheet, against a citizen page's 1 ms. One INSERT of
    a row per theme."""
    rows = [
        {"response_id": response_id, "theme": theme, "total": total, "answers": count}
        | dict(kept_with)
        for theme, (total, count) in sheet_sums(summary, answers).items()
    ]
    if rows:
        numbered = {
            f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()
        }
        # (a text statement does not mark the session as written: the completing UPDATE
        # before it did, so the request's one commit point commits both)
        db.session.execute(_sheet_insert(len(rows)), numbered)


def _keep(round_id: int, summary: Summary, stale_count: int) -> None:
    """Writes the summary of every completed response of the round without it (there are
    `stale_count`)."""
    stale = (
        Response.round_id == round_id,
        Response.completed.is_(True),
        without(summary.digest),
    )
    fresh_statistics = dialect_name() == "postgresql" and stale_count >= STATISTICS_AFTER
    if fresh_statistics:
        # PostgreSQL plans by what it last sampled: before a round's first summary it
        # guesses a few hundred responses to summarise and walks the answers by index
        # for each (16 s instead of 2 at 50,000 responses).
        db.session.execute(text("ANALYZE response"))
    stale_ids = select(Response.id).where(*stale)
    db.session.execute(
        delete(RespondentThemeSum).where(RespondentThemeSum.response_id.in_(stale_ids))
    )
    with planned_for_counting(**ROOM_FOR_RESPONDENTS):
        _insert_sums(round_id, summary, *stale)
    db.session.execute(
        update(Response)
        .where(*stale)
        .values(summary_digest=summary.digest, headline_value=summary.headline_answer())
        .execution_options(synchronize_session=False)
    )
    if fresh_statistics:
        # and the next counting by what is now kept
        db.session.execute(text("ANALYZE response, respondent_theme_sum"))


def _insert_sums(round_id: int, summary: Summary, *criteria: ColumnElement[bool]) -> None:
    if not summary.themes:
        return
    sums = respondent_sums({round_id: summary.themes}, *criteria, counted_themes_only=True)
    kept = sums.subquery()
    columns = ["response_id", "theme", "total", "answers", *CARRIED]
    rows = select(*(kept.c[name] for name in columns)).where(
        # true of every row; SQLite reads "ON CONFLICT" after a SELECT without WHERE as
        # a join's ON
        kept.c.answers > 0
    )
    # a summary another comparison kept meanwhile stays as it is: the same respondent's
    # sums, counted from the same answers
    db.session.execute(
        dialect_insert(RespondentThemeSum).on_conflict_do_nothing().from_select(columns, rows)
    )


@cache
def _sheet_insert(rows: int) -> TextClause:
    """One INSERT of `rows` rows with numbered parameters, compiled once per number of
    themes. SQLAlchemy compiles a multi-row insert() on every execution (it cost more
    than running it), and sends a list of rows to PostgreSQL as a pipeline of one INSERT
    each. The same text on both databases; only constant names are put into it."""
    names = ["response_id", "theme", "total", "answers", *CARRIED]
    values = ", ".join("(" + ", ".join(f":{name}_{i}" for name in names) + ")" for i in range(rows))
    # only this module's column names go into the text; values are parameters
    statement = f"INSERT INTO respondent_theme_sum ({', '.join(names)}) VALUES {values} "  # noqa: S608
    return text(statement + "ON CONFLICT DO NOTHING")
