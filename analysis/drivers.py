"""What goes with overall satisfaction: each scale item's rank correlation (Spearman) with
the overall item, from the joint counts of the two answers, with a 95 % interval.

Association, not cause. Ties (a five-point scale has many) get mid-ranks, as Spearman's
coefficient with ties is defined; the interval is Fisher's z with Bonett and Wright's
(2000, Psychometrika 65:23) standard error sqrt((1 + r^2 / 2) / (n - 3)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from analysis.compare import MIN_N
from analysis.proportions import Z95
from analysis.results import _interval, _round


@dataclass(frozen=True)
class Driver:
    code: str
    text: str
    n: int
    r: float | None  # None when suppressed (under MIN_N pairs) or without spread
    ci: tuple[float, float] | None

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "n": self.n,
            "r": _round(self.r),
            "ci": _interval(self.ci),
        }


def _midranks(totals: Mapping[int, int]) -> dict[int, float]:
    ranks, below = {}, 0
    for value in sorted(totals):
        count = totals[value]
        ranks[value] = below + (count + 1) / 2
        below += count
    return ranks


def spearman(pairs: Mapping[tuple[int, int], int]) -> tuple[int, float | None]:
    """(n, Spearman's rho) from counts of (x, y) answer pairs; rho None without spread."""
    n = sum(pairs.values())
    if n == 0:
        return 0, None
    x_totals: dict[int, int] = {}
    y_totals: dict[int, int] = {}
    for (x, y), count in pairs.items():
        x_totals[x] = x_totals.get(x, 0) + count
        y_totals[y] = y_totals.get(y, 0) + count
    x_rank, y_rank = _midranks(x_totals), _midranks(y_totals)
    mean = (n + 1) / 2  # the mean of mid-ranks is always (n + 1) / 2
    sxy = sum(c * (x_rank[x] - mean) * (y_rank[y] - mean) for (x, y), c in pairs.items())
    sxx = sum(c * (x_rank[x] - mean) ** 2 for x, c in x_totals.items())
    syy = sum(c * (y_rank[y] - mean) ** 2 for y, c in y_totals.items())
    if sxx == 0 or syy == 0:
        return n, None
    return n, sxy / math.sqrt(sxx * syy)


def driver(code: str, text: str, pairs: Mapping[tuple[int, int], int]) -> Driver:
    """One item's rank correlation with the overall item; nothing from under MIN_N pairs."""
    n, r = spearman(pairs)
    if n < MIN_N or r is None:
        return Driver(code, text, n, None, None)
    if n <= 3 or abs(r) >= 1:
        return Driver(code, text, n, r, None)
    half = Z95 * math.sqrt((1 + r * r / 2) / (n - 3))
    z = math.atanh(r)
    return Driver(code, text, n, r, (math.tanh(z - half), math.tanh(z + half)))
