"""One entry point for every report format."""

from __future__ import annotations

from survey.reporting.builder import ReportData

FORMATS = {
    "html": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def render_report(report: ReportData, fmt: str) -> bytes:
    if fmt == "html":
        from survey.reporting.html import render_report_html

        return render_report_html(report).encode("utf-8")
    if fmt == "pdf":
        from survey.reporting.pdf import render_report_pdf

        return render_report_pdf(report)
    if fmt == "xlsx":
        from survey.reporting.spreadsheet import render_report_xlsx

        return render_report_xlsx(report)
    if fmt == "docx":
        from survey.reporting.document import render_report_docx

        return render_report_docx(report)
    raise ValueError(f"unknown report format: {fmt}")
