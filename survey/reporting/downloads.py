"""Reports and respondent-level exports as downloads: built, rendered and audited in one place,
so a download from the web and a file from the command line are the same document and
leave the same trace in the audit trail."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from survey.core import audit
from survey.models import Round
from survey.reporting import exports
from survey.reporting.filenames import answers_filename, report_filename
from survey.reporting.render import FORMATS, render_report
from survey.rounds.lifecycle import release_results

EXPORT_FORMATS = ("csv", "xlsx", "sav", "codebook")
XLSX = FORMATS["xlsx"][0]


class ExportRefused(ValueError):
    """An export the round's state does not allow; the message is for the user."""


@dataclass(frozen=True)
class Download:
    body: bytes | str | Iterator[str]  # an iterator is streamed chunk by chunk
    mimetype: str
    filename: str


def report_download(
    survey_round: Round,
    against: Round | None,
    by: str | None,
    fmt: str,
    include_free_text: bool = False,
    weighted: bool = False,
) -> Download:
    """The June report in one format; raises comparison.service.ResultsError when it cannot."""
    from survey.reporting.builder import build_report

    report = build_report(
        survey_round, against, by, include_free_text=include_free_text, weighted=weighted
    )
    body = render_report(report, fmt)
    audit.record(
        "report.export",
        survey_round,
        details={
            "format": fmt,
            "against": against.id if against else None,
            "by": by,
            "weighted": weighted,
        },
    )
    mimetype, extension = FORMATS[fmt]
    name = report_filename(survey_round, against, by, extension, report.generated_on)
    return Download(body, mimetype, name)


def answers_download(
    survey_round: Round, fmt: str, delimiter: str = ",", with_free_text: bool = True
) -> Download:
    """A closed round's answers, one row per respondent (never tokens or times); free-text
    answers only for analysts (and the command line)."""
    if survey_round.state != "closed":
        raise ExportRefused(_("Answers can be exported once the round is closed."))
    release_results(survey_round)
    audit.record("answers.export", survey_round, details={"format": fmt})
    today = date.today()

    def name(extension: str, kind: str = "svar") -> str:
        return answers_filename(survey_round, kind, extension, today)

    if fmt == "csv":
        # The two CSV files differ in name too, so a download of each keeps both.
        kind = "svar" if delimiter == "," else "svar-semikolon"
        streamed = exports.export_csv(survey_round, delimiter, with_free_text)
        return Download(streamed, "text/csv", name("csv", kind))
    if fmt == "xlsx":
        return Download(exports.export_xlsx(survey_round, with_free_text), XLSX, name("xlsx"))
    if fmt == "sav":
        return Download(
            _sav_bytes(survey_round, with_free_text), "application/x-spss-sav", name("sav")
        )
    if fmt == "codebook":
        plan = exports.background_plan(survey_round.id)
        definition = exports.shared_definition(survey_round, with_free_text)
        lines = exports.codebook_rows(definition, plan, exports.language_rows(survey_round))
        # Excel reads UTF-8 only with a byte order mark.
        body = "\ufeff" + "".join(exports.csv_line(line, ",") for line in lines)
        # Flask adds "; charset=utf-8" to a text/ mimetype itself (given here, it came twice).
        return Download(body, "text/csv", name("csv", "kodebog"))
    raise ValueError(f"unknown export format: {fmt}")


def _sav_bytes(survey_round: Round, with_free_text: bool) -> bytes:
    # pyreadstat writes only to a path.
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        exports.export_sav(survey_round, path, with_free_text)
        with open(path, "rb") as saved:
            return saved.read()
    finally:
        os.unlink(path)


def write_download(download: Download, path: str) -> None:
    """Write a download to a file, as the command line does."""
    with open(path, "wb") as handle:
        if isinstance(download.body, bytes):
            handle.write(download.body)
        elif isinstance(download.body, str):
            handle.write(download.body.encode("utf-8"))
        else:
            for chunk in download.body:
                handle.write(chunk.encode("utf-8"))
