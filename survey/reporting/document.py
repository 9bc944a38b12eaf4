"""The report as DOCX: the same sections, editable headings and tables for the committee agenda."""

from __future__ import annotations

import io

from docx import Document
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from analysis.results import UNCERTAIN_BELOW, Change, Comparison, Side
from survey.core.labels import variable_label, verdict_label
from survey.reporting.builder import ReportData, ThemeSection
from survey.reporting.docx_layout import add_picture, set_up, table_of_contents
from survey.reporting.docx_layout import add_table as _table
from survey.reporting.docx_layout import text as _text
from survey.reporting.format import (
    benchmark_text,
    change_text,
    ci,
    decimal,
    driver_text,
    items_basis,
    long_date,
    p_text,
    pct,
    period_in_words,
    side_text,
    theme_group_text,
    theme_mean_text,
    theme_previous_text,
    weighting_text,
)
from survey.reporting.trends import ThemeTrend, theme_trend_chart_png


def _chart(document, section: ThemeSection, comparison: Comparison) -> None:
    """The theme's chart as in the PDF, as a picture at print resolution."""
    from survey.comparison.charts import theme_chart_png  # matplotlib: loaded on use only

    _picture(
        document,
        theme_chart_png(section.title, section.items, comparison),
        _(
            "Share positive with 95 %(pct)s interval; the table below gives the same figures.",
            pct="%",
        ),
    )


def _picture(document, chart, caption: str | None = None) -> None:
    """A chart as a picture (nothing when there is none), with its caption under it."""
    if chart is None:
        return
    add_picture(document, chart.png, chart.alt, chart.width_inches, chart.height_inches)
    if caption:
        document.add_paragraph(caption)


def _drivers_chart(document, comparison: Comparison) -> None:
    """The key-driver chart of the HTML and PDF, as a picture at print resolution."""
    from survey.comparison.charts import drivers_chart_png  # matplotlib: loaded on use only

    _picture(document, drivers_chart_png(list(comparison.drivers)))


def _trend_chart(document, trend: ThemeTrend) -> None:
    """A theme's trend chart of the HTML and PDF, as a picture at print resolution."""
    _picture(
        document,
        theme_trend_chart_png(trend),
        _(
            "Share positive with 95 %(pct)s interval per round; the tables below give the same figures.",
            pct="%",
        ),
    )


def _theme(document, section: ThemeSection, comparison: Comparison, report: ReportData) -> None:
    with_previous = comparison.against is not None
    document.add_heading(_text(section.title), level=1)
    if section.score is not None:
        document.add_paragraph(
            _(
                "Theme score (mean share positive of its questions): %(score)s",
                score=pct(section.score),
            )
        )
    _chart(document, section, comparison)
    score = section.theme_score
    for line in (theme_mean_text(score), benchmark_text(score), theme_previous_text(score)):
        if line:
            document.add_paragraph(line)
    for group in score.groups if score is not None else ():
        label = f"{variable_label(report.by or '')}: {report.group_label(group.value)}"
        document.add_paragraph(f"{label}: {theme_group_text(group)}")
    header = [
        _("Question"),
        "n",
        _("Share positive (95 %(pct)s interval)", pct="%"),
        _("Mean (1–5)"),
    ]
    if with_previous:
        header += [_("Before"), pgettext("between rounds", "Change"), _("Adjusted p")]
    header += [_("Other municipalities")]
    if report.by:
        header += [_("Group against the rest")]
    rows = []
    for item in section.items:
        scored = item.type in ("likert5", "yesno", "scale")
        yes_no = item.type == "yesno"
        bench = "–"
        if item.benchmark:
            bench = side_text(item.benchmark, yes_no)
            if item.vs_benchmark:
                bench += "; " + _("difference") + " " + change_text(item.vs_benchmark)
                bench += ", " + p_text(item.vs_benchmark.p_adjusted)
        lines: list[tuple[str, Side, Side | None, Change | None, str, str | None]] = [
            (item.text, item.current, item.previous, item.change, bench, None)
        ]
        lines += [
            (
                f"   {variable_label(g.variable)}: {report.group_label(g.value)}",
                g.current,
                g.previous,
                g.change,
                "–",
                f"{change_text(g.vs_rest)}, {p_text(g.vs_rest.p_adjusted)}" if g.vs_rest else "–",
            )
            for g in item.groups
        ]
        for text, current, previous, change, benchmark, rest in lines:
            row = [
                text,
                current.n if current.n is not None else "–",
                side_text(current, yes_no) if scored else "–",
                decimal(current.mean),
            ]
            if with_previous:
                row += [
                    side_text(previous, yes_no) if scored and previous else "–",
                    change_text(change),
                    p_text(change.p_adjusted) if change else "–",
                ]
            row += [benchmark]
            if report.by:
                row += [rest or ""]
            rows.append(row)
    _table(document, section.title + ": " + _("share positive per question"), header, rows)


def _point_text(point) -> str:
    if point.share is None:
        return _("under 5 answers")
    text = f"{pct(point.share)} ({ci(point.ci)})"
    return text + (" " + _("uncertain") if point.n < UNCERTAIN_BELOW else "")


def render_report_docx(report: ReportData) -> bytes:
    with force_locale("da"):
        return _render(report)


