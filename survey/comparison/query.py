"""Counting in the database: a comparison is one pass over its rounds' answers, a GROUP BY
giving the frequency table with the key drivers' joint counts (`counted_answers`), and
one over the respondents' kept theme sums giving every theme mean's respondents
(`theme_sums`; survey.comparison.summaries keeps them).

Nothing here loads answer rows into Python; only aggregated counts cross the wire, so a
round of a million answers costs what a round of a hundred does once the database counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
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

from analysis.compare import LIKERT_VALID
from analysis.frequency import FrequencyRow
from survey.core.database import dialect_name
from survey.core.extensions import db
from survey.models import Answer, AnswerTally, RespondentThemeSum, Response, Round
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
    paired_round: int | None = None,
    tallied: Mapping[int, Collection[str]] | None = None,
) -> CountedAnswers:
    """`frequency_rows`, and with `paired_round` in the same pass the joint counts of each
    item's valid answers with the same respondent's valid headline answer in that round,
    for the key drivers.

    The headline answer is the one kept on each response of a summarised round
    (survey.comparison.summaries): counting by it costs one more column of the rows
    already read, where pairing the answers themselves needed a join of the answers to
    themselves.

    `tallied` gives, per round whose answers are kept counted (survey.comparison.tallies),
    the items its tally counts as free text: when every round's are the items counted as
    free text here, the counts are added up from the tallies, not counted again."""
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    round_ids = list(code_to_key)
    if not round_ids:
        return CountedAnswers([], {})
    if tallied is not None and all(
        round_id in tallied and set(tallied[round_id]) & set(codes) == set(text_codes) & set(codes)
        for round_id, codes in code_to_key.items()
    ):
        counted = _tallied_counts(round_ids, by, paired_round is not None)
    else:
        counted = _counted_from_answers(round_ids, by, text_codes, paired_round is not None)
    return _keyed(counted, code_to_key, by, paired_round)


def _keyed(
    counted: Sequence[Any],
    code_to_key: Mapping[int, Mapping[str, str]],
    by: str | None,
    paired_round: int | None,
) -> CountedAnswers:
    counts: dict[tuple, int] = defaultdict(int)
    joint: JointCounts = defaultdict(dict)
    for round_id, code, group, answer, paired, count in counted:
        key = code_to_key[round_id].get(code)
        if key is None:
            continue
        counts[(round_id, key, group, answer)] += count
        if round_id == paired_round and paired in LIKERT_VALID and answer in LIKERT_VALID:
            pair = (int(answer), int(paired))
            joint[code][pair] = joint[code].get(pair, 0) + count
    rows = [
        FrequencyRow(round_id, key, by, group, answer, count)
        for (round_id, key, group, answer), count in counts.items()
    ]
    return CountedAnswers(rows, dict(joint))


def _counted_from_answers(
    round_ids: list[int], by: str | None, text_codes: Collection[str], paired: bool
) -> Sequence[Any]:
    """(round, item, group, value, headline answer, answers) of the rounds' completed
    answers, a free-text item's counted as "text"."""
    group_column = getattr(Response, by) if by else literal(None)
    value = (
        case((Answer.item_code.in_(list(text_codes)), literal("text")), else_=Answer.value)
        if text_codes
        else Answer.value
    )
    headline_value: Any = Response.headline_value if paired else literal(None)
    statement = (
        # Respondents first: SQLite then walks each respondent's answers by the primary key.
        select(Response.round_id)
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .add_columns(Answer.item_code, group_column, value, headline_value, func.count())
        .where(Response.round_id.in_(round_ids), Response.completed.is_(True))
        .group_by(
            Response.round_id,
            Answer.item_code,
            *([group_column] if by else []),
            value,
            *([headline_value] if paired else []),
        )
    )
    with planned_for_counting(**HASHED_GROUPS):
        return db.session.execute(statement).all()


