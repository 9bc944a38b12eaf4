"""Theme means: each respondent's mean of the theme's items on one scale, averaged over
respondents, with a 95 % t interval; and a published benchmark beside it.

The database hands over counts only: how many respondents had each (sum, count) of valid
answers in the theme, so a respondent's mean is sum / count exactly. A respondent who gave
no valid answer in the theme does not count. Nothing is shown from fewer than MIN_N
respondents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

MIN_N = 5
METHOD = (
    "Mean of each respondent's mean of the theme's items (valid answers only) with a 95 % "
    "t interval over respondents"
)


@dataclass(frozen=True)
class ThemeMean:
    n: int  # respondents with at least one valid answer in the theme
    mean: float | None  # None when suppressed (n < MIN_N)
    ci: tuple[float, float] | None
    sd: float | None  # standard deviation of the respondents' means

    @property
    def suppressed(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class BenchmarkTest:
    """A published figure beside the theme mean; the test only where its SD is known."""

    source: str
    period: str
    category: str
    mean: float
    n: int
    sd: float | None
    diff: float | None  # theme mean minus the benchmark's
    p_value: float | None  # Welch's t test from summary figures; None without an SD

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "period": self.period,
            "category": self.category,
            "mean": round(self.mean, 6),
            "n": self.n,
            "sd": None if self.sd is None else round(self.sd, 6),
            "diff": None if self.diff is None else round(self.diff, 6),
            "p_value": None if self.p_value is None else round(self.p_value, 8),
        }


def theme_mean(counts: Mapping[tuple[int, int], int], confidence: float = 0.95) -> ThemeMean:
    """From {(sum of valid answers, number of valid answers): respondents}."""
    from scipy import stats  # imported late: app workers start faster without it

    pairs = [(total / count, respondents) for (total, count), respondents in counts.items()]
    if any(count <= 0 or respondents < 0 for (_, count), respondents in counts.items()):
        raise ValueError("counts of answers must be positive and respondents not negative")
    n = sum(respondents for _, respondents in pairs)
    if n < MIN_N:
        return ThemeMean(n, None, None, None)
    mean = sum(value * respondents for value, respondents in pairs) / n
    variance = sum(respondents * (value - mean) ** 2 for value, respondents in pairs) / (n - 1)
    sd = math.sqrt(variance)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return ThemeMean(n, mean, (mean - half, mean + half), sd)


def welch_p_value(
    mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int
) -> float:
    """Two-sided p of Welch's unequal-variance t test from summary figures."""
    from scipy import stats

    if n_a < 2 or n_b < 2:
        raise ValueError("each side needs at least two observations")
    var_a, var_b = sd_a**2 / n_a, sd_b**2 / n_b
    if var_a + var_b == 0:
        return 1.0 if mean_a == mean_b else 0.0
    t = (mean_a - mean_b) / math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    return float(2 * stats.t.sf(abs(t), df))


def benchmark_beside(
    mean: ThemeMean,
    source: str,
    period: str,
    category: str,
    b_mean: float,
    b_n: int,
    b_sd: float | None,
) -> BenchmarkTest:
    """The published figure, the difference to it and (with its SD) the test."""
    if mean.mean is None:
        return BenchmarkTest(source, period, category, b_mean, b_n, b_sd, None, None)
    p_value = None
    if b_sd is not None and mean.sd is not None and b_n >= 2:
        p_value = welch_p_value(mean.mean, mean.sd, mean.n, b_mean, b_sd, b_n)
    return BenchmarkTest(source, period, category, b_mean, b_n, b_sd, mean.mean - b_mean, p_value)
