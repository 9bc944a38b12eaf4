"""File names that say what a file holds: municipality, round, comparison, split, date.

Every report used to download as `rapport-runde-1.pdf`, so two committee files could not be
told apart in a folder. Names are ASCII (æøå spelled out as in Danish), so every browser,
mail client and file system keeps them as they are.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import force_locale

from survey.core.labels import variable_label
from survey.models import Round

DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})
MAX_PART = 40


def slug(text: str) -> str:
    """ "Forår 2026 (Odense)" -> "foraar-2026-odense"."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(DANISH)).encode("ascii", "ignore").decode()
    )
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:MAX_PART].rstrip("-") or "x"


def _round_part(survey_round: Round) -> str:
    return f"{slug(survey_round.title)}-runde{survey_round.id}"


def report_filename(
    survey_round: Round, against: Round | None, by: str | None, extension: str, made: date
) -> str:
    """rapport_odense_foraar-2026-runde12_mod_foraar-2025-runde9_efter_ydelsesgruppe_2026-06-01.pdf"""
    parts = ["rapport", slug(survey_round.municipality.name), _round_part(survey_round)]
    if against is not None:
        parts += ["mod", _round_part(against)]
    if by is not None:
        with force_locale("da"):
            parts += ["efter", slug(variable_label(by))]
    parts.append(made.isoformat())
    return "_".join(parts) + f".{extension}"


def answers_filename(survey_round: Round, kind: str, extension: str, made: date) -> str:
    """svar_odense_foraar-2026-runde12_2026-06-01.sav (kind: "svar" or "kodebog")."""
    parts = [kind, slug(survey_round.municipality.name), _round_part(survey_round)]
    return "_".join([*parts, made.isoformat()]) + f".{extension}"


def published_filename(survey_round: Round, extension: str) -> str:
    """resultater_odense_foraar-2026-runde12.csv: the tables of a published page."""
    parts = ["resultater", slug(survey_round.municipality.name), _round_part(survey_round)]
    return "_".join(parts) + f".{extension}"
