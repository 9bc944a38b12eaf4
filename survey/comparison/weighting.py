"""Weighting a round's figures for non-response: counts from the database, post-stratified
in analysis.weighting to the invited population of the same round.

Only answers through an invitation carry a benefit group and an age band; answers through
the open link (posters, kiosks) have no known group and are left out of the weighted figures
(the report names how many).

- An item's side: its round's answers, cells of benefit group × age band where every
  invited cell has answers, else benefit group alone (`weighting_for`).
- A group's side (a split by VAR): the group's own invited and answers, cells of the
  weighting variables other than VAR (a group of one benefit group is weighted by age band
  within it), benefit group × age band falling back to benefit group as for the round.
  Where an invited cell of the group has no answer, or all its invited are in one cell,
  the side says why it has no weighted share (`weighted_reason`).
- The benchmark: each other municipality's round weighted to its own invited (cells of
  round × its weighting variables), so each municipality counts as it is invited, not as
  it answered; not weighted when one of them invited nobody or fewer than three
  municipalities' invited answers remain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import func, select

from analysis.compare import SCORED_TYPES, scored_counts
from analysis.results import Comparison, GroupResult, ItemResult, ShownSide, Side
from analysis.weighting import (
    CELL_WITHOUT_ANSWERS,
    NO_INVITATIONS,
    ONE_CELL,
    TOO_FEW_ANSWERS,
    TOO_FEW_MUNICIPALITIES,
    Cell,
    post_stratified,
)
from survey.core.extensions import db
from survey.models import Answer, Invitation, Response

PRIMARY, SECONDARY = "benefit_group", "age_band"
INVITED_CHANNEL = "invitation"
MIN_BENCHMARK_MUNICIPALITIES = 3  # as the benchmark itself (comparison.service)

CellKey = tuple[str | None, ...]
Counts = Mapping[CellKey, Mapping[str, int]]


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


def _cells(population: Mapping[CellKey, int], item_type: str, counts: Counts) -> list[Cell]:
    cells = []
    for key, invited in population.items():
        n, positive = scored_counts(item_type, counts.get(key, {}))
        cells.append(Cell(invited, n, positive))
    return cells


def _with_weights(side: Side, item_type: str, population: Mapping, counts: Counts) -> Side:
    if not isinstance(side, ShownSide) or side.share is None:
        return side
    weighted = post_stratified(_cells(population, item_type, counts))
    return replace(side, weighted=weighted, weighted_reason=None if weighted else TOO_FEW_ANSWERS)


def _without_weights(side: Side | None, reason: str) -> Side | None:
    if not isinstance(side, ShownSide) or side.share is None:
        return side
    return replace(side, weighted=None, weighted_reason=reason)


Result = TypeVar("Result", ItemResult, GroupResult)


def _set_side(result: Result, role: str, side: Side | None) -> Result:
    """The item or group with its current or previous side replaced."""
    if role == "current":
        if side is None:
            raise ValueError("a current side cannot be removed")
        return replace(result, current=side)
    return replace(result, previous=side)


# --- groups of a split -----------------------------------------------------------------------


def _margin(
    counts: Mapping[CellKey, int], value: str | None, keep: Sequence[int]
) -> dict[CellKey, int]:
    """Counts keyed (group value, benefit group, age band) restricted to one group value and
    summed over all but the `keep` positions of the cell."""
    result: dict[CellKey, int] = defaultdict(int)
    for key, count in counts.items():
        if key[0] == value:
            result[tuple(key[1 + i] for i in keep)] += count
    return dict(result)


@dataclass(frozen=True)
class GroupCells:
    """The cells a group of a split is weighted by, or why it is not weighted."""

    keep: tuple[int, ...]  # positions in (benefit group, age band)
    population: dict[CellKey, int]
    reason: str | None


def group_cells(
    by: str, value: str | None, invited: Mapping[CellKey, int], answered: Mapping[CellKey, int]
) -> GroupCells:
    """The weighting variables other than `by`, both where every invited cell of the group has
    answers, else the first; `invited` and `answered` keyed (group value, benefit group, age
    band)."""
    candidates = [i for i, v in enumerate((PRIMARY, SECONDARY)) if v != by]
    options = [tuple(candidates), *([(candidates[0],)] if len(candidates) > 1 else [])]
    if not _margin(invited, value, ()):
        return GroupCells((), {}, NO_INVITATIONS)
    for keep in options:
        population = _margin(invited, value, keep)
        given = _margin(answered, value, keep)
        if any(given.get(key, 0) == 0 for key in population):
            continue
        if len(population) < 2:
            return GroupCells((), {}, ONE_CELL)
        return GroupCells(keep, population, None)
    return GroupCells((), {}, CELL_WITHOUT_ANSWERS)


def _by_group(round_id: int, by: str, codes: Sequence[str]):
    """Invited, invitation answers and item counts keyed (group, benefit group, age band)."""
    group_of = (by, PRIMARY, SECONDARY)
    invited = _invited(round_id, group_of)
    answered = _answered(round_id, group_of)
    counts = _item_counts(round_id, group_of, codes)
    return invited, answered, counts


def _weighted_group(
    group: GroupResult,
    role: str,
    item_type: str,
    cells: GroupCells,
    counts: Mapping[CellKey, Mapping[str, int]],
) -> GroupResult:
    side = getattr(group, role)
    if cells.reason is not None:
        return _set_side(group, role, _without_weights(side, cells.reason))
    summed: dict[CellKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, values in counts.items():
        if key[0] == group.value:
            for answer, count in values.items():
                summed[tuple(key[1 + i] for i in cells.keep)][answer] += count
    return _set_side(group, role, _with_weights(side, item_type, cells.population, summed))


# --- the benchmark ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkRound:
    round_id: int
    municipality: int
    codes: Mapping[str, str]  # compare key -> item code


BenchmarkCounts = dict[str, list[tuple[int, Counts, Weighting]]]


def _benchmark_weights(
    others: Sequence[BenchmarkRound], keys: Sequence[str]
) -> tuple[BenchmarkCounts, str | None]:
    """Per compare key, each other round's (municipality, counts per cell, weighting); or the
    reason none of the benchmark is weighted."""
    per_key: BenchmarkCounts = defaultdict(list)
    for other in others:
        weighting = weighting_for(other.round_id)
        if weighting is None:
            return {}, NO_INVITATIONS
        codes = [other.codes[key] for key in keys if key in other.codes]
        counts = _item_counts(other.round_id, weighting.variables, codes)
        for key in keys:
            code = other.codes.get(key)
            if code is not None:
                per_key[key].append((other.municipality, counts.get(code, {}), weighting))
    return per_key, None


def _weighted_benchmark(
    item: ItemResult, per_key: BenchmarkCounts, reason: str | None
) -> ItemResult:
    side = item.benchmark
    if not isinstance(side, ShownSide) or side.share is None:
        return item
    if reason is not None:
        return replace(item, benchmark=_without_weights(side, reason))
    cells: list[Cell] = []
    municipalities: set[int] = set()
    for municipality, counts, weighting in per_key.get(item.compare_key or item.code, []):
        own = _cells(weighting.population, item.type, counts)
        if sum(cell.n for cell in own) > 0:
            municipalities.add(municipality)
        cells += own
    if len(municipalities) < MIN_BENCHMARK_MUNICIPALITIES:
        return replace(item, benchmark=_without_weights(side, TOO_FEW_MUNICIPALITIES))
    weighted = post_stratified(cells)
    return replace(
        item,
        benchmark=replace(
            side, weighted=weighted, weighted_reason=None if weighted else TOO_FEW_ANSWERS
        ),
    )


# --- the comparison --------------------------------------------------------------------------


def weight_round_sides(
    comparison: Comparison,
    current: tuple[int, Mapping[str, str]],
    previous: tuple[int, Mapping[str, str]] | None,
    others: Sequence[BenchmarkRound] = (),
) -> tuple[Comparison, dict[str, Weighting | None]]:
    """The comparison with its current (and earlier) round's sides weighted, its groups'
    sides and its benchmark; `current` and `previous` are (round id, {compare key: item
    code}). Returns the weighting used per round ("current", "previous")."""
    used: dict[str, Weighting | None] = {}
    items: list[ItemResult] = list(comparison.items)
    by = comparison.by
    for role, pair in (("current", current), ("previous", previous)):
        if pair is None:
            continue
        round_id, codes = pair
        weighting = weighting_for(round_id)
        used[role] = weighting
        if weighting is not None:
            item_counts = _item_counts(round_id, weighting.variables, list(codes.values()))
            if by is not None:
                invited, answered, group_counts = _by_group(round_id, by, list(codes.values()))
        for index, item in enumerate(items):
            side = getattr(item, role)
            code = codes.get(item.compare_key or item.code)
            if side is None or item.type not in SCORED_TYPES or code is None:
                continue
            if weighting is None:
                item = _set_side(item, role, _without_weights(side, NO_INVITATIONS))
                item = replace(
                    item,
                    groups=tuple(
                        _set_side(g, role, _without_weights(getattr(g, role), NO_INVITATIONS))
                        for g in item.groups
                    ),
                )
            else:
                counts = item_counts.get(code, {})
                item = _set_side(
                    item, role, _with_weights(side, item.type, weighting.population, counts)
                )
                if by is not None:
                    item = replace(
                        item,
                        groups=tuple(
                            _weighted_group(
                                g,
                                role,
                                item.type,
                                group_cells(by, g.value, invited, answered),
                                group_counts.get(code, {}),
                            )
                            if getattr(g, role) is not None
                            else g
                            for g in item.groups
                        ),
                    )
            items[index] = item
    if others and any(item.benchmark is not None for item in items):
        keys = [item.compare_key or item.code for item in items if item.benchmark is not None]
        per_key, reason = _benchmark_weights(others, keys)
        items = [
            _weighted_benchmark(item, per_key, reason) if item.type in SCORED_TYPES else item
            for item in items
        ]
    return replace(comparison, items=tuple(items)), used