def _tallied_counts(round_ids: list[int], by: str | None, paired: bool) -> Sequence[Any]:
    """The same rows as `_counted_from_answers`, added up from the rounds' tallies: the
    rows of the variable split by (of any one without a split: every respondent is in one
    of its groups), over the tally's batches."""
    group: Any = AnswerTally.grp if by else literal(None)
    headline: Any = AnswerTally.headline_value if paired else literal(None)
    statement = (
        select(
            AnswerTally.round_id,
            AnswerTally.item_code,
            group,
            AnswerTally.value,
            headline,
            func.sum(AnswerTally.n),
        )
        .where(
            AnswerTally.round_id.in_(round_ids),
            AnswerTally.variable == (by or BACKGROUND_VARIABLES[0]),
        )
        .group_by(
            AnswerTally.round_id,
            AnswerTally.item_code,
            *([group] if by else []),
            AnswerTally.value,
            *([headline] if paired else []),
        )
    )
    return [(*row[:5], int(row[5])) for row in db.session.execute(statement)]


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


def theme_sums(
    themes_by_round: Mapping[int, ThemeItems],
    by: str | None = None,
    summarised: Mapping[int, ThemeItems] | None = None,
) -> ThemeSums:
    """Per round, theme (and group of `by`), how many completed respondents had each
    (sum, count) of valid answers to the theme's items.

    A theme whose mean is of exactly the items `summarised` holds for its round (every
    completed respondent's sums kept by survey.comparison.summaries) is counted from
    those kept sums: a pass over a row per respondent and theme. Any other (an item hidden
    under 5 answers, an earlier round's mean of the items both rounds asked) is added up
    from the answers, every such theme of every round in one statement.

    Only counts of respondents per (sum, count) leave the database, so a respondent's
    mean is sum / count exactly. A theme's respondents over the groups of a split add up
    to the round's (`round_theme_sums`)."""
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise ValueError(f"unknown background variable: {by}")
    kept = summarised or {}
    from_kept: dict[int, set[str]] = {}
    from_answers: dict[int, dict[str, tuple[Codes, Codes]]] = {}
    for round_id, themes in themes_by_round.items():
        for theme, (codes, valid) in themes.items():
            if not (codes and valid):
                continue
            if _same_items((codes, valid), kept.get(round_id, {}).get(theme)):
                from_kept.setdefault(round_id, set()).add(theme)
            else:
                from_answers.setdefault(round_id, {})[theme] = (codes, valid)
    result: ThemeSums = {}
    if from_kept:
        result.update(_kept_theme_sums(from_kept, by))
    if from_answers:
        result.update(_added_theme_sums(from_answers, by))
    return result


def _same_items(items: tuple[Codes, Codes], kept: tuple[Codes, Codes] | None) -> bool:
    return kept is not None and all(set(a) == set(b) for a, b in zip(items, kept, strict=True))


def _kept_theme_sums(themes_by_round: Mapping[int, Collection[str]], by: str | None) -> ThemeSums:
    # the kept rows carry the round and background: no join to the responses
    group_column = getattr(RespondentThemeSum, by) if by else literal(None)
    statement = (
        select(
            RespondentThemeSum.round_id,
            RespondentThemeSum.theme,
            group_column,
            RespondentThemeSum.total,
            RespondentThemeSum.answers,
            func.count(),
        )
        .where(RespondentThemeSum.round_id.in_(list(themes_by_round)))
        .group_by(
            RespondentThemeSum.round_id,
            RespondentThemeSum.theme,
            *([group_column] if by else []),
            RespondentThemeSum.total,
            RespondentThemeSum.answers,
        )
    )
    result: ThemeSums = {}
    for round_id, theme, group, total, answered, count in db.session.execute(statement):
        if theme in themes_by_round.get(round_id, ()):
            result.setdefault((round_id, theme, group), {})[(int(total), int(answered))] = count
    return result


