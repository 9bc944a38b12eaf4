"""The published tables as CSV rows: the figures of the public page, and nothing more."""

from __future__ import annotations

from analysis.compare import MIN_N
from analysis.results import Comparison
from survey.reporting.exports import csv_line

HEADER = [
    "theme",
    "code",
    "question",
    "n",
    "share_positive",
    "ci_low",
    "ci_high",
    "mean",
    "n_before",
    "share_positive_before",
    "change",
]


def _figures(side) -> list[object]:
    # A suppressed side has no figures at all (typed None): the cells stay empty.
    if side is None or side.suppressed or side.share is None:
        return [None, None, None, None]
    return [round(side.share, 4), round(side.ci[0], 4), round(side.ci[1], 4), _mean(side)]


def _n(side) -> int | None:
    """A public table gives no count under 5 either: "3 answered" is itself a small figure."""
    if side is None or side.n is None:  # a hidden side gives no n (analysis.results)
        return None
    return side.n if side.n >= MIN_N else None


def _mean(side) -> float | None:
    return round(side.mean, 2) if side.mean is not None else None


def table_rows(comparison: Comparison) -> list[list[object]]:
    rows: list[list[object]] = [list(HEADER)]
    for item in comparison.items:
        if item.type not in ("likert5", "yesno"):
            continue
        previous = item.previous
        rows.append(
            [
                item.theme,
                item.compare_key or item.code,
                item.text,
                _n(item.current),
                *_figures(item.current),
                _n(previous),
                _figures(previous)[0],
                round(item.change.diff, 4) if item.change else None,
            ]
        )
    return rows


def table_csv(comparison: Comparison) -> str:
    """UTF-8 with a byte order mark and ";" (Danish Excel); formulas neutralised."""
    return "\ufeff" + "".join(csv_line(row, ";") for row in table_rows(comparison))


def table_records(comparison: Comparison) -> list[dict[str, object]]:
    """The same rows as JSON objects."""
    rows = table_rows(comparison)[1:]
    return [dict(zip(HEADER, row, strict=True)) for row in rows]
