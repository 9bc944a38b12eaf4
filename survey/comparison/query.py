"""Counting in the database: one GROUP BY per comparison gives the frequency table.

Nothing here loads answer rows into Python; only aggregated counts cross the wire, so a
round of a million answers costs what a round of a hundred does once the database counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Integer, String, case, cast, column, func, literal, select, values

from analysis.frequency import FrequencyRow
from survey.core.extensions import db
from survey.models import Answer, Response, Round
from survey.models.background import BACKGROUND_VARIABLES


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
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    round_ids = list(code_to_key)
    if not round_ids:
        return []
    group_column = getattr(Response, by) if by else literal(None)
    value = (
        case((Answer.item_code.in_(list(text_codes)), literal("text")), else_=Answer.value)
        if text_codes
        else Answer.value
    )
    statement = (
        select(Response.round_id, Answer.item_code, group_column, value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id.in_(round_ids), Response.completed.is_(True))
        .group_by(Response.round_id, Answer.item_code, *([group_column] if by else []), value)
    )
    rows = []
    for round_id, code, group, value, count in db.session.execute(statement):
        key = code_to_key[round_id].get(code)
        if key is not None:
            rows.append(FrequencyRow(round_id, key, by, group, value, count))
    return rows


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


def theme_sums(
    round_id: int, themes: Mapping[str, tuple[Codes, Codes]]
) -> dict[str, dict[tuple[int, int], int]]:
    """Per theme, how many completed respondents had each (sum, count) of valid answers to
    the theme's items. `themes` maps a theme to (its item codes, the valid values).

    The database adds up each respondent's answers; only counts of respondents per
    (sum, count) leave it, so a respondent's mean is sum / count exactly. Every theme in
    one statement: one pass over the round's answers, not one per theme."""
    counted = _sum_counts(round_id, None, themes)
    return {theme: counted.get((theme, None), {}) for theme in _usable(themes)}


def group_theme_sums(
    round_id: int,
    by: str,
    themes: Mapping[str, tuple[Codes, Codes]],
    groups: Collection[str | None],
) -> dict[str, dict[str | None, dict[tuple[int, int], int]]]:
    """As `theme_sums`, per group of the background variable `by` (its `groups`): each
    group's mean is of the same items as the round's, so its respondents add up to it."""
    if by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    counted = _sum_counts(round_id, by, themes)
    return {
        theme: {value: counted.get((theme, value), {}) for value in groups}
        for theme in _usable(themes)
    }


def _usable(themes: Mapping[str, tuple[Codes, Codes]]) -> dict[str, tuple[Codes, Codes]]:
    return {theme: (codes, valid) for theme, (codes, valid) in themes.items() if codes and valid}


def _sum_counts(
    round_id: int, by: str | None, themes: Mapping[str, tuple[Codes, Codes]]
) -> dict[tuple[str, str | None], dict[tuple[int, int], int]]:
    """For each theme (and group of `by`, None without a split), respondents counted per
    (sum, count) of their valid answers to the theme's items, in one statement.

    Each valid answer finds its theme by joining a small table of the (item, value, theme)
    that count (the themes' items do not overlap); a CASE over the themes' lists was
    evaluated for every answer and cost more than the rest of the comparison on PostgreSQL.
    Then answers are summed per respondent and theme, and respondents counted per sum."""
    usable = _usable(themes)
    if not usable:
        return {}
    counting = (
        values(
            column("item_code", String),
            column("value", String),
            column("theme", String),
            name="counting",
        )
        .data(
            [
                (code, value, theme)
                for theme, (codes, valid) in usable.items()
                for code in sorted(codes)
                for value in sorted(valid)
            ]
        )
        .cte("counting")
    )
    group_column = getattr(Response, by) if by else literal(None)
    per_respondent = (
        select(
            counting.c.theme,
            group_column.label("grp"),
            func.sum(cast(Answer.value, Integer)).label("total"),
            func.count().label("answers"),
        )
        .select_from(Answer)
        .join(
            counting,
            (counting.c.item_code == Answer.item_code) & (counting.c.value == Answer.value),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id, Response.completed.is_(True))
        .group_by(Answer.response_id, counting.c.theme, *([group_column] if by else []))
        .subquery()
    )
    statement = select(
        per_respondent.c.theme,
        per_respondent.c.grp,
        per_respondent.c.total,
        per_respondent.c.answers,
        func.count(),
    ).group_by(
        per_respondent.c.theme,
        per_respondent.c.grp,
        per_respondent.c.total,
        per_respondent.c.answers,
    )
    result: dict[tuple[str, str | None], dict[tuple[int, int], int]] = {}
    for theme, group, total, answered, count in db.session.execute(statement):
        result.setdefault((theme, group), {})[(int(total), int(answered))] = int(count)
    return result
