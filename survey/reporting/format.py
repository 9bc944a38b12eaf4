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


def theme_mean_text(score) -> str | None:
    """ "Mean 3,88 (95 % interval 3,70–4,05) on the scale 1–5, 120 respondents", or why not."""
    if score is None or score.scale is None:
        return None
    low, high = score.scale
    if score.mean is None:
        return _("Mean on the scale %(low)d–%(high)d: under 5 respondents", low=low, high=high)
    interval = (
        _(
            " (95 %(pct)s interval %(a)s–%(b)s)",
            pct="%",
            a=decimal(score.ci[0], 2),
            b=decimal(score.ci[1], 2),
        )
        if score.ci
        else ""
    )
    return _(
        "Mean %(mean)s%(interval)s on the scale %(low)d–%(high)d, %(n)d respondents",
        mean=decimal(score.mean, 2),
        interval=interval,
        low=low,
        high=high,
        n=score.n,
    )


def benchmark_text(score) -> str | None:
    """The published figure beside the theme mean, named with its source."""
    figure = getattr(score, "benchmark", None)
    if figure is None:
        return None
    text = _(
        "%(source)s %(period)s, “%(category)s”: mean %(mean)s (n = %(n)d)",
        source=figure.source,
        period=figure.period,
        category=figure.category,
        mean=decimal(figure.mean, 2),
        n=figure.n,
    )
    if figure.diff is None:
        return text
    text += "; " + _(
        "difference %(diff)s", diff=("+" if figure.diff > 0 else "") + decimal(figure.diff, 2)
    )
    if figure.p_value is None:
        return text + "; " + _("no test: the published figure has no standard deviation")
    return text + "; " + _("Welch's t test p = %(p)s", p=p_value(figure.p_value))


FILTERS = {
    "theme_mean_text": theme_mean_text,
    "benchmark_text": benchmark_text,
    "pct": pct,
    "ci": ci,
    "points": points,
    "decimal": decimal,
    "p_value": p_value,
    "side_text": side_text,
}
