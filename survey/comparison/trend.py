"""An item's history: every closed round of the municipality and every imported history
point with the same compare key, as one trend (analysis.trend)."""

from __future__ import annotations

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
    rounds = list(
        db.session.scalars(
            select(Round)
            .where(Round.municipality_code == municipality_code, Round.state == "closed")
            .order_by(Round.id)
        )
    )
    found = compare_key_of(rounds, item)
    history = list(
        db.session.scalars(
            select(HistoricalResult).where(
                HistoricalResult.municipality_code == municipality_code,
                HistoricalResult.compare_key == (found[0] if found else item),
            )
        )
    )
    if found is None and not history:
        raise ResultsError(
            f"no closed round or history of municipality {municipality_code} has the item {item}"
        )
    key, item_type = found if found else (item, "likert5")
    if item_type not in SCORED_TYPES:
        raise ResultsError(f"{item} has no share positive to follow over time")
    mapping = {r.id: code_to_key(round_definition(r)) for r in rounds}
    table = FrequencyTable(frequency_rows(mapping))
    points = [TrendPoint(None, h.period, period_time(h.period), h.n, h.positive) for h in history]
    for survey_round in rounds:
        n, positive = scored_counts(item_type, table.counts(survey_round.id, key))
        if n == 0:
            continue  # the round did not ask it
        year, half = round_period(survey_round)
        period = f"{year}H{half}"
        release_results(survey_round)
        points.append(TrendPoint(survey_round.id, period, period_time(period), n, positive))
    return build_trend(key, points)
