"""Typed, frozen results of a comparison; `to_dict` gives the JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from analysis.themes import BenchmarkTest


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


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

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "positive": self.positive,
            "share": _round(self.share),
            "ci": [_round(self.ci[0]), _round(self.ci[1])] if self.ci else None,
            "mean": _round(self.mean),
            "suppressed": False,
        }


@dataclass(frozen=True)
class SuppressedSide:
    """A figure that may not be shown: fewer than 5 valid answers, or hidden so that another
    group cannot be recovered by subtraction. It carries no figures at all: its numbers are
    typed None and cannot be given, so no code can read a suppressed figure as a number."""

    n: int
    positive: None = field(default=None, init=False)
    share: None = field(default=None, init=False)
    ci: None = field(default=None, init=False)
    mean: None = field(default=None, init=False)
    mean_ci: None = field(default=None, init=False)
    suppressed: Literal[True] = field(default=True, init=False)

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "positive": None,
            "share": None,
            "ci": None,
            "mean": None,
            "suppressed": True,
        }


Side = ShownSide | SuppressedSide


@dataclass(frozen=True)
class Change:
    diff: float
    ci: tuple[float, float]
    p_value: float
    p_adjusted: float
    test: str
    significant: bool

    def to_dict(self) -> dict:
        return {
            "diff": _round(self.diff),
            "ci": [_round(self.ci[0]), _round(self.ci[1])],
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

    def to_dict(self) -> dict:
        return {
            "variable": self.variable,
            "value": self.value,
            "current": self.current.to_dict(),
            "previous": self.previous.to_dict() if self.previous else None,
            "change": self.change.to_dict() if self.change else None,
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
            "benchmark": self.benchmark.to_dict() if self.benchmark else None,
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
    benchmark: BenchmarkTest | None = None

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

    def to_dict(self) -> dict:
        return {
            "round": self.round.to_dict(),
            "against": self.against.to_dict() if self.against else None,
            "by": self.by,
            "items": [item.to_dict() for item in self.items],
            "themes": [theme.to_dict() for theme in self.themes],
        }