def respondent_sums(
    themes_by_round: Mapping[int, ThemeItems],
    *criteria: ColumnElement[bool],
    by: str | None = None,
    counted_themes_only: bool = False,
) -> Select:
    """Per completed respondent of the rounds (and `criteria` on the response) and theme:
    the sum and count of the respondent's valid answers to the theme's items, with the
    response's id, round, group of `by` (None without) and background. Answers that count
    towards no theme come out under the theme None, for the caller to leave out (see
    below), unless `counted_themes_only`."""
    group_column = getattr(Response, by) if by else literal(None)
    postgres = dialect_name() == "postgresql"
    # PostgreSQL's fastest form (`_counting`) cannot leave out the theme None in SQL: the
    # CASE can, at some cost per answer.
    counting = _counting(themes_by_round) if postgres and not counted_themes_only else None
    theme = counting.c.theme if counting is not None else _theme_case(themes_by_round)
    total: ColumnElement[Any] = func.sum(cast(Answer.value, Integer))
    answers: ColumnElement[Any] = func.count()
    if counting is not None:
        # only counted answers are numbers (a comment is not)
        total, answers = total.filter(theme.is_not(None)), answers.filter(theme.is_not(None))
    statement = (
        select(
            Response.id.label("response_id"),
            Response.round_id,
            group_column.label("grp"),
            theme.label("theme"),
            total.label("total"),
            answers.label("answers"),
            *(getattr(Response, variable) for variable in BACKGROUND_VARIABLES),
        )
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
    )
    if counting is not None:
        # An outer join: PostgreSQL cannot estimate how many answers an inner join to the
        # small table keeps, guesses a few thousand of millions, and hashes and sorts on disk.
        statement = statement.outerjoin(
            counting,
            (counting.c.round_id == Response.round_id)
            & (counting.c.item_code == Answer.item_code)
            & (counting.c.value == Answer.value),
        )
    if counted_themes_only:
        criteria = (*criteria, theme.is_not(None))
    return (
        statement.where(
            Response.round_id.in_(list(themes_by_round)),
            Response.completed.is_(True),
            *criteria,
        )
        # the round and group depend on the respondent; the theme by its name, not the
        # CASE again, which SQLite would evaluate twice per answer
        .group_by(Response.id, literal_column("theme"))
    )


@contextmanager
def planned_for_counting(**settings: str) -> Iterator[None]:
    """PostgreSQL planner settings for the counting statements run inside, then the
    connection's own again (a failed statement's transaction is rolled back, which undoes
    them too). Nothing on SQLite.

    The frequency pass runs with `enable_sort=off`: PostgreSQL estimates a GROUP BY's
    groups as the product of its columns' distinct values, blind to the CASE that folds
    the comments into one value, so with the headline answer it expected ten times the
    groups there are (170,400 for 18,000) and sorted instead of hashing. Measured at
    10,000 and 100,000 responses beside the bare GROUP BY (which hashes): 0.49 and 1.0-1.25
    s as planned, 0.14 and 0.97-1.0 s hashing; more `work_mem` instead made it hash
    without parallel workers at 100,000 (1.34-1.38 s). Adding up respondents' answers
    gets `work_mem` for a hash of every respondent's themes (about 100 bytes each)
    instead of a sort spilled to disk."""
    if dialect_name() != "postgresql":
        yield
        return
    for name, value in settings.items():
        db.session.execute(text(f"SET LOCAL {name} = '{value}'"))
    yield
    for name in settings:
        db.session.execute(text(f"RESET {name}"))


ROOM_FOR_RESPONDENTS = {"work_mem": "128MB"}
HASHED_GROUPS = {"enable_sort": "off"}


def _added_theme_sums(themes_by_round: Mapping[int, ThemeItems], by: str | None) -> ThemeSums:
    per_respondent = respondent_sums(themes_by_round, by=by).subquery()
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
    with planned_for_counting(**ROOM_FOR_RESPONDENTS):
        counted = db.session.execute(statement).all()
    result: ThemeSums = {}
    for round_id, theme, group, total, answered, count in counted:
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
