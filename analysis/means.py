"""The mean score of a scale item with a t interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MeanResult:
    mean: float
    low: float | None  # None when n < 2: no spread to estimate
    high: float | None
    n: int


def mean_t_interval(counts: Mapping[int, int], confidence: float = 0.95) -> MeanResult:
    """Mean of values weighted by counts, with a two-sided t interval (n - 1 df)."""
    from scipy import special  # imported late: app workers start faster without it

    if any(c < 0 for c in counts.values()):
        raise ValueError("counts must not be negative")
    n = sum(counts.values())
    if n == 0:
        raise ValueError("a mean needs at least one value")
    mean = sum(value * count for value, count in counts.items()) / n
    if n < 2:
        return MeanResult(mean, None, None, n)
    variance = sum(count * (value - mean) ** 2 for value, count in counts.items()) / (n - 1)
    # the t quantile's own function: stats.t.ppf checks its arguments at ten times the cost
    half = float(special.stdtrit(n - 1, 0.5 + confidence / 2)) * math.sqrt(variance / n)
    return MeanResult(mean, mean - half, mean + half, n)
