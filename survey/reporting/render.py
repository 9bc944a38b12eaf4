"""One entry point for every report format."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from survey.reporting.builder import ReportData

FORMATS = {
    "html": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}

_pausing = threading.Lock()
_paused_by = 0  # renderings under way in this process that paused the collector


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a report is rendered, on again after.

    WeasyPrint's box tree, python-docx's XML and matplotlib's artists are hundreds of
    thousands of objects that all live until the document is written; the collector kept
    walking them as they grew (a quarter of a PDF's CPU time, bench/report.py), finding
    nothing to free. Reference counting still frees what it can; the cycles left are
    collected once the collector runs again. A counter, not a flag: with gunicorn's
    threads two reports may overlap, and the collector comes back when the last ends.
    """
    global _paused_by
    with _pausing:
        # Off already, and not by a report of ours (a test, an embedding program): theirs.
        pausing = _paused_by > 0 or gc.isenabled()
        if pausing:
            _paused_by += 1
            gc.disable()
    try:
        yield
    finally:
        if pausing:
            with _pausing:
                _paused_by -= 1
                if _paused_by == 0:
                    gc.enable()


def render_report(report: ReportData, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format: {fmt}")
    with collector_paused():
        return _render(report, fmt)


def _render(report: ReportData, fmt: str) -> bytes:
    if fmt == "html":
        from survey.reporting.html import render_report_html

        return render_report_html(report).encode("utf-8")
    if fmt == "pdf":
        from survey.reporting.pdf import render_report_pdf

        return render_report_pdf(report)
    if fmt == "xlsx":
        from survey.reporting.spreadsheet import render_report_xlsx

        return render_report_xlsx(report)
    from survey.reporting.document import render_report_docx

    return render_report_docx(report)
