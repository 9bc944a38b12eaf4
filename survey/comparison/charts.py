"""Charts for a comparison: one per theme, the same figures as the table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.charts import Bar, DriverMark, driver_figure, figure_png, figure_svg, share_figure
from analysis.drivers import Driver
from analysis.formatting import danish_percent
from analysis.lean_charts import drivers_svg, share_svg
from analysis.results import Comparison, ItemResult


def theme_bars(items: list[ItemResult]) -> list[Bar]:
    return [
        Bar(
            # A yes/no item's bar is the share answering yes, not a share satisfied.
            label=_("%(item)s (share yes)", item=item.text) if item.type == "yesno" else item.text,
            current=item.current.share,
            current_ci=item.current.ci,
            # A hidden side's bar shows no n (only its share is drawn with one): 0 stands in.
            current_n=item.current.n or 0,
            previous=item.previous.share if item.previous else None,
            previous_ci=item.previous.ci if item.previous else None,
            previous_n=(item.previous.n or 0) if item.previous else None,  # None: not asked
            benchmark=item.benchmark.share
            if item.benchmark and not item.benchmark.suppressed
            else None,
        )
        for item in items
    ]


def describe(items: list[ItemResult], comparison: Comparison) -> str:
    """A text alternative that states every figure in the chart."""
    parts = []
    for item in items:
        if item.current.share is None:
            parts.append(_("%(item)s: fewer than 5 answers, not shown", item=item.text))
            continue
        share, n = danish_percent(item.current.share), item.current.n
        if item.type == "yesno":
            text = _("%(item)s: %(share)s yes (n=%(n)d)", item=item.text, share=share, n=n)
        else:
            text = _("%(item)s: %(share)s positive (n=%(n)d)", item=item.text, share=share, n=n)
        if item.previous and item.previous.share is not None:
            text += ", " + _(
                "before %(share)s (n=%(n)d)",
                share=danish_percent(item.previous.share),
                n=item.previous.n,
            )
        parts.append(text)
    return "; ".join(parts) + "."


def _theme_figure(items: list[ItemResult], comparison: Comparison):
    return share_figure(
        theme_bars(items),
        current_label=comparison.round.title,
        previous_label=comparison.against.title if comparison.against else None,
        benchmark_label=_("Other municipalities"),
        suppressed_label=_("under 5 answers"),
        not_asked_label=_("not asked"),
    )


def theme_chart(
    theme: str, title: str, items: list[ItemResult], comparison: Comparison
) -> str | None:
    scored = [item for item in items if item.type in ("likert5", "yesno", "scale")]
    if not scored:
        return None
    return figure_svg(
        _theme_figure(scored, comparison),
        title=_("Share positive: %(theme)s", theme=title),
        description=describe(scored, comparison),
        element_id=f"chart-{theme}",
    )


def theme_chart_lean(
    theme: str, title: str, items: list[ItemResult], comparison: Comparison
) -> str | None:
    """The chart of `theme_chart` as lean SVG for the PDF (analysis/lean_charts.py)."""
    scored = [item for item in items if item.type in ("likert5", "yesno", "scale")]
    if not scored:
        return None
    return share_svg(
        theme_bars(scored),
        title=_("Share positive: %(theme)s", theme=title),
        description=describe(scored, comparison),
        element_id=f"chart-{theme}",
        current_label=comparison.round.title,
        previous_label=comparison.against.title if comparison.against else None,
        benchmark_label=_("Other municipalities"),
        suppressed_label=_("under 5 answers"),
        not_asked_label=_("not asked"),
    )


@dataclass(frozen=True)
class ChartImage:
    """A chart as PNG at print resolution, with the text alternative the SVG carries."""

    png: bytes
    alt: str
    width_inches: float
    height_inches: float


def theme_chart_png(
    title: str, items: list[ItemResult], comparison: Comparison, dpi: int = 200
) -> ChartImage | None:
    """The same chart as `theme_chart`, for documents that cannot hold SVG (DOCX)."""
    scored = [item for item in items if item.type in ("likert5", "yesno")]
    if not scored:
        return None
    figure = _theme_figure(scored, comparison)
    width, height = figure.get_size_inches()
    alt = _("Share positive: %(theme)s", theme=title) + ". " + describe(scored, comparison)
    return ChartImage(figure_png(figure, dpi), alt, float(width), float(height))


def correlation(r: float) -> str:
    """0,45 (Danish decimal comma, a true minus)."""
    return f"{r:.2f}".replace(".", ",").replace("-", "−")


def describe_drivers(drivers: list[Driver]) -> str:
    parts = []
    for d in drivers:
        if d.r is None:
            parts.append(_("%(item)s: fewer than 5 answers, not shown", item=d.text))
        else:
            low, high = d.ci if d.ci else (d.r, d.r)
            parts.append(
                _(
                    "%(item)s: %(r)s (%(low)s to %(high)s, n=%(n)d)",
                    item=d.text,
                    r=correlation(d.r),
                    low=correlation(low),
                    high=correlation(high),
                    n=d.n,
                )
            )
    return "; ".join(parts) + "."


def _driver_marks(drivers: list[Driver]) -> list[DriverMark]:
    return [DriverMark(d.text, d.r, d.ci, d.n) for d in drivers if d.r is not None]


def drivers_chart(drivers: list[Driver]) -> str | None:
    """One chart of every shown item's rank correlation with overall satisfaction."""
    marks = _driver_marks(drivers)
    if not marks:
        return None
    return figure_svg(
        driver_figure(marks),
        title=_("What goes with overall satisfaction (rank correlation)"),
        description=describe_drivers(drivers),
        element_id="chart-drivers",
    )


def drivers_chart_lean(drivers: list[Driver]) -> str | None:
    """The chart of `drivers_chart` as lean SVG for the PDF (analysis/lean_charts.py)."""
    marks = _driver_marks(drivers)
    if not marks:
        return None
    return drivers_svg(
        marks,
        title=_("What goes with overall satisfaction (rank correlation)"),
        description=describe_drivers(drivers),
        element_id="chart-drivers",
    )


def drivers_chart_png(drivers: list[Driver], dpi: int = 200) -> ChartImage | None:
    """The same chart as `drivers_chart`, for the DOCX, with the SVG's title and text."""
    marks = _driver_marks(drivers)
    if not marks:
        return None
    figure = driver_figure(marks)
    width, height = figure.get_size_inches()
    alt = (
        _("What goes with overall satisfaction (rank correlation)")
        + ". "
        + describe_drivers(drivers)
    )
    return ChartImage(figure_png(figure, dpi), alt, float(width), float(height))
