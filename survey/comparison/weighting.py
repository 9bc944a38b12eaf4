"""Weighting a round's figures for non-response: counts from the database, post-stratified
in analysis.weighting to the invited population of the same round.

Only answers through an invitation carry a benefit group and an age band; answers through
the open link (posters, kiosks) have no known group and are left out of the weighted figures
(the report names how many)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from analysis.compare import SCORED_TYPES, scored_counts
from analysis.results import Comparison, ItemResult, ShownSide, Side
from analysis.weighting import Cell, post_stratified
from survey.core.extensions import db
from survey.models import Answer, Invitation, Response

PRIMARY, SECONDARY = "benefit_group", "age_band"
INVITED_CHANNEL = "invitation"

CellKey = tuple[str | None, ...]


@dataclass(frozen=True)
class Weighting:
    variables: tuple[str, ...]
    population: dict[CellKey, int]  # invited per cell
    answered: dict[CellKey, int]  # completed through an invitation per cell
    left_out: int  # completed through the open link: groups unknown

    def to_dict(self) -> dict:
        return {"variables": list(self.variables), "left_out": self.left_out}


def _invited(round_id: int, variables: Sequence[str]) -> dict[CellKey, int]:
    columns = [getattr(Invitation, v) for v in variables]
    rows = db.session.execute(
        select(*columns, func.count()).where(Invitation.round_id == round_id).group_by(*columns)
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def _answered(round_id: int, variables: Sequence[str]) -> dict[CellKey, int]:
    columns = [getattr(Response, v) for v in variables]
    rows = db.session.execute(
        select(*columns, func.count())
        .where(
            Response.round_id == round_id,
            Response.completed.is_(True),
            Response.channel == INVITED_CHANNEL,
        )
        .group_by(*columns)
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def weighting_for(round_id: int) -> Weighting | None:
    """Benefit group and age band where every invited cell has answers, else benefit group
    alone; None when the round invited nobody (an open-link or imported round)."""
    population = _invited(round_id, (PRIMARY, SECONDARY))
    if not population:
        return None
    answered = _answered(round_id, (PRIMARY, SECONDARY))
    variables: tuple[str, ...] = (PRIMARY, SECONDARY)
    if any(answered.get(key, 0) == 0 for key in population):
        variables = (PRIMARY,)
        population = _invited(round_id, variables)
        answered = _answered(round_id, variables)
    left_out = db.session.execute(
        select(func.count()).where(
            Response.round_id == round_id,
            Response.completed.is_(True),
            Response.channel != INVITED_CHANNEL,
        )
    ).scalar_one()
    return Weighting(variables, population, answered, left_out)


def _item_counts(
    round_id: int, variables: Sequence[str], codes: Sequence[str]
) -> dict[str, dict[CellKey, dict[str, int]]]:
    """Answer counts per item code, cell and value, invitation answers only."""
    columns = [getattr(Response, v) for v in variables]
    rows = db.session.execute(
        select(Answer.item_code, *columns, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.round_id == round_id,
            Response.completed.is_(True),
            Response.channel == INVITED_CHANNEL,
            Answer.item_code.in_(list(codes)),
        )
        .group_by(Answer.item_code, *columns, Answer.value)
    )
    counts: dict[str, dict[CellKey, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for row in rows:
        code, key, value, count = row[0], tuple(row[1:-2]), row[-2], row[-1]
        counts[code][key][value] += count
    return counts


def _weighted(side: Side, item_type: str, weighting: Weighting, counts: Mapping) -> Side:
    if not isinstance(side, ShownSide) or side.share is None:
        return side
    cells = []
    for key, invited in weighting.population.items():
        n, positive = scored_counts(item_type, counts.get(key, {}))
        cells.append(Cell(invited, n, positive))
    return replace(side, weighted=post_stratified(cells))


def weight_round_sides(
    comparison: Comparison,
    current: tuple[int, Mapping[str, str]],
    previous: tuple[int, Mapping[str, str]] | None,
) -> tuple[Comparison, dict[str, Weighting | None]]:
    """The comparison with its current (and earlier) round's sides weighted; `current` and
    `previous` are (round id, {compare key: item code}). Returns the weighting used per
    round ("current", "previous")."""
    used: dict[str, Weighting | None] = {}
    items: list[ItemResult] = list(comparison.items)
    for role, pair in (("current", current), ("previous", previous)):
        if pair is None:
            continue
        round_id, codes = pair
        weighting = weighting_for(round_id)
        used[role] = weighting
        if weighting is None:
            continue
        counts = _item_counts(round_id, weighting.variables, list(codes.values()))
        for index, item in enumerate(items):
            side = getattr(item, role)
            code = codes.get(item.compare_key or item.code)
            if side is None or item.type not in SCORED_TYPES or code is None:
                continue
            weighted = _weighted(side, item.type, weighting, counts.get(code, {}))
            if role == "current":
                items[index] = replace(item, current=weighted)
            else:
                items[index] = replace(item, previous=weighted)
    return replace(comparison, items=tuple(items)), used
