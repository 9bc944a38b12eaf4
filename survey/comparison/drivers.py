"""Key drivers for one round: the joint counts of each scale item with the overall
satisfaction item, counted by the database, turned into rank correlations (analysis)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from analysis.compare import LIKERT_VALID
from analysis.drivers import Driver, driver
from analysis.results import Comparison
from survey.core.extensions import db
from survey.models import Answer, Response


def key_drivers(round_id: int, comparison: Comparison, headline: str | None) -> list[Driver]:
    """Each scale item against the overall item (the questionnaire file's `headline`),
    strongest first; empty without it."""
    overall = next((i for i in comparison.items if i.code == headline), None)
    if overall is None:
        return []
    scale = {i.code: i.text for i in comparison.items if i.type == "likert5" and i is not overall}
    item, other = aliased(Answer), aliased(Answer)
    rows = db.session.execute(
        select(item.item_code, item.value, other.value, func.count())
        .join(other, other.response_id == item.response_id)
        .join(Response, Response.id == item.response_id)
        .where(
            Response.round_id == round_id,
            Response.completed.is_(True),
            other.item_code == overall.code,
            item.item_code.in_(list(scale)),
            item.value.in_(LIKERT_VALID),  # "ved ikke" (0) is not a valid answer
            other.value.in_(LIKERT_VALID),
        )
        .group_by(item.item_code, item.value, other.value)
    )
    pairs: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for code, x, y, count in rows:
        pairs[code][(int(x), int(y))] = count
    drivers = [driver(code, text, pairs.get(code, {})) for code, text in scale.items()]
    return sorted(drivers, key=lambda d: (d.r is None, -(d.r or 0)))
