"""An item's history: every closed round of the municipality and every imported history
point with the same compare key, as one trend (analysis.trend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from analysis.compare import SCORED_TYPES, scored_counts
from analysis.frequency import FrequencyTable
from analysis.results import Comparison, Side, answered
from analysis.trend import Trend, TrendPoint, build_trend, period_time
from survey.comparison.query import frequency_rows
from survey.comparison.service import ResultsError, code_to_key, round_period
from survey.core.extensions import db
from survey.models import HistoricalResult, Round
from survey.rounds.definition import round_definition
from survey.rounds.lifecycle import release_results

# (round id, compare key) -> (item type, valid answers, positive answers) of the whole round
Counted = Mapping[tuple[int, str], tuple[str, int, int]]
# The items with a share to follow (positive, or yes): their comparison sides count n and
# positive as `scored_counts` does; a scale item's side counts its own valid and positive
# values, which a trend does not follow.
TREND_TYPES = ("likert5", "yesno")


def counted_by(comparison: Comparison) -> dict[tuple[int, str], tuple[str, int, int]]:
    """What a comparison already counted of its rounds, so that a trend beside it need not
    count those rounds' answers again. A side is the whole round's (the groups of a split
    summed, as the comparison's frequency table does), from the same compare keys, and its
    n and positive are `scored_counts` of the same counts. A side under 5 answers carries
    no positive count: that round is left to the database. An item the earlier round did
    not ask has no side there, as it has no answers in the database."""
    counted: dict[tuple[int, str], tuple[str, int, int]] = {}
    for item in comparison.items:
        if item.type not in TREND_TYPES or item.compare_key is None:
            continue
        sides: list[tuple[int, Side | None]] = [(comparison.round.id, item.current)]
        if comparison.against is not None:
            sides.append((comparison.against.id, item.previous))
        for round_id, side in sides:
            if side is None:
                counted[(round_id, item.compare_key)] = (item.type, 0, 0)
            elif side.positive is not None:
                counted[(round_id, item.compare_key)] = (item.type, side.n, side.positive)
            elif answered(side) == 0:
                counted[(round_id, item.compare_key)] = (item.type, 0, 0)
            elif not side.suppressed:  # a shown scored side always has its positive count
                raise ValueError(f"{item.compare_key}: a shown side without a positive count")
    return counted


def compare_key_of(rounds: list[Round], item: str) -> tuple[str, str] | None:
    """(compare key, type) of an item named by its code or compare key in any of the rounds."""
    for survey_round in rounds:
        for question in round_definition(survey_round).items:
            if item in (question.code, question.compare_key):
                return question.compare_key, question.type
    return None


def item_trend(municipality_code: int, item: str) -> Trend:
    """Raises ResultsError when the municipality has no scored item of that code. Showing a
    round's figures releases its results, as every other view of them does."""
    return item_trends(municipality_code, [item])[item]


def item_trends(
    municipality_code: int, items: Sequence[str], counted: Counted | None = None
) -> dict[str, Trend]:
    """Each item's trend (named by code or compare key), the rounds counted in one query.
    Raises ResultsError as `item_trend` does, for the first item it cannot follow.

    `counted` (from `counted_by`): what a comparison already counted; only the rounds it
    does not cover for an item are counted in the database (none, when it covers all)."""
    counted = counted or {}
    rounds = list(
        db.session.scalars(
            select(Round)
            .where(Round.municipality_code == municipality_code, Round.state == "closed")
            .order_by(Round.id)
        )
    )
    found = {item: compare_key_of(rounds, item) for item in items}
    keys = {item: (f[0] if f else item) for item, f in found.items()}
    history: dict[str, list[HistoricalResult]] = {}
    for result in db.session.scalars(
        select(HistoricalResult).where(
            HistoricalResult.municipality_code == municipality_code,
            HistoricalResult.compare_key.in_(set(keys.values())),
        )
    ):
        history.setdefault(result.compare_key, []).append(result)
    types = {}
    for item in items:
        key, known = keys[item], found[item]
        if known is None and not history.get(key):
            raise ResultsError(
                f"no closed round or history of municipality {municipality_code} has the item "
                f"{item}"
            )
        item_type = known[1] if known else "likert5"
        if item_type not in SCORED_TYPES:
            raise ResultsError(f"{item} has no share positive to follow over time")
        types[item] = item_type

    def given(round_id: int, item: str) -> tuple[int, int] | None:
        found_counts = counted.get((round_id, keys[item]))
        if found_counts is None or found_counts[0] != types[item]:
            return None
        return found_counts[1], found_counts[2]

    missing = {r.id for r in rounds for item in items if given(r.id, item) is None}
    table = FrequencyTable(
        frequency_rows({r.id: code_to_key(round_definition(r)) for r in rounds if r.id in missing})
        if missing
        else []
    )
    trends = {}
    for item in items:
        key, item_type = keys[item], types[item]
        points = [
            TrendPoint(None, h.period, period_time(h.period), h.n, h.positive)
            for h in history.get(key, [])
        ]
        for survey_round in rounds:
            known_counts = given(survey_round.id, item)
            n, positive = (
                known_counts
                if known_counts is not None
                else scored_counts(item_type, table.counts(survey_round.id, key))
            )
            if n == 0:
                continue  # the round did not ask it
            year, half = round_period(survey_round)
            period = f"{year}H{half}"
            release_results(survey_round)
            points.append(TrendPoint(survey_round.id, period, period_time(period), n, positive))
        trends[item] = build_trend(key, points)
    return trends
