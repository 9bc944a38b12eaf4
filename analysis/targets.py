"""Ambition levels (ambitionsniveauer): is a target met, not met, or can we not tell?"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.results import Side

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

    def to_dict(self) -> dict:
        return {
            "year": self.year,
            "n": self.n,
            "share": self.share,
            "ci": list(self.ci) if self.ci else None,
            "ambition": self.ambition,
            "verdict": self.verdict,
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
