"""An item's history: every closed round of the municipality and every imported history
point with the same compare key, as one trend (analysis.trend)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from analysis.compare import SCORED_TYPES, scored_counts
from analysis.frequency import FrequencyTable
from analysis.trend import Trend, TrendPoint, build_trend, period_time
from survey.comparison.query import frequency_rows
from survey.comparison.service import ResultsError, code_to_key, round_period
from survey.core.extensions import db
from survey.models import HistoricalResult, Round
from survey.rounds.definition import round_definition
from survey.rounds.lifecycle import release_results


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


def item_trends(municipality_code: int, items: Sequence[str]) -> dict[str, Trend]:
    """Each item's trend (named by code or compare key), the rounds counted in one query.
    Raises ResultsError as `item_trend` does, for the first item it cannot follow."""
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
    table: FrequencyTable | None = None
    trends = {}
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
        if table is None:
            mapping = {r.id: code_to_key(round_definition(r)) for r in rounds}
            table = FrequencyTable(frequency_rows(mapping))
        points = [
            TrendPoint(None, h.period, period_time(h.period), h.n, h.positive)
            for h in history.get(key, [])
        ]
        for survey_round in rounds:
            n, positive = scored_counts(item_type, table.counts(survey_round.id, key))
            if n == 0:
                continue  # the round did not ask it
            year, half = round_period(survey_round)
            period = f"{year}H{half}"
            release_results(survey_round)
            points.append(TrendPoint(survey_round.id, period, period_time(period), n, positive))
        trends[item] = build_trend(key, points)
    return trends
