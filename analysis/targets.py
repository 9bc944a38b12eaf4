"""Ambition levels (ambitionsniveauer): is a target met, not met, or can we not tell?"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.compare import MIN_N
from analysis.proportions import wilson_interval
from analysis.results import ShownSide, Side, SuppressedSide

MET, NOT_MET, CANNOT_TELL, NO_DATA = "met", "not_met", "cannot_tell", "no_data"


@dataclass(frozen=True)
class TargetRow:
    """One year's line in a CFU-style table: n, share, ambition and verdict."""

    year: int
    n: int | None
    share: float | None
    ci: tuple[float, float] | None
    ambition: float | None
    verdict: str | None
    # A theme's year: how many of the theme's scale items the score rests on, of how many.
    items_used: int | None = None
    items_total: int | None = None

    def to_dict(self) -> dict:
        return {
            "year": self.year,
            "n": self.n,
            "share": self.share,
            "ci": list(self.ci) if self.ci else None,
            "ambition": self.ambition,
            "verdict": self.verdict,
            "items": [self.items_used, self.items_total] if self.items_total else None,
        }


def assess(side: Side | None, ambition: float) -> str:
    """The interval decides: met if it lies wholly at or above the ambition, not met if
    wholly below, else cannot tell; no data when suppressed or missing."""
    if not 0 <= ambition <= 1:
        raise ValueError("an ambition is a share between 0 and 1")
    if side is None or side.suppressed or side.ci is None:
        return NO_DATA
    low, high = side.ci
    if low >= ambition:
        return MET
    if high < ambition:
        return NOT_MET
    return CANNOT_TELL


def historical_side(n: int, positive: int) -> Side:
    """A figure kept as n and positive only (imported history): share and Wilson interval."""
    if n < MIN_N:
        return SuppressedSide(n)
    interval = wilson_interval(positive, n)
    return ShownSide(n, positive, positive / n, (interval.low, interval.high), None, None)


def theme_score(item_sides: list[Side]) -> Side | None:
    """A theme's score: the mean share positive of its items' shown figures.

    Its interval is the mean of the items' Wilson limits. That is the interval the mean
    would have if the items moved together perfectly, so it is never narrower than the
    truth: "met" and "not met" are safe claims, at the price of more "cannot tell". n is
    the smallest item n: at least that many answered each item. None when no item shows.
    """
    # A shown figure with an interval has a share; a suppressed one has neither.
    shown = [
        (side.n, side.share, side.ci)
        for side in item_sides
        if side.share is not None and side.ci is not None
    ]
    if not shown:
        return None
    count = len(shown)
    return ShownSide(
        n=min(n for n, _, _ in shown),
        positive=None,
        share=sum(share for _, share, _ in shown) / count,
        ci=(sum(ci[0] for _, _, ci in shown) / count, sum(ci[1] for _, _, ci in shown) / count),
        mean=None,
        mean_ci=None,
    )
