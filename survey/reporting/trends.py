"""Trends for the page and the report: per theme, one line chart with intervals of its items
over every round and history point, its text alternative, and each item's test in words."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial

from flask_babel import gettext as _

from analysis.charts import TrendLine, TrendMark, figure_png, figure_svg, trend_figure
from analysis.formatting import danish_percent
from analysis.lean_charts import trend_svg
from analysis.results import ItemResult
from analysis.trend import Trend
from survey.comparison.charts import ChartImage
from survey.comparison.trend import TREND_TYPES, Counted, item_trends
from survey.models import Round
from survey.reporting.format import p_plain, period_in_words, points
from survey.reporting.later import drawn_later


@dataclass(frozen=True)
class TrendSection:
    """One item over time: its points (suppressed ones included, for the table) and test."""

    code: str
    text: str
    yes_no: bool  # a yes/no item's share is the share answering yes
    trend: Trend
    sentence: str

    @property
    def label(self) -> str:
        return _("%(item)s (share yes)", item=self.text) if self.yes_no else self.text


@dataclass(frozen=True)
class ThemeTrend:
    """A theme's items with at least two points, and their one chart (None when fewer than
    two points of any item can be drawn)."""

    theme: str
    title: str
    items: list[TrendSection]
    draw_chart: Callable[[], str | None] = field(repr=False, compare=False)
    # the same chart as lean SVG, which the PDF shows (analysis/lean_charts.py)
    draw_print_chart: Callable[[], str | None] = field(
        default=lambda: None, repr=False, compare=False
    )

    @cached_property
    def chart_svg(self) -> str | None:
        """Drawn when a format first shows it (survey.reporting.later)."""
        return self.draw_chart()

    @cached_property
    def print_chart_svg(self) -> str | None:
        return self.draw_print_chart()


def theme_trends(
    survey_round: Round,
    groups: Sequence[tuple[str, str, Sequence[ItemResult]]],
    counted: Counted | None = None,
) -> list[ThemeTrend]:
    """Per theme (theme, title, items), every scored item asked in at least two rounds or
    history points of the municipality; themes without one are left out. `counted`: what
    the report's comparison already counted (`counted_by`), not counted again."""
    wanted = [
        item.compare_key or item.code
        for _theme, _title, items in groups
        for item in items
        if item.type in TREND_TYPES
    ]
    trends = item_trends(survey_round.municipality_code, wanted, counted) if wanted else {}
    result = []
    for theme, title, items in groups:
        sections = [
            TrendSection(item.code, item.text, item.type == "yesno", trend, trend_sentence(trend))
            for item in items
            if item.type in TREND_TYPES
            and len((trend := trends[item.compare_key or item.code]).points) >= 2
        ]
        if sections:
            element_id = "trend-" + re.sub(r"[^A-Za-z0-9_-]", "-", theme)
            result.append(
                ThemeTrend(
                    theme,
                    title,
                    sections,
                    drawn_later(partial(theme_trend_chart, title, sections, element_id)),
                    drawn_later(partial(theme_trend_chart_lean, title, sections, element_id)),
                )
            )
    return result


def _lines(sections: Sequence[TrendSection]) -> list[TrendLine]:
    """The items with at least two shown points, each with only its shown points: no point
    from fewer than 5 answers is drawn."""
    lines = []
    for section in sections:
        marks = tuple(
            TrendMark(point.time, period_in_words(point.period), point.share, point.ci, point.n)
            for point in section.trend.points
            if point.share is not None and point.ci is not None
        )
        if len(marks) >= 2:
            lines.append(TrendLine(section.label, marks))
    return lines


def chart_title(title: str) -> str:
    return _("Trend: %(item)s", item=title)


def theme_trend_chart(title: str, sections: Sequence[TrendSection], element_id: str) -> str | None:
    """One line per item with its intervals; None when no item has two shown points."""
    lines = _lines(sections)
    if not lines:
        return None
    return figure_svg(
        trend_figure(lines),
        title=chart_title(title),
        description=describe_theme_trend(sections),
        element_id=element_id,
    )


def theme_trend_chart_lean(
    title: str, sections: Sequence[TrendSection], element_id: str
) -> str | None:
    """The chart of `theme_trend_chart` as lean SVG for the PDF (analysis/lean_charts.py)."""
    lines = _lines(sections)
    if not lines:
        return None
    return trend_svg(
        lines,
        title=chart_title(title),
        description=describe_theme_trend(sections),
        element_id=element_id,
    )


def theme_trend_chart_png(trend: ThemeTrend, dpi: int = 200) -> ChartImage | None:
    """The same chart as `theme_trend_chart`, for the DOCX, with the SVG's title and text."""
    lines = _lines(trend.items)
    if not lines:
        return None
    figure = trend_figure(lines)
    width, height = figure.get_size_inches()
    alt = chart_title(trend.title) + ". " + describe_theme_trend(trend.items)
    return ChartImage(figure_png(figure, dpi), alt, float(width), float(height))


def describe_theme_trend(sections: Sequence[TrendSection]) -> str:
    """Every item's points and test, item by item: the chart's text alternative."""
    return " ".join(f"{section.label}: {describe_trend(section.trend)}" for section in sections)


def describe_trend(trend: Trend) -> str:
    """Every point and the test, in words."""
    parts = []
    for point in trend.points:
        if point.share is None:
            parts.append(
                _(
                    "%(period)s: fewer than 5 answers, not shown",
                    period=period_in_words(point.period),
                )
            )
        else:
            parts.append(
                _(
                    "%(period)s: %(share)s (n=%(n)d)",
                    period=period_in_words(point.period),
                    share=danish_percent(point.share),
                    n=point.n,
                )
            )
    return "; ".join(parts) + ". " + trend_sentence(trend)


def trend_sentence(trend: Trend) -> str:
    """The test in words: the slope per year and the p-value (Cochran–Armitage)."""
    if trend.test is None:
        return _("Too few points for a test of trend.")
    verdict = _("a significant trend") if trend.test.p_value < 0.05 else _("no significant trend")
    return _(
        "Trend %(slope)s per year, %(p)s (Cochran–Armitage): %(verdict)s.",
        slope=points(trend.test.slope_per_year),
        p=p_plain(trend.test.p_value),
        verdict=verdict,
    )
