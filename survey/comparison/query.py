"""Counting in the database: a comparison is two passes over its rounds' answers, one
GROUP BY giving the frequency table with the key drivers' joint counts
(`counted_answers`), one giving every theme mean's respondents (`theme_sums`).

Nothing here loads answer rows into Python; only aggregated counts cross the wire, so a
round of a million answers costs what a round of a hundred does once the database counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    text,
    values,
)
from sqlalchemy.orm import aliased

from analysis.compare import LIKERT_VALID
from analysis.frequency import FrequencyRow
from survey.core.database import dialect_name
from survey.core.extensions import db
from survey.models import Answer, Response, Round
from survey.models.background import BACKGROUND_VARIABLES

WORK_MEM_FOR_RESPONDENTS = "128MB"  # PostgreSQL, while counting theme means


def frequency_rows(
    code_to_key: Mapping[int, Mapping[str, str]],
    by: str | None = None,
    text_codes: Collection[str] = (),
) -> list[FrequencyRow]:
    """Counts of completed answers per (round, item, group, value) for the given rounds.

    `code_to_key` maps each round id to {item code: compare key}; items are matched
    across rounds and questionnaire versions by compare key. Free-text items are counted
    as answered or not: every distinct comment would otherwise be a row of its own.
    """
    return counted_answers(code_to_key, by, text_codes).rows


# (item code, its value, the same respondent's headline value) -> respondents
JointCounts = dict[str, dict[tuple[int, int], int]]


@dataclass(frozen=True)
class CountedAnswers:
    rows: list[FrequencyRow]
    joint: JointCounts  # of the round named in `paired_with`; empty without it


def counted_answers(
    code_to_key: Mapping[int, Mapping[str, str]],
    by: str | None = None,
    text_codes: Collection[str] = (),
    paired_with: tuple[int, str] | None = None,
) -> CountedAnswers:
    """`frequency_rows`, and with `paired_with` (a round id, its headline item's code) in
    the same pass the joint counts of each item's valid answers with the same
    respondent's valid headline answer in that round, for the key drivers.

    The headline answer is joined to each answer by the answer's primary key (one per
    respondent at most), so the counts are those of a self-join, without a second pass
    over the round's answers."""
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    round_ids = list(code_to_key)
    if not round_ids:
        return CountedAnswers([], {})
    group_column = getattr(Response, by) if by else literal(None)
    value = (
        case((Answer.item_code.in_(list(text_codes)), literal("text")), else_=Answer.value)
        if text_codes
        else Answer.value
    )
    # Respondents first: SQLite then walks each respondent's answers by the primary key.
    source = select(Response.round_id).select_from(Response)
    headline_value: Any = literal(None)  # a column of the aliased answer when paired
    if paired_with is not None:
        headline = aliased(Answer)
        source = source.outerjoin(
            headline,
            (headline.response_id == Response.id)
            & (headline.item_code == paired_with[1])
            & (Response.round_id == paired_with[0]),
        )
        headline_value = headline.value
    statement = (
        source.join(Answer, Answer.response_id == Response.id)
        .add_columns(Answer.item_code, group_column, value, headline_value, func.count())
        .where(Response.round_id.in_(round_ids), Response.completed.is_(True))
        .group_by(
            Response.round_id,
            Answer.item_code,
            *([group_column] if by else []),
            value,
            *([headline_value] if paired_with is not None else []),
        )
    )
    counts: dict[tuple, int] = defaultdict(int)
    joint: JointCounts = defaultdict(dict)
    for round_id, code, group, answer, paired, count in db.session.execute(statement):
        key = code_to_key[round_id].get(code)
        if key is None:
            continue
        counts[(round_id, key, group, answer)] += count
        if paired in LIKERT_VALID and answer in LIKERT_VALID:
            pair = (int(answer), int(paired))
            joint[code][pair] = joint[code].get(pair, 0) + count
    rows = [
        FrequencyRow(round_id, key, by, group, answer, count)
        for (round_id, key, group, answer), count in counts.items()
    ]
    return CountedAnswers(rows, dict(joint))


def completed_count(round_id: int) -> int:
    return db.session.execute(
        select(func.count()).where(Response.round_id == round_id, Response.completed.is_(True))
    ).scalar_one()


