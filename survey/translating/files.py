"""Translations of a shipped questionnaire file, exported for a translator and imported back.

The import writes the file itself (only the changed lines) after every check has passed,
and records who imported what; the file is then reviewed and committed like any change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from questionnaires import Questionnaire, QuestionnaireError, find_questionnaire
from questionnaires.exchange import ExchangeError, read, write
from questionnaires.loader import available_questionnaires
from questionnaires.translation import Checked, check_import, fingerprint, questionnaire_units
from questionnaires.yaml_edit import apply_translations
from survey.core import audit

DRAFT_NOTE = "imported translation, not checked by a professional translator"


class TranslationImportError(ValueError):
    """An import refused as a whole; `problems` say why, one per text."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    language: str
    checked: Checked
    path: str


def export_questionnaire(key: str, language: str, fmt: str, version: int | None = None) -> bytes:
    questionnaire = find_questionnaire(key, version)
    return write(
        questionnaire_units(questionnaire, language),
        fmt,
        f"{questionnaire.key}-{questionnaire.version}",
        language,
    )


def import_questionnaire(
    key: str, data: bytes, reviewed_by: str | None = None, version: int | None = None
) -> Imported:
    """Check a translator's file and write its translations into the questionnaire file.

    Nothing is written while any text has an error. Texts whose Danish source changed
    since the export (stale) and empty ones are left as they were and reported. A
    translation is a draft unless `reviewed_by` names the professional who reviewed it.
    `version`: the questionnaire's version (default: the newest).
    """
    questionnaire = find_questionnaire(key, version)
    try:
        language, units = read(data)
    except ExchangeError as error:
        raise TranslationImportError([str(error)]) from None
    if not language or language == "da" or not language.isalpha() or len(language) > 3:
        raise TranslationImportError(
            [f"the file names no target language we can use ({language!r})"]
        )
    checked = check_import(questionnaire_units(questionnaire, language), units)
    if checked.errors:
        raise TranslationImportError(checked.errors)
    status = _status(questionnaire, language, reviewed_by)
    path = Path(questionnaire.source_path or "")
    try:
        text, _new = apply_translations(
            path.read_text(encoding="utf-8"),
            str(path),
            language,
            checked.accepted,
            status,
            _sources(questionnaire, checked),
        )
    except QuestionnaireError as error:
        raise TranslationImportError([str(error)]) from None
    path.write_text(text, encoding="utf-8")
    available_questionnaires.cache_clear()
    audit.record(
        "questionnaire.translations_import",
        details={
            "questionnaire": questionnaire.key,
            "language": language,
            "texts": len(checked.accepted),
            "stale": len(checked.stale),
            "status": status["status"],
        },
    )
    return Imported(language, checked, str(path))


def _sources(questionnaire: Questionnaire, checked: Checked) -> dict[str, str]:
    """The fingerprint of the Danish each accepted translation was made from: the current
    Danish (check_import set aside every text whose Danish changed since the export)."""
    danish = {unit.id: unit.source for unit in questionnaire_units(questionnaire, "da")}
    return {unit_id: fingerprint(danish[unit_id]) for unit_id in checked.accepted}


def _status(questionnaire: Questionnaire, language: str, reviewed_by: str | None) -> dict:
    if reviewed_by and reviewed_by.strip():
        return {
            "status": "reviewed",
            "reviewed_by": reviewed_by.strip(),
            "reviewed_on": date.today().isoformat(),
        }
    return {"status": "draft", "translated_by": DRAFT_NOTE}