def _render(report: ReportData) -> bytes:
    c = report.comparison
    document = Document()
    municipality = f"{report.municipality} Kommune"
    set_up(document, f"{municipality} – {report.title}", _("Page"), _("of"))
    document.add_paragraph(_text(municipality))
    document.add_heading(_text(report.title), level=0)
    facts = [
        f"{_('Period')}: {report.period}",
        f"{_('Completed answers')}: {c.round.completed}",
        f"{_('Compared with')}: {c.against.title}" if c.against else None,
        f"{_('Report made')}: {long_date(report.generated_on)}",
    ]
    for fact in filter(None, facts):
        document.add_paragraph(_text(fact))
    table_of_contents(
        document,
        _("Contents"),
        _(
            "Word fills in the table of contents when the document opens (or: right-click, Update field)."
        ),
    )
    document.add_heading(_("Summary"), level=1)
    for sentence in report.summary:
        document.add_paragraph(_text(sentence), style="List Bullet")
    document.add_heading(_("Method and sample"), level=1)
    if report.languages:
        document.add_paragraph(_text(report.languages))
    rates = [
        [
            _("All invitations"),
            report.rate.overall.invited,
            report.rate.overall.completed,
            pct(report.rate.overall.share),
        ]
    ]
    for variable, group_rates in report.rate.groups.items():
        rates += [
            [
                f"{variable_label(variable)}: {report.rate_label(variable, g.label)}",
                g.invited,
                g.completed,
                pct(g.share),
            ]
            for g in group_rates
        ]
    _table(
        document,
        _("Invited, completed and response rate"),
        [_("Group"), _("Invited"), _("Completed"), _("Response rate")],
        rates,
    )
    document.add_paragraph(
        _(
            "Answers through the open link (QR poster): %(n)d. Groups with fewer than 5 "
            "invitations are not shown on their own.",
            n=report.rate.open_link_completed,
        )
    )
    if report.representativeness():
        _table(
            document,
            _("Representativeness: invited and answered per benefit group"),
            [_("Group"), _("Share of the invited"), _("Share of the answers")],
            [[label, pct(i), pct(a)] for label, i, a in report.representativeness()],
        )
    if c.weighting:
        document.add_paragraph(_text(weighting_text(c.weighting)))
    for term, definition in report.method:
        paragraph = document.add_paragraph()
        paragraph.add_run(_text(term) + ": ").bold = True
        paragraph.add_run(_text(definition))
    for section in [*report.themes, *([report.local] if report.local else [])]:
        _theme(document, section, c, report)
    if c.drivers:
        document.add_heading(_("What goes with overall satisfaction"), level=1)
        document.add_paragraph(
            _(
                "For each question, the rank correlation (Spearman) between its answers and the answers to the overall satisfaction question, with a 95 %(pct)s interval. It shows association, not cause: a question high on the list goes together with satisfaction, which does not prove that improving it would raise satisfaction.",
                pct="%",
            )
        )
        _drivers_chart(document, c)
        _table(
            document,
            _("Rank correlation with overall satisfaction"),
            [_("Question"), "n", _("Rank correlation (95 %(pct)s interval)", pct="%")],
            [[d.text, d.n, driver_text(d)] for d in c.drivers],
        )
    if report.trends:
        document.add_heading(_("Trend over time"), level=1)
        document.add_paragraph(
            _(
                "Each theme's questions asked in at least two rounds or earlier surveys, one line per question; a round with fewer than 5 answers to a question is not drawn."
            )
        )
        for theme in report.trends:
            document.add_heading(_text(theme.title), level=2)
            _trend_chart(document, theme)
            for trend in theme.items:
                share = (
                    _("Share yes (95 %(pct)s interval)", pct="%")
                    if trend.yes_no
                    else _("Share positive (95 %(pct)s interval)", pct="%")
                )
                _table(
                    document,
                    _("Trend: %(item)s", item=trend.text),
                    [_("Period"), "n", share],
                    [
                        [period_in_words(p.period), p.shown_n or "–", _point_text(p)]
                        for p in trend.trend.points
                    ],
                )
                document.add_paragraph(_text(trend.sentence))
    document.add_heading(_("Ambition levels"), level=1)
    for text, rows in report.targets:
        _table(
            document,
            text,
            [_("Year"), "n", _("Share positive"), _("Ambition"), _("Met?")],
            [
                [
                    r.year,
                    r.n if r.n is not None else "–",
                    pct(r.share) + (f" ({items_basis(r)})" if items_basis(r) else ""),
                    pct(r.ambition),
                    verdict_label(r.verdict),
                ]
                for r in rows
            ],
        )
    if not report.targets:
        document.add_paragraph(_("No ambition levels have been set."))
    document.add_heading(_("Appendix: answer distributions"), level=1)
    for item in c.items:
        if item.distribution:
            _table(
                document,
                f"{item.text} (n = {item.current.n})" if item.current.n is not None else item.text,
                [_("Answer"), _("Number"), _("Share")],
                [
                    [o.label, o.count if o.count is not None else _("hidden"), pct(o.share)]
                    for o in item.distribution
                ],
            )
    if report.free_text:
        document.add_heading(_("Comments"), level=1)
        for text, lines in report.free_text:
            document.add_heading(_text(text), level=2)
            for line in lines:
                document.add_paragraph(_text(line), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
