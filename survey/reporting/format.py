"""Danish number formatting shared by every report format: "62 %", "0,032", "+8 pct.-point"."""

from __future__ import annotations

from flask_babel import gettext as _


def pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def ci(interval) -> str:
    if not interval:
        return "–"
    return f"{round(interval[0] * 100)}–{round(interval[1] * 100)} %"


def points(diff: float | None) -> str:
    if diff is None:
        return "–"
    value = round(diff * 100)
    return f"{'+' if value > 0 else ''}{value} " + _("pct. points")


def decimal(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def p_value(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0,001" if value < 0.001 else decimal(value, 3)


def side_text(side) -> str:
    """Share with its interval, or why it is not shown."""
    if side is None:
        return _("not asked")
    if side.suppressed:
        return _("under 5 answers")
    if side.share is None:
        return "–"
    return f"{pct(side.share)} ({ci(side.ci)})"


FILTERS = {
    "pct": pct,
    "ci": ci,
    "points": points,
    "decimal": decimal,
    "p_value": p_value,
    "side_text": side_text,
}
