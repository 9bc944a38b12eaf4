"""Post-stratification for non-response: each answer weighted so that the groups count as
they do among the invited, with Kish's effective sample size and a correspondingly wider
interval.

A cell is one group of the weighting variables (e.g. a benefit group, or a benefit group
and an age band). Cells with fewer than MIN_N answers are pooled into one cell, and a pooled
cell still under MIN_N joins the largest cell: no weight rests on fewer than MIN_N answers.
Reference: Kish (1965), Survey Sampling, section 11.7 (n_eff = (sum w)^2 / sum w^2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.compare import MIN_N
from analysis.proportions import Z95
from analysis.results import WeightedShare


@dataclass(frozen=True)
class Cell:
    population: int  # invited in the cell
    n: int  # valid answers in the cell
    positive: int


def _pool(cells: Sequence[Cell]) -> Cell:
    return Cell(
        sum(c.population for c in cells), sum(c.n for c in cells), sum(c.positive for c in cells)
    )


def collapse_small(cells: Sequence[Cell]) -> list[Cell]:
    """Cells with answers under MIN_N pooled together; still under MIN_N, into the largest."""
    big = [c for c in cells if c.n >= MIN_N]
    small = [c for c in cells if c.n < MIN_N and (c.n or c.population)]
    if not small:
        return big
    pooled = _pool(small)
    if pooled.n >= MIN_N or not big:
        return [*big, pooled]
    largest = max(range(len(big)), key=lambda i: big[i].n)
    return [*big[:largest], _pool([big[largest], pooled]), *big[largest + 1 :]]


def wilson_at(share: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's interval for a share observed on an effective sample of n (not an integer)."""
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, min(share, centre - half)), min(1.0, max(share, centre + half))


def post_stratified(cells: Sequence[Cell]) -> WeightedShare | None:
    """The share with each cell weighted to its share of the invited population.

    None when fewer than MIN_N answers in all, or no invited population to weight to.
    Cells without any answer cannot carry a weight: they are left out and the population
    shares of the others renormalised (the caller names what was left out)."""
    usable = [c for c in collapse_small(cells) if c.n > 0 and c.population > 0]
    total_n = sum(c.n for c in usable)
    population = sum(c.population for c in usable)
    if total_n < MIN_N or population == 0:
        return None
    shares = [c.population / population for c in usable]
    share = sum(w * c.positive / c.n for w, c in zip(shares, usable, strict=True))
    # Each answer in cell c weighs W_c / n_c; Kish: (sum w)^2 / sum w^2 = 1 / sum W_c^2 / n_c.
    n_eff = 1 / sum(w * w / c.n for w, c in zip(shares, usable, strict=True))
    return WeightedShare(share, wilson_at(share, n_eff), n_eff)


# Why a side asked for weights has none (the SIDE's `weighted_reason`).
NO_INVITATIONS = "no_invitations"  # nobody invited to weight to (open link, imported round)
CELL_WITHOUT_ANSWERS = "cell_without_answers"  # an invited cell of the group has no answer
ONE_CELL = "one_cell"  # the group's invited are all in one cell: weighting changes nothing
TOO_FEW_ANSWERS = "too_few_invited_answers"  # under MIN_N answers through an invitation
TOO_FEW_MUNICIPALITIES = "too_few_municipalities"  # a benchmark resting on too few others