def pooled_counts(
    rounds: Sequence[Round], code_to_key: Mapping[int, Mapping[str, str]]
) -> tuple[dict[str, dict[str, int]], dict[str, set[int]]]:
    """Counts per compare key pooled over `rounds`, and which municipalities contributed."""
    if not rounds:
        return {}, {}
    municipality_of = {r.id: r.municipality_code for r in rounds}
    statement = (
        select(Response.round_id, Answer.item_code, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id.in_(list(municipality_of)), Response.completed.is_(True))
        .group_by(Response.round_id, Answer.item_code, Answer.value)
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    contributors: dict[str, set[int]] = defaultdict(set)
    for round_id, code, value, count in db.session.execute(statement):
        key = code_to_key[round_id].get(code)
        if key is None:
            continue
        counts[key][value] += count
        if value != "0":  # "ved ikke" is not a valid answer and does not make a contributor
            contributors[key].add(municipality_of[round_id])
    return {k: dict(v) for k, v in counts.items()}, dict(contributors)


Codes = Collection[str]
# theme -> (its item codes, their valid values as stored)
ThemeItems = Mapping[str, tuple[Codes, Codes]]
# (round id, theme, group value; None for respondents without one or without a split)
#   -> completed respondents counted per (sum, count) of their valid answers to its items
ThemeSums = dict[tuple[int, str, str | None], dict[tuple[int, int], int]]


def theme_sums(themes_by_round: Mapping[int, ThemeItems], by: str | None = None) -> ThemeSums:
    """Per round, theme (and group of `by`), how many completed respondents had each
    (sum, count) of valid answers to the theme's items, for every round in one statement:
    one pass over the rounds' answers, however many themes, groups and rounds.

    The database adds up each respondent's answers; only counts of respondents per
    (sum, count) leave it, so a respondent's mean is sum / count exactly. A theme's
    respondents over the groups of a split add up to the round's (`round_theme_sums`)."""
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    usable = {
        round_id: {t: (codes, valid) for t, (codes, valid) in themes.items() if codes and valid}
        for round_id, themes in themes_by_round.items()
    }
    usable = {round_id: themes for round_id, themes in usable.items() if themes}
    if not usable:
        return {}
    group_column = getattr(Response, by) if by else literal(None)
    postgres = dialect_name() == "postgresql"
    counting = _counting(usable) if postgres else None
    theme = counting.c.theme if counting is not None else _theme_case(usable)
    total: ColumnElement[Any] = func.sum(cast(Answer.value, Integer))
    answers: ColumnElement[Any] = func.count()
    if counting is not None:
        # only counted answers are numbers (a comment is not)
        total, answers = total.filter(theme.is_not(None)), answers.filter(theme.is_not(None))
    counts_per_respondent = (
        select(
            Response.round_id,
            group_column.label("grp"),
            theme.label("theme"),
            total.label("total"),
            answers.label("answers"),
        )
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
    )
    if counting is not None:
        # An outer join: PostgreSQL cannot estimate how many answers an inner join to the
        # small table keeps, guesses a few thousand of millions, and hashes and sorts on disk.
        counts_per_respondent = counts_per_respondent.outerjoin(
            counting,
            (counting.c.round_id == Response.round_id)
            & (counting.c.item_code == Answer.item_code)
            & (counting.c.value == Answer.value),
        )
    per_respondent = (
        counts_per_respondent.where(
            Response.round_id.in_(list(usable)), Response.completed.is_(True)
        )
        # the round and group depend on the respondent; the theme by its name, not the
        # CASE again, which SQLite would evaluate twice per answer
        .group_by(Response.id, literal_column("theme"))
        .subquery()
    )
    statement = select(
        per_respondent.c.round_id,
        per_respondent.c.theme,
        per_respondent.c.grp,
        per_respondent.c.total,
        per_respondent.c.answers,
        func.count(),
    ).group_by(
        per_respondent.c.round_id,
        per_respondent.c.theme,
        per_respondent.c.grp,
        per_respondent.c.total,
        per_respondent.c.answers,
    )
    if postgres:
        # A hash of every respondent's themes (about 100 bytes each) instead of a sort
        # spilled to disk; for this transaction only, not for every connection.
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM_FOR_RESPONDENTS}'"))
    result: ThemeSums = {}
    for round_id, theme, group, total, answered, count in db.session.execute(statement):
        if theme is None:
            # answers that count towards no theme: not filtered in SQL, where PostgreSQL
            # would push the filter down and make the outer join an inner one again
            continue
        result.setdefault((round_id, theme, group), {})[(int(total), int(answered))] = count
    return result


def round_theme_sums(sums: ThemeSums, round_id: int, theme: str) -> dict[tuple[int, int], int]:
    """A theme's (sum, count) counts for the whole round: its groups added up."""
    total: dict[tuple[int, int], int] = {}
    for (counted_round, counted_theme, _group), counts in sums.items():
        if counted_round == round_id and counted_theme == theme:
            for key, count in counts.items():
                total[key] = total.get(key, 0) + count
    return total


def _counting(usable: Mapping[int, ThemeItems]):
    """The small table of (round, item, valid value, theme) that count towards a mean."""
    return (
        values(
            column("round_id", Integer),
            column("item_code", String),
            column("value", String),
            column("theme", String),
            name="counting",
        )
        .data(
            [
                (round_id, code, value, theme)
                for round_id, themes in usable.items()
                for theme, (codes, valid) in themes.items()
                for code in sorted(codes)
                for value in sorted(valid)
            ]
        )
        .cte("counting")
    )


def _theme_case(usable: Mapping[int, ThemeItems]) -> ColumnElement:
    """The theme an answer counts towards (None unless its value is valid), as a CASE on
    the round and the item code.

    Each database gets its fastest form: PostgreSQL hash-joins the small table of
    `_counting` (a CASE over the themes' lists cost it more than the rest of the
    comparison); SQLite would scan that table for every answer, or index every answer, so
    it evaluates this CASE instead."""

    def in_round(themes: ThemeItems) -> ColumnElement:
        return case(
            {
                code: case((Answer.value.in_(sorted(valid)), literal(theme)))
                for theme, (codes, valid) in themes.items()
                for code in sorted(codes)
            },
            value=Answer.item_code,
        )

    if len(usable) == 1:
        return in_round(next(iter(usable.values())))
    return case(*((Response.round_id == round_id, in_round(t)) for round_id, t in usable.items()))
