"""The PDF: the same HTML through WeasyPrint, A4 with page numbers."""

from __future__ import annotations

from survey.reporting.builder import ReportData
from survey.reporting.html import render_report_html


def render_report_pdf(report: ReportData) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only reports need

    return HTML(string=render_report_html(report, for_print=True)).write_pdf()
