"""Report and export downloads: the same documents as the command line writes."""

from __future__ import annotations

from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user

from survey.comparison.service import ResultsError
from survey.core.tenancy import comparison_args, get_or_404, requires
from survey.models import Round
from survey.reporting.downloads import Download, ExportRefused, answers_download, report_download
from survey.web.report import bp

# A self-contained document: its own inline styles, no scripts at all.
HTML_REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


@bp.get("/report.<any(html, pdf, xlsx, docx):fmt>")
@requires("admin", "analyst")
def download_report(fmt: str):
    """The June report in one format, from the same comparison as the results page."""
    survey_round, against, by = comparison_args(request.args)
    include_free_text = request.args.get("free_text") == "1"
    weighted = request.args.get("weighted") == "1"
    try:
        download = report_download(survey_round, against, by, fmt, include_free_text, weighted)
    except ResultsError as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview"))
    response = _attachment(download)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = HTML_REPORT_POLICY
    return response


@bp.get("/export.<any(csv, xlsx, sav, codebook):fmt>")
@requires("admin", "analyst")
def download_export(fmt: str):
    """Respondent-level answers of a closed round (CSV streamed); audited."""
    survey_round = get_or_404(Round, request.args.get("round", type=int))
    delimiter = ";" if request.args.get("sep") == "semicolon" else ","
    try:
        with_free_text = current_user.role == "analyst"  # raw comments: analysts only
        download = answers_download(survey_round, fmt, delimiter, with_free_text)
    except ExportRefused as error:
        flash(str(error), "error")
        return redirect(url_for("results.overview", round=survey_round.id))
    return _attachment(download)


def _attachment(download: Download) -> Response:
    body = download.body
    if not isinstance(body, str | bytes):
        body = stream_with_context(body)
    return Response(
        body,
        mimetype=download.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
