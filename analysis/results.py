"""Typed, frozen results of a comparison; `to_dict` gives the JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from analysis.drivers import Driver

from analysis.themes import BenchmarkTest, GroupThemeMean, ThemeChange, ThemeMean


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _interval(interval: tuple[float, float] | None) -> list[float | None] | None:
    return [_round(interval[0]), _round(interval[1])] if interval else None


UNCERTAIN_BELOW = 30  # a share from fewer valid answers is marked "usikkert" (uncertain)
TOO_FEW, PROTECTS_OTHER = "too_few", "protects_other"


@dataclass(frozen=True)
class WeightedShare:
    """A share post-stratified to the invited population, with Kish's effective n and the
    Wilson interval at that n (wider than the unweighted one when the weights vary)."""

    share: float
    ci: tuple[float, float]
    n_eff: float

    def to_dict(self) -> dict:
        return {
            "share": _round(self.share),
            "ci": _interval(self.ci),
            "n_eff": _round(self.n_eff, 2),
        }


@dataclass(frozen=True)
class ShownSide:
    """One round's figure for one item (and group): n valid, share positive, mean.

    Choice and free-text items have n only (they have no "positive").
    """

    n: int
    positive: int | None
    share: float | None
    ci: tuple[float, float] | None
    mean: float | None
    mean_ci: tuple[float, float] | None
    suppressed: Literal[False] = False
    weighted: WeightedShare | None = None
    # Why a weighted share was asked for and not given (analysis.weighting's reason keys).
    weighted_reason: str | None = None

    @property
    def uncertain(self) -> bool:
        """A share from fewer than 30 valid answers: its interval is wide, read it as such."""
        return self.share is not None and self.n < UNCERTAIN_BELOW

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "positive": self.positive,
            "share": _round(self.share),
            "ci": _interval(self.ci),
            "mean": _round(self.mean),
            "mean_ci": _interval(self.mean_ci),
            "suppressed": False,
            "suppressed_reason": None,
            "uncertain": self.uncertain,
            "weighted": self.weighted.to_dict() if self.weighted else None,
            "weighted_reason": self.weighted_reason,
        }


@dataclass(frozen=True)
class SuppressedSide:
    """A figure that may not be shown: fewer than 5 valid answers, or hidden so that another
    group cannot be recovered by subtraction. It carries no figures at all: its numbers are
    typed None and cannot be given, so no code can read a suppressed figure as a number.

    `reason`: "too_few" (fewer than 5 valid answers) or "protects_other" (enough answers,
    hidden so that a smaller group cannot be worked out by subtraction).

    Its n is None too. How many answered is a figure from fewer than 5 answers when the
    reason is too_few ("jobafklaring: n=1" says that one person on jobafklaring answered),
    and with the other groups' n beside the total's it is found by subtraction whatever
    the reason. `answered` holds it for the secondary suppression (analysis.compare) and
    for sums of several groups, never for showing."""

    answered: int
    reason: str = field(default=TOO_FEW, kw_only=True)  # never positional: no figure by mistake
    positive: None = field(default=None, init=False)
    share: None = field(default=None, init=False)
    ci: None = field(default=None, init=False)
    mean: None = field(default=None, init=False)
    mean_ci: None = field(default=None, init=False)
    suppressed: Literal[True] = field(default=True, init=False)
    weighted: None = field(default=None, init=False)
    weighted_reason: None = field(default=None, init=False)
    uncertain: Literal[False] = field(default=False, init=False)
    n: None = field(default=None, init=False)

    def to_dict(self) -> dict:
        return {
            "n": None,
            "positive": None,
            "share": None,
            "ci": None,
            "mean": None,
            "mean_ci": None,
            "suppressed": True,
            "suppressed_reason": self.reason,
            "uncertain": False,
            "weighted": None,
            "weighted_reason": None,
        }


Side = ShownSide | SuppressedSide


def answered(side: Side) -> int:
    """How many gave a valid answer, hidden or not: for sums and the suppression's own
    choices, never to be shown for a suppressed side."""
    return side.answered if isinstance(side, SuppressedSide) else side.n


@dataclass(frozen=True)
class Change:
    """A difference of two shares. `ci` is Newcombe's 95 % interval without correction;
    `ci_adjusted` the same interval at the level Holm's correction tested this change at
    (analysis.proportions.holm_levels), so it excludes zero when `significant` is true,
    except where the interval and the test differ by construction at the boundary."""

    diff: float
    ci: tuple[float, float]
    p_value: float
    p_adjusted: float
    test: str
    significant: bool
    ci_adjusted: tuple[float, float] | None = None
    level: float | None = None  # the confidence level of ci_adjusted, e.g. 0.9975

    @property
    def disagrees(self) -> bool:
        """True where the adjusted interval and the verdict of the test do not agree (the
        interval is a score interval, the test chi-square or Fisher: they differ at the edge)."""
        if self.ci_adjusted is None:
            return False
        excludes_zero = self.ci_adjusted[0] > 0 or self.ci_adjusted[1] < 0
        return excludes_zero != self.significant

    def to_dict(self) -> dict:
        return {
            "diff": _round(self.diff),
            "ci": _interval(self.ci),
            "ci_adjusted": _interval(self.ci_adjusted),
            "level": _round(self.level, 8),
            "p_value": _round(self.p_value, 8),
            "p_adjusted": _round(self.p_adjusted, 8),
            "test": self.test,
            "significant": self.significant,
        }


@dataclass(frozen=True)
class OptionShare:
    value: str
    label: str
    count: int | None  # None when suppressed
    share: float | None

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "label": self.label,
            "count": self.count,
            "share": _round(self.share),
        }


@dataclass(frozen=True)
class GroupResult:
    variable: str
    value: str | None
    current: Side
    previous: Side | None
    change: Change | None
    vs_rest: Change | None = None  # this group against all other answers of the round

    def to_dict(self) -> dict:
        return {
            "variable": self.variable,
            "value": self.value,
            "current": self.current.to_dict(),
            "previous": self.previous.to_dict() if self.previous else None,
            "change": self.change.to_dict() if self.change else None,
            "vs_rest": self.vs_rest.to_dict() if self.vs_rest else None,
        }


@dataclass(frozen=True)
class ItemResult:
    code: str
    text: str
    theme: str
    type: str
    current: Side
    previous: Side | None
    change: Change | None
    groups: tuple[GroupResult, ...] = ()
    benchmark: Side | None = None
    distribution: tuple[OptionShare, ...] = ()
    wording_changed: bool = False
    source: str = "core"
    compare_key: str | None = None
    vs_benchmark: Change | None = None  # own municipality against the pooled others

    def benchmark_dict(self) -> dict | None:
        if self.benchmark is None:
            return None
        return {
            **self.benchmark.to_dict(),
            "vs_benchmark": self.vs_benchmark.to_dict() if self.vs_benchmark else None,
        }

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "compare_key": self.compare_key or self.code,
            "text": self.text,
            "theme": self.theme,
            "type": self.type,
            "source": self.source,
            "current": self.current.to_dict(),
            "previous": self.previous.to_dict() if self.previous else None,
            "change": self.change.to_dict() if self.change else None,
            "groups": [group.to_dict() for group in self.groups],
            "benchmark": self.benchmark_dict(),
            "distribution": [option.to_dict() for option in self.distribution],
            "wording_changed": self.wording_changed,
        }


@dataclass(frozen=True)
class ThemeScore:
    """Mean of the theme's item shares, listing the items it was computed from; and the
    theme mean on its scale (analysis.themes), with a published benchmark beside it."""

    theme: str
    score: float | None
    items: tuple[str, ...]
    title: str = ""
    mean: float | None = None  # None when suppressed or the theme has no scale with a mean
    ci: tuple[float, float] | None = None
    n: int = 0  # respondents with a valid answer in the theme
    scale: tuple[int, int] | None = None  # lowest and highest valid value of its scale
    mean_items: tuple[str, ...] = ()
    method: str = ""
    sd: float | None = None  # of the respondents' means (for the test against another mean)
    benchmark: BenchmarkTest | None = None
    # the earlier round's mean from the items both rounds asked (by compare key), and the
    # change only where the two means are of the same items
    previous: ThemeMean | None = None
    previous_items: tuple[str, ...] = ()
    change: ThemeChange | None = None
    groups: tuple[GroupThemeMean, ...] = ()  # per group of a split (--by)

    def previous_dict(self) -> dict | None:
        if self.previous is None:
            return None
        return {
            "mean": _round(self.previous.mean),
            "ci": _interval(self.previous.ci),
            "n": self.previous.n,
            "mean_items": list(self.previous_items),
        }

    def to_dict(self) -> dict:
        return {
            "key": self.theme,
            "title": self.title,
            "mean": _round(self.mean),
            "ci": [_round(self.ci[0]), _round(self.ci[1])] if self.ci else None,
            "n": self.n,
            "scale": {"min": self.scale[0], "max": self.scale[1]} if self.scale else None,
            "mean_items": list(self.mean_items),
            "method": self.method,
            "share": _round(self.score),
            "benchmark": self.benchmark.to_dict() if self.benchmark else None,
            "theme": self.theme,
            "score": _round(self.score),
            "items": list(self.items),
            "previous": self.previous_dict(),
            "change": self.change.to_dict() if self.change else None,
            "groups": [group.to_dict() for group in self.groups],
        }


@dataclass(frozen=True)
class RoundInfo:
    id: int
    title: str
    completed: int

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "completed": self.completed}


@dataclass(frozen=True)
class Comparison:
    round: RoundInfo
    against: RoundInfo | None
    by: str | None
    items: tuple[ItemResult, ...]
    themes: tuple[ThemeScore, ...] = field(default=())
    # With --weighted: per round ("current", "previous") the weighting variables and the
    # open-link answers left out; None when not asked for.
    weighting: dict | None = None
    # Each scale item's rank correlation with overall satisfaction (analysis.drivers).
    drivers: tuple[Driver, ...] = ()

    def to_dict(self) -> dict:
        return {
            "round": self.round.to_dict(),
            "against": self.against.to_dict() if self.against else None,
            "by": self.by,
            "items": [item.to_dict() for item in self.items],
            "themes": [theme.to_dict() for theme in self.themes],
            "weighting": self.weighting,
            "drivers": [driver.to_dict() for driver in self.drivers],
        }
