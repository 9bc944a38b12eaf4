"""Counting in the database: one GROUP BY per comparison gives the frequency table.

Nothing here loads answer rows into Python; only aggregated counts cross the wire, so a
round of a million answers costs what a round of a hundred does once the database counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Integer, and_, case, cast, func, literal, null, select

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
    counted = _sum_counts(round_id, None, {(theme, None): cells for theme, cells in themes.items()})
    return {
        theme: counted.get((theme, None), {})
        for theme, (codes, valid) in themes.items()
        if codes and valid
    }


def group_theme_sums(
    round_id: int,
    by: str,
    themes: Mapping[str, Mapping[str | None, tuple[Codes, Codes]]],
) -> dict[str, dict[str | None, dict[tuple[int, int], int]]]:
    """As `theme_sums`, per group of the background variable `by`: `themes` maps a theme
    to {group value: (the item codes counted in that group, the valid values)}."""
    if by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    counted = _sum_counts(
        round_id,
        by,
        {
            (theme, value): cells
            for theme, groups in themes.items()
            for value, cells in groups.items()
        },
    )
    return {
        theme: {value: counted.get((theme, value), {}) for value in groups}
        for theme, groups in themes.items()
    }


def _sum_counts(
    round_id: int, by: str | None, cells: Mapping[tuple[str, str | None], tuple[Codes, Codes]]
) -> dict[tuple[str, str | None], dict[tuple[int, int], int]]:
    """For each (theme, group value) of `cells` (group None without a split), respondents
    counted per (sum, count) of their valid answers to the cell's items, in one statement.

    Each answer is first given the theme it counts for (a CASE over the cells: the themes'
    items do not overlap, and a group's respondents are only in their group), then summed
    per respondent and theme, then respondents counted per sum and count."""
    wanted = {cell: (codes, valid) for cell, (codes, valid) in cells.items() if codes and valid}
    if not wanted:
        return {}
    group_column = getattr(Response, by) if by else None
    whens = []
    for (theme, value), (codes, valid) in wanted.items():
        conditions = [Answer.item_code.in_(sorted(codes)), Answer.value.in_(sorted(valid))]
        if group_column is not None:
            conditions.append(group_column.is_(None) if value is None else group_column == value)
        whens.append((and_(*conditions), literal(theme)))
    answers = (
        select(
            Answer.response_id,
            case(*whens, else_=null()).label("theme"),
            (group_column if group_column is not None else literal(None)).label("grp"),
            Answer.value,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.round_id == round_id,
            Response.completed.is_(True),
            Answer.item_code.in_(sorted({code for codes, _ in wanted.values() for code in codes})),
        )
        .subquery()
    )
    per_respondent = (
        select(
            answers.c.theme,
            answers.c.grp,
            func.sum(cast(answers.c.value, Integer)).label("total"),
            func.count().label("answers"),
        )
        .where(answers.c.theme.is_not(None))
        .group_by(answers.c.response_id, answers.c.theme, answers.c.grp)
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
