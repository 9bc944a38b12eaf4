"""A share over time: the points of a history and the Cochran–Armitage test for trend.

Reference: Armitage (1955), Biometrics 11:375; Agresti (2002), Categorical Data Analysis,
section 5.3.5. The slope is the least-squares slope of the shares on time, weighted by n
(the estimate the test's statistic is built on), in share per year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.compare import MIN_N
from analysis.proportions import wilson_interval
from analysis.results import _interval, _round


@dataclass(frozen=True)
class TrendPoint:
    """One round or imported history point; share and interval only from MIN_N answers."""

    round: int | None  # None for an imported history point
    period: str  # e.g. "2026H1" or "2019"
    time: float  # in years, e.g. 2026.25 for the first half of 2026
    n: int
    positive: int

    @property
    def shown(self) -> bool:
        return self.n >= MIN_N

    @property
    def shown_n(self) -> int | None:
        """n where the point is shown; a hidden point's n is a figure from under 5 answers."""
        return self.n if self.shown else None

    @property
    def share(self) -> float | None:
        return self.positive / self.n if self.shown else None

    @property
    def ci(self) -> tuple[float, float] | None:
        if not self.shown:
            return None
        interval = wilson_interval(self.positive, self.n)
        return interval.low, interval.high

    def to_dict(self) -> dict:
        return {
            "round": self.round,
            "period": self.period,
            "n": self.shown_n,
            "positive": self.positive if self.shown else None,
            "share": _round(self.share),
            "ci": _interval(self.ci),
        }


@dataclass(frozen=True)
class TrendTest:
    slope_per_year: float
    statistic: float  # the standard normal z of the test
    p_value: float
    test: str = "cochran_armitage"

    def to_dict(self) -> dict:
        return {
            "slope_per_year": _round(self.slope_per_year),
            "p_value": _round(self.p_value, 8),
            "test": self.test,
        }


def cochran_armitage(
    scores: Sequence[float], positives: Sequence[int], totals: Sequence[int]
) -> TrendTest | None:
    """Two-sided Cochran–Armitage test for a linear trend in proportions over `scores`.

    None when it cannot be computed: fewer than two distinct scores, or no variation in
    the outcome (all positive or none).
    """
    if not len(scores) == len(positives) == len(totals):
        raise ValueError("scores, positives and totals must be of equal length")
    for positive, total in zip(positives, totals, strict=True):
        if total < 0 or not 0 <= positive <= total:
            raise ValueError("counts must satisfy 0 <= positive <= n")
    big_n = sum(totals)
    if big_n == 0:
        return None
    p_bar = sum(positives) / big_n
    mean_score = sum(t * x for t, x in zip(totals, scores, strict=True)) / big_n
    spread = sum(t * (x - mean_score) ** 2 for t, x in zip(totals, scores, strict=True))
    if spread <= 0 or p_bar in (0.0, 1.0):
        return None
    statistic_t = sum(
        (x - mean_score) * (r - t * p_bar)
        for x, r, t in zip(scores, positives, totals, strict=True)
    )
    z = statistic_t / math.sqrt(p_bar * (1 - p_bar) * spread)
    p_value = math.erfc(abs(z) / math.sqrt(2))  # two-sided normal tail
    return TrendTest(slope_per_year=statistic_t / spread, statistic=z, p_value=min(1.0, p_value))


def trend_test(points: Sequence[TrendPoint]) -> TrendTest | None:
    """The test over the shown points only: no figure rests on fewer than MIN_N answers."""
    shown = [p for p in points if p.shown]
    return cochran_armitage(
        [p.time for p in shown], [p.positive for p in shown], [p.n for p in shown]
    )


def period_time(period: str) -> float:
    """A period as a point in time (years): "2026H1" is 2026.25, "2026H2" 2026.75 and a
    whole year "2019" its middle, 2019.5."""
    if len(period) == 6 and period[4] == "H" and period[5] in "12":
        return int(period[:4]) + (0.25 if period[5] == "1" else 0.75)
    if len(period) == 4 and period.isdigit():
        return int(period) + 0.5
    raise ValueError(f"not a period: {period!r}")


@dataclass(frozen=True)
class Trend:
    """An item's share over every round and imported history point, with its test."""

    item: str  # the compare key
    points: tuple[TrendPoint, ...]
    test: TrendTest | None

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "points": [point.to_dict() for point in self.points],
            "trend": self.test.to_dict() if self.test else None,
        }


def build_trend(item: str, points: Sequence[TrendPoint]) -> Trend:
    ordered = tuple(sorted(points, key=lambda p: (p.time, p.round or 0)))
    return Trend(item, ordered, trend_test(ordered))
