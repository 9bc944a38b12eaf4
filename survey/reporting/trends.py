"""An item's trend for the page and the report: the line chart with intervals, its text
alternative and the test in words."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.charts import TrendMark, figure_png, figure_svg, trend_figure
from analysis.formatting import danish_percent
from analysis.results import ItemResult
from analysis.trend import Trend
from survey.comparison.charts import ChartImage
from survey.comparison.themes import headline_theme
from survey.comparison.trend import item_trend
from survey.models import Round
from survey.reporting.format import p_plain, period_in_words, points
from survey.rounds.definition import round_definition


@dataclass(frozen=True)
class TrendSection:
    code: str
    text: str
    trend: Trend
    chart_svg: str | None
    sentence: str


def trend_sections(survey_round: Round, items: list[ItemResult]) -> list[TrendSection]:
    """The scored items of the overall satisfaction item's theme (the questionnaire file
    names that item: `headline`), each over every round and history point."""
    theme = headline_theme(survey_round, round_definition(survey_round))
    sections = []
    for item in items:
        if theme is None or item.theme != theme or item.type not in ("likert5", "yesno"):
            continue
        trend = item_trend(survey_round.municipality_code, item.compare_key or item.code)
        element_id = "trend-" + item.code.replace(".", "-")
        sections.append(
            TrendSection(
                item.code,
                item.text,
                trend,
                trend_chart(trend, item.text, element_id),
                trend_sentence(trend),
            )
        )
    return sections


def _marks(trend: Trend) -> list[TrendMark]:
    """The shown points only: no point from fewer than 5 answers is drawn."""
    return [
        TrendMark(point.time, period_in_words(point.period), point.share, point.ci, point.n)
        for point in trend.points
        if point.share is not None and point.ci is not None
    ]


def trend_chart(trend: Trend, title: str, element_id: str) -> str | None:
    """A line chart of the shown points with their intervals; None under two points."""
    marks = _marks(trend)
    if len(marks) < 2:
        return None
    return figure_svg(
        trend_figure(marks),
        title=_("Trend: %(item)s", item=title),
        description=describe_trend(trend),
        element_id=element_id,
    )


def trend_chart_png(trend: Trend, title: str, dpi: int = 200) -> ChartImage | None:
    """The same chart as `trend_chart`, for the DOCX, with the SVG's title and text."""
    marks = _marks(trend)
    if len(marks) < 2:
        return None
    figure = trend_figure(marks)
    width, height = figure.get_size_inches()
    alt = _("Trend: %(item)s", item=title) + ". " + describe_trend(trend)
    return ChartImage(figure_png(figure, dpi), alt, float(width), float(height))


def describe_trend(trend: Trend) -> str:
    """Every point and the test, in words: the chart's text alternative and its caption."""
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
    text = "; ".join(parts) + "."
    if trend.test is not None:
        text += " " + trend_sentence(trend)
    return text


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
