"""The PDF: the same HTML through WeasyPrint, A4 with page numbers, tagged as PDF/UA-1.

A tagged PDF (structure tree, language, headings, table headers, figures with alternative
text) is what a screen reader needs once the report is published on a municipality's site.
"""

from __future__ import annotations

import re

from survey.reporting.builder import ReportData
from survey.reporting.html import render_report_html

PDF_VARIANT = "pdf/ua-1"
# WeasyPrint takes a figure's alternative text from the SVG's <title> only; the description
# that states every figure follows it in <desc>, so for the PDF the two become one title.
CHART_TEXTS = re.compile(
    r'(<title id="(chart-[^"]+)-title">)([^<]*)(</title>)<desc id="\2-desc">([^<]*)</desc>'
)


def alt_text_in_titles(html: str) -> str:
    return CHART_TEXTS.sub(lambda m: f"{m[1]}{m[3]}. {m[5]}{m[4]}", html)


def render_report_pdf(report: ReportData) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only reports need

    html = alt_text_in_titles(render_report_html(report, for_print=True))
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
