"""The report as one self-contained, web-accessible HTML file (and the source of the PDF)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from survey.core.labels import variable_label, verdict_label
from survey.reporting.builder import ReportData
from survey.reporting.format import FILTERS


def render_report_html(report: ReportData, for_print: bool = False) -> str:
    with force_locale("da"):
        return render_template(
            "report/report.html",
            report=report,
            c=report.comparison,
            for_print=for_print,
            variable_label=variable_label,
            verdict_label=verdict_label,
            **FILTERS,
        )
