"""A printable poster of a round's open link (own phone) or kiosk link (shared tablet).

A4 or A3 PDF: the municipality's name, a heading and one line of explanation in each of
the round's languages that has a catalogue, the QR code, and the short address and code
typed out for those who cannot scan. It can be printed before the round opens: the link
then tells citizens when it opens.
"""

from __future__ import annotations

import base64
import io

import segno
from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from survey.core import audit
from survey.core.i18n import LANGUAGE_NAMES, RTL_LANGUAGES, ui_languages
from survey.invitations.issuing import kiosk_link, open_link
from survey.models import Round
from survey.rounds.lifecycle import ensure_open_code

SIZES = ("A4", "A3")
LINK_KINDS = ("open", "kiosk")


def poster_html(survey_round: Round, size: str = "A4", link: str = "open") -> str:
    """The poster as print HTML (the source of the PDF)."""
    if size not in SIZES or link not in LINK_KINDS:
        raise ValueError(f"size must be one of {SIZES} and link one of {LINK_KINDS}")
    ensure_open_code(survey_round)
    address = kiosk_link(survey_round) if link == "kiosk" else open_link(survey_round)
    texts = []
    for language in [lang for lang in survey_round.languages if lang in ui_languages()]:
        with force_locale(language):
            texts.append(
                {
                    "language": language,
                    "name": LANGUAGE_NAMES.get(language, language),
                    "rtl": language in RTL_LANGUAGES,
                    "heading": _("Tell us about your job centre"),
                    "line": _(
                        "Scan the code with your phone's camera and answer a few questions. "
                        "It is anonymous and takes about 5 minutes."
                    )
                    if link == "open"
                    else _(
                        "Answer a few questions on this tablet. It is anonymous and takes "
                        "about 5 minutes."
                    ),
                }
            )
    with force_locale("da"):
        return render_template(
            "poster/poster.html",
            survey_round=survey_round,
            municipality=survey_round.municipality,
            size=size,
            texts=texts,
            qr=_qr_data_uri(address),
            short_address=address.split("://", 1)[-1],
            code=survey_round.open_code,
            format_date=format_date,
        )


def poster_pdf(survey_round: Round, size: str = "A4", link: str = "open") -> bytes:
    """The poster as a PDF (audited: who printed which poster)."""
    from weasyprint import HTML  # imported late: it loads Pango, which only posters need

    html = poster_html(survey_round, size, link)
    audit.record("round.poster", survey_round, details={"size": size, "link": link})
    return HTML(string=html).write_pdf()


def _qr_data_uri(address: str) -> str:
    buffer = io.BytesIO()
    segno.make(address, error="m").save(buffer, kind="svg", scale=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
