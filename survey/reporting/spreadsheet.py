"""The report as XLSX: a sheet per section, real numbers with percentage formats, frozen headers."""

from __future__ import annotations

import io
import re

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from analysis.results import Change, Side
from survey.core.labels import variable_label, verdict_label
from survey.core.security import CONTROL_CHARACTERS
from survey.reporting.builder import ReportData, ThemeSection
from survey.reporting.format import items_basis, long_date, period_in_words, weighting_text

PERCENT = "0%"
DECIMAL = "0.0"
P_FORMAT = "0.000"


def points_format() -> str:
    """A change is in percentage points, not a percentage: the cell holds points (8, not
    0.08) and says so, "+8 pct.-point", with Danish signs."""
    unit = _("pct. points")
    return f'+0" {unit}";-0" {unit}";0" {unit}"'


SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe, and
    control characters a worksheet cannot hold (openpyxl refuses the file) are dropped."""
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def _theme_means(workbook: Workbook, report: ReportData) -> None:
    """One row per theme: share positive, the mean on its scale and a published figure."""
    sheet = _sheet(
        workbook,
        _("Theme means"),
        [
            _("Theme"),
            _("Share positive"),
            _("Mean"),
            _("Interval, low"),
            _("Interval, high"),
            _("Respondents"),
            _("Scale"),
            _("Published figure"),
            _("Published mean"),
            _("Published n"),
            _("Published SD"),
            _("Difference"),
            _("p (Welch)"),
            _("Earlier round: mean"),
            _("Earlier round: respondents"),
            pgettext("between rounds", "Change"),
            _("p (Welch, earlier round)"),
        ],
        [40, 12, 10, 12, 12, 12, 10, 40, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    )
    for section in report.themes:
        score = section.theme_score
        if score is None:
            continue
        bench = score.benchmark
        sheet.append(
            [
                safe_cell(section.title),
                score.score,
                score.mean,
                score.ci[0] if score.ci else None,
                score.ci[1] if score.ci else None,
                score.n if score.scale else None,
                f"{score.scale[0]}–{score.scale[1]}" if score.scale else None,
                safe_cell(f"{bench.source} {bench.period}: {bench.category}") if bench else None,
                bench.mean if bench else None,
                bench.n if bench else None,
                bench.sd if bench else None,
                bench.diff if bench else None,
                bench.p_value if bench else None,
                score.previous.mean if score.previous else None,
                score.previous.n if score.previous else None,
                score.change.diff if score.change else None,
                score.change.p_value if score.change else None,
            ]
        )
        for group in score.groups:
            # a group's row: its mean and n where shown; a hidden group's neither (as for items)
            sheet.append(
                [
                    safe_cell(f"{section.title}: {report.group_label(group.value)}"),
                    None,
                    group.mean,
                    group.ci[0] if group.ci else None,
                    group.ci[1] if group.ci else None,
                    group.shown_n,
                    f"{score.scale[0]}–{score.scale[1]}" if score.scale else None,
                ]
            )


SHEET_NAME_LENGTH = 31  # Excel's limit on a worksheet's name


def sheet_name(title: str) -> str:
    """A section's title as a worksheet's name: without []:*?/\\ (openpyxl refuses the whole
    file) and, when longer than Excel allows, cut after a whole word with an ellipsis, so a
    tab never reads as a word cut in two ("Samarbejde på tværs af afdelin")."""
    name = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", title).split())
    if len(name) <= SHEET_NAME_LENGTH:
        return name or "-"
    cut = name[: SHEET_NAME_LENGTH - 1]
    if " " in cut and not name[SHEET_NAME_LENGTH - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:–-") + "…"


def _sheet(workbook: Workbook, title: str, header: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title=sheet_name(title))
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _side_cells(side):
    if side is None or side.suppressed or side.share is None:
        return [None, None, None]
    return [side.share, side.ci[0], side.ci[1]]


def _change_cells(change) -> list:
    """diff, its adjusted interval, adjusted p and the verdict; empty where not tested."""
    if change is None:
        return [None] * 5
    low, high = change.ci_adjusted or (None, None)
    return [change.diff, low, high, change.p_adjusted, _("yes") if change.significant else _("no")]


def _theme_rows(
    sheet, section: ThemeSection, with_previous: bool, by: bool, labels, weighted: bool = False
) -> None:
    for item in section.items:
        measure = {"likert5": _("positive"), "yesno": _("yes")}.get(item.type)
        rows: list[
            tuple[str, Side, Side | None, Change | None, Side | None, Change | None, Change | None]
        ] = [
            (
                item.text,
                item.current,
                item.previous,
                item.change,
                item.benchmark,
                item.vs_benchmark,
                None,
            )
        ]
        rows += [
            (
                f"  {variable_label(g.variable)}: {labels(g.value)}",
                g.current,
                g.previous,
                g.change,
                None,
                None,
                g.vs_rest,
            )
            for g in item.groups
        ]
        for text, current, previous, change, benchmark, vs_benchmark, vs_rest in rows:
            values = [safe_cell(text), current.n, *_side_cells(current), current.mean]
            if with_previous:
                values += [previous.n if previous else None, *_side_cells(previous)]
                values += [
                    change.diff * 100 if change else None,
                    change.p_adjusted if change else None,
                    ("ja" if change.significant else "nej") if change else None,
                ]
            values += _side_cells(benchmark)[:1]
            # Beyond the table every format shows: the intervals of the change (adjusted, and
            # the 95 % one without correction), the test against the benchmark or the rest,
            # and the small-n mark.
            if with_previous:
                values += [
                    *(change.ci_adjusted if change and change.ci_adjusted else (None, None)),
                    *(change.ci if change else (None, None)),
                ]
            values += _change_cells(vs_benchmark)
            if by:
                values += _change_cells(vs_rest)
            values += [_("uncertain") if current.uncertain else None]
            # What the share is a share of: a yes/no item's share is the share answering yes.
            values += [measure if current.share is not None else None]
            if weighted:
                share = current.weighted
                values += [share.share, *share.ci, share.n_eff] if share else [None] * 4
            sheet.append(values)
            row = sheet.max_row
            if weighted:  # the weighted share and its limits are the last but one three
                for column in range(len(values) - 3, len(values)):
                    sheet.cell(row, column).number_format = PERCENT
            for column in (3, 4, 5):
                sheet.cell(row, column).number_format = PERCENT
            sheet.cell(row, 6).number_format = DECIMAL
            if with_previous:
                for column in (8, 9, 10):
                    sheet.cell(row, column).number_format = PERCENT
                sheet.cell(row, 11).number_format = points_format()
                sheet.cell(row, 12).number_format = P_FORMAT
                first_extra = 19  # the first column of the test against the benchmark
                for column in (14, 15, 16, 17, 18):
                    sheet.cell(row, column).number_format = PERCENT
            else:
                sheet.cell(row, 7).number_format = PERCENT
                first_extra = 8
            for start in (first_extra, first_extra + 5) if by else (first_extra,):
                for column in (start, start + 1, start + 2):
                    sheet.cell(row, column).number_format = PERCENT
                sheet.cell(row, start + 3).number_format = P_FORMAT


def render_report_xlsx(report: ReportData) -> bytes:
    with force_locale("da"):
        return _render(report)


def _render(report: ReportData) -> bytes:
    workbook = Workbook()
    front = workbook.active
    front.title = _("Front page")[:31]
    c = report.comparison
    for label, value in [
        (_("Municipality"), report.municipality),
        (_("Round"), report.title),
        (_("Period"), report.period),
        (_("Completed answers"), c.round.completed),
        (_("Compared with"), c.against.title if c.against else "–"),
        (_("Report made"), long_date(report.generated_on)),
    ]:
        front.append([label, safe_cell(value)])
    front.append([])
    front.append([_("Summary")])
    for sentence in report.summary:
        front.append([safe_cell(sentence)])
    front.column_dimensions["A"].width = 30
    front.column_dimensions["B"].width = 60

    sample = _sheet(
        workbook,
        _("Method and sample"),
        [_("Group"), _("Invited"), _("Completed"), _("Response rate")],
        [40, 12, 12, 14],
    )
    rates = [(_("All invitations"), report.rate.overall)]
    for variable, group_rates in report.rate.groups.items():
        rates += [
            (
                f"{variable_label(variable)}: {report.rate_label(variable, g.label)}",
                g,
            )
            for g in group_rates
        ]
    for label, rate in rates:
        sample.append([safe_cell(label), rate.invited, rate.completed, rate.share])
        sample.cell(sample.max_row, 4).number_format = PERCENT
    if report.languages:
        sample.append([])
        sample.append([safe_cell(report.languages)])
    if report.representativeness():
        sample.append([])
        sample.append(
            [
                _("Representativeness: invited and answered per benefit group"),
                _("Share of the invited"),
                _("Share of the answers"),
            ]
        )
        for label, invited, answered in report.representativeness():
            sample.append([safe_cell(label), invited, answered])
            sample.cell(sample.max_row, 2).number_format = PERCENT
            sample.cell(sample.max_row, 3).number_format = PERCENT
    if c.weighting:
        sample.append([safe_cell(weighting_text(c.weighting))])
    sample.append([])
    for term, definition in report.method:
        sample.append([safe_cell(term), safe_cell(definition)])

    header = [
        _("Question"),
        "n",
        _("Share positive"),
        _("Interval, low"),
        _("Interval, high"),
        _("Mean (1–5)"),
    ]
    if c.against:
        header += [
            _("n before"),
            _("Share before"),
            _("Before, low"),
            _("Before, high"),
            pgettext("between rounds", "Change"),
            _("Adjusted p"),
            _("Significant"),
        ]
    header += [_("Other municipalities")]
    if c.against:
        header += [
            _("Change, adjusted interval, low"),
            _("Change, adjusted interval, high"),
            _("Change, 95 %(pct)s without correction, low", pct="%"),
            _("Change, 95 %(pct)s without correction, high", pct="%"),
        ]
    for versus in [
        _("against other municipalities"),
        *([_("against the rest")] if report.by else []),
    ]:
        header += [
            _("Difference %(versus)s", versus=versus),
            _("Adjusted interval, low, %(versus)s", versus=versus),
            _("Adjusted interval, high, %(versus)s", versus=versus),
            _("Adjusted p %(versus)s", versus=versus),
            _("Significant %(versus)s", versus=versus),
        ]
    header += [
        _("Uncertain (n under 30)"),
        _("Share of"),
    ]
    if c.weighting:
        header += [
            _("Weighted share"),
            _("Weighted, low"),
            _("Weighted, high"),
            _("Effective n (Kish)"),
        ]
    widths = [55] + [12] * (len(header) - 1)
    for section in [*report.themes, *([report.local] if report.local else [])]:
        sheet = _sheet(workbook, section.title, header, widths)
        _theme_rows(
            sheet,
            section,
            c.against is not None,
            bool(report.by),
            report.group_label,
            weighted=c.weighting is not None,
        )

    _theme_means(workbook, report)

    targets = _sheet(
        workbook,
        _("Ambition levels"),
        [
            _("Question"),
            _("Year"),
            "n",
            _("Share positive"),
            _("Ambition"),
            _("Met?"),
            _("Rests on"),
        ],
        [55, 8, 8, 14, 12, 30, 20],
    )
    for text, rows in report.targets:
        for row in rows:
            targets.append(
                [
                    safe_cell(text),
                    row.year,
                    row.n,
                    row.share,
                    row.ambition,
                    verdict_label(row.verdict),
                    items_basis(row) or None,
                ]
            )
            targets.cell(targets.max_row, 4).number_format = PERCENT
            targets.cell(targets.max_row, 5).number_format = PERCENT

    if c.drivers:
        drivers = _sheet(
            workbook,
            _("What goes with overall satisfaction"),
            [_("Question"), "n", _("Rank correlation"), _("Interval, low"), _("Interval, high")],
            [55, 8, 14, 12, 12],
        )
        for d in c.drivers:
            low, high = d.ci or (None, None)
            drivers.append([safe_cell(d.text), d.n, d.r, low, high])
        drivers.append([_("Association, not cause.")])

    if report.trends:
        trends = _sheet(
            workbook,
            _("Trend over time"),
            [
                _("Theme"),
                _("Question"),
                _("Period"),
                "n",
                _("Share positive"),
                _("Interval, low"),
                _("Interval, high"),
                _("Uncertain (n under 30)"),
            ],
            [30, 55, 16, 8, 14, 12, 12, 14],
        )
        for theme in report.trends:
            for trend in theme.items:
                for point in trend.trend.points:
                    low, high = point.ci or (None, None)
                    trends.append(
                        [
                            safe_cell(theme.title),
                            safe_cell(trend.label),
                            period_in_words(point.period),
                            point.shown_n,
                            point.share,
                            low,
                            high,
                            _("uncertain") if point.share is not None and point.n < 30 else None,
                        ]
                    )
                    for column in (5, 6, 7):
                        trends.cell(trends.max_row, column).number_format = PERCENT
                trends.append(
                    [safe_cell(theme.title), safe_cell(trend.label), safe_cell(trend.sentence)]
                )

    appendix = _sheet(
        workbook,
        _("Appendix"),
        [_("Question"), _("Answer"), _("Number"), _("Share")],
        [55, 30, 10, 10],
    )
    for item in c.items:
        for option in item.distribution:
            appendix.append(
                [safe_cell(item.text), safe_cell(option.label), option.count, option.share]
            )
            appendix.cell(appendix.max_row, 4).number_format = PERCENT
    if report.free_text:
        comments = _sheet(workbook, _("Comments"), [_("Question"), _("Comment")], [40, 100])
        for text, lines in report.free_text:
            for line in lines:
                comments.append([safe_cell(text), safe_cell(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
