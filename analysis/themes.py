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


TOO_FEW, PROTECTS_OTHER = "too_few", "protects_other"


@dataclass(frozen=True)
class GroupThemeMean:
    """A theme mean for one group of a split; no figure when suppressed (`reason` set)."""

    value: str | None  # the group's value of the background variable (None: no value)
    n: int
    mean: float | None
    ci: tuple[float, float] | None
    reason: str | None = None  # "too_few" or "protects_other" when suppressed

    @property
    def suppressed(self) -> bool:
        return self.mean is None

    @property
    def shown_n(self) -> int | None:
        """n where the mean is shown: a hidden group's n is a figure from under 5 answers,
        or one that gives a smaller group's by subtraction (analysis.results.SuppressedSide)."""
        return None if self.suppressed else self.n

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "n": self.shown_n,
            "mean": None if self.mean is None else round(self.mean, 6),
            "ci": None if self.ci is None else [round(self.ci[0], 6), round(self.ci[1], 6)],
            "suppressed": self.suppressed,
            "suppressed_reason": self.reason,
        }


@dataclass(frozen=True)
class ThemeChange:
    """The theme mean against the earlier round's: difference and Welch's t test."""

    diff: float
    p_value: float | None  # None where a side has no standard deviation (n < 2)
    test: str = "welch"

    def to_dict(self) -> dict:
        return {
            "diff": round(self.diff, 6),
            "p_value": None if self.p_value is None else round(self.p_value, 8),
            "test": self.test,
        }


def group_theme_means(
    groups: Mapping[str | None, Mapping[tuple[int, int], int]], scale: tuple[int, int]
) -> tuple[GroupThemeMean, ...]:
    """Each group's theme mean, suppressed below MIN_N respondents.

    The groups partition the round's respondents and their means are of the same items, so
    with the round's mean shown, subtraction gives the hidden groups' respondents together:
    that gives them away when they are fewer than MIN_N, or all at the scale's lowest or
    highest value (and the round's mean alone does not already say so). The smallest shown
    group is then hidden too, until it does not: the rule of the groups' shares
    (analysis.compare._suppress_complements), on respondents' means."""
    means = {value: theme_mean(counts) for value, counts in groups.items()}
    sums = {
        value: sum(total / count * k for (total, count), k in counts.items())
        for value, counts in groups.items()
    }
    n_all = sum(mean.n for mean in means.values())
    mean_all = sum(sums.values()) / n_all if n_all else None
    reasons: dict[str | None, str] = {
        value: TOO_FEW for value, mean in means.items() if mean.suppressed
    }
    while n_all >= MIN_N and mean_all is not None and mean_all not in scale:
        hidden = [value for value in reasons if means[value].n > 0]
        shown = [value for value in means if value not in reasons]
        if not hidden or not shown:
            break
        hidden_n = sum(means[value].n for value in hidden)
        hidden_mean = sum(sums[value] for value in hidden) / hidden_n
        if (
            hidden_n >= MIN_N
            and not math.isclose(hidden_mean, scale[0])
            and not math.isclose(hidden_mean, scale[1])
        ):
            break
        smallest = min(shown, key=lambda value: means[value].n)
        reasons[smallest] = PROTECTS_OTHER
    return tuple(
        GroupThemeMean(value, mean.n, None, None, reasons[value])
        if value in reasons
        else GroupThemeMean(value, mean.n, mean.mean, mean.ci)
        for value, mean in means.items()
    )


def theme_change(current: ThemeMean, previous: ThemeMean) -> ThemeChange | None:
    """Current minus earlier theme mean with Welch's two-sided t test on the respondents'
    means (Welch 1947); None when either mean is suppressed."""
    if current.mean is None or previous.mean is None:
        return None
    p_value = None
    if current.sd is not None and previous.sd is not None and min(current.n, previous.n) >= 2:
        p_value = welch_p_value(
            current.mean, current.sd, current.n, previous.mean, previous.sd, previous.n
        )
    return ThemeChange(current.mean - previous.mean, p_value)
