"""The PDF: the same HTML through WeasyPrint, A4 with page numbers, tagged as PDF/UA-1.

A tagged PDF (structure tree, language, headings, table headers, figures with alternative
text) is what a screen reader needs once the report is published on a municipality's site.
"""

from __future__ import annotations

import base64
import re

from survey.reporting.builder import ReportData
from survey.reporting.html import render_report_html

PDF_VARIANT = "pdf/ua-1"
# WeasyPrint takes a figure's alternative text from the SVG's <title> only; the description
# that states every figure follows it in <desc>, so for the PDF the two become one title.
CHART_TEXTS = re.compile(
    r'(<title id="(chart-[^"]+)-title">)([^<]*)(</title>)<desc id="\2-desc">([^<]*)</desc>'
)
# A chart as figure_svg (analysis/charts.py) writes it: its <title> right after the opening.
INLINE_SVG = re.compile(r'<svg\b[^>]*>\s*<title id="[^"]+">([^<]*)</title>.*?</svg>', re.DOTALL)


def alt_text_in_titles(html: str) -> str:
    return CHART_TEXTS.sub(lambda m: f"{m[1]}{m[3]}. {m[5]}{m[4]}", html)


# matplotlib wraps every artist in a <g id="...">, often in a bare <g> too (over a thousand in
# a report's charts): groups that set nothing, which WeasyPrint still walks, cascades and
# draws one by one. No id of a group is referred to (clip paths, markers and hatches are).
GROUP_TAG = re.compile(r'<g(?: id="[^"]*")?>|<g\b[^>]*>|</g>')
EMPTY_DEFS = re.compile(r"<defs>\s*</defs>")
NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^")]*\)"')  # matplotlib's unrotated text


def without_empty_groups(svg: str) -> str:
    """The SVG drawn alike without its groups that set nothing (no attribute but an id),
    nor empty <defs>, nor text rotations by zero degrees: fewer nodes for WeasyPrint."""
    parts: list[str] = []
    kept: list[bool] = []
    start = 0
    for tag in GROUP_TAG.finditer(svg):
        parts.append(svg[start : tag.start()])
        start = tag.end()
        if tag[0] == "</g>":
            if kept.pop():
                parts.append(tag[0])
        else:
            keep = not re.fullmatch(r'<g(?: id="[^"]*")?>', tag[0])
            kept.append(keep)
            if keep:
                parts.append(tag[0])
    parts.append(svg[start:])
    return NO_ROTATION.sub("", EMPTY_DEFS.sub("", "".join(parts)))


def charts_as_images(html: str) -> str:
    """Each inline SVG chart as an <img> of the same SVG, its alt text the SVG's <title>
    (the alternative text WeasyPrint gives an inline SVG). Drawn alike, but WeasyPrint
    parses an image's SVG apart from the page: its shapes do not pass through the HTML
    parser and every CSS selector of the page (a second of a report's PDF when the charts
    were matplotlib's; the print HTML now has the lean ones of analysis/lean_charts.py).
    The web page keeps its inline SVG, which the HTML tests and the CSP rely on."""

    def image(match: re.Match) -> str:
        data = base64.b64encode(without_empty_groups(match[0]).encode("utf-8")).decode("ascii")
        return f'<img alt="{match[1]}" src="data:image/svg+xml;base64,{data}">'

    return INLINE_SVG.sub(image, html)


def render_report_pdf(report: ReportData) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only reports need

    html = charts_as_images(alt_text_in_titles(render_report_html(report, for_print=True)))
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
