"""Translations of a shipped questionnaire file, exported for a translator and imported back.

The import writes the file itself (only the changed lines) after every check has passed,
and records who imported what; the file is then reviewed and committed like any change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import gettext as _

from questionnaires import Questionnaire, QuestionnaireError, find_questionnaire
from questionnaires.exchange import ExchangeError, read, write
from questionnaires.loader import available_questionnaires
from questionnaires.translation import (
    MESSAGES,
    Checked,
    check_import,
    fingerprint,
    questionnaire_units,
    stale_units,
)
from questionnaires.yaml_edit import apply_translations
from survey.core import audit
from survey.core.translation_checks import check_messages

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


@dataclass(frozen=True)
class Prepared:
    """A checked translation and the questionnaire file's text with it, not yet written."""

    questionnaire: Questionnaire
    language: str
    checked: Checked
    text: str
    path: Path
    status: dict


# The refusals before the texts are checked, by kind (the web passes them in Danish).
READ_MESSAGES = {
    "unreadable": "{reason}",
    "language": "the file names no target language we can use ({language!r})",
}


def prepare_questionnaire(
    key: str,
    data: bytes,
    reviewed_by: str | None = None,
    version: int | None = None,
    messages: Mapping[str, str] | None = None,
) -> Prepared:
    """Check a translator's file against questionnaire KEY and make the file's new text.

    Raises TranslationImportError with every problem while any text has an error. Texts
    whose Danish source changed since the export (stale) and empty ones are left as they
    were and reported. A translation is a draft unless `reviewed_by` names the
    professional who reviewed it. `version`: the questionnaire's version (default: newest).
    `messages`: check_import's and READ_MESSAGES' texts in the reader's language.
    """
    say = {**MESSAGES, **READ_MESSAGES, **(messages or {})}
    questionnaire = find_questionnaire(key, version)
    try:
        language, units = read(data)
    except ExchangeError as error:
        raise TranslationImportError([say["unreadable"].format(reason=error)]) from None
    if not language or language == "da" or not language.isalpha() or len(language) > 3:
        raise TranslationImportError([say["language"].format(language=language)])
    checked = check_import(questionnaire_units(questionnaire, language), units, say)
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
    return Prepared(questionnaire, language, checked, text, path, status)


def import_questionnaire(
    key: str, data: bytes, reviewed_by: str | None = None, version: int | None = None
) -> Imported:
    """Check a translator's file and write its translations into the questionnaire file
    (prepare_questionnaire says what is checked); audited."""
    prepared = prepare_questionnaire(key, data, reviewed_by, version)
    prepared.path.write_text(prepared.text, encoding="utf-8")
    available_questionnaires.cache_clear()
    _audit("questionnaire.translations_import", prepared)
    return Imported(prepared.language, prepared.checked, str(prepared.path))


def translated_file(
    key: str,
    version: int,
    data: bytes,
    reviewed_by: str | None,
    messages: Mapping[str, str],
) -> Prepared:
    """For the operator's page: the questionnaire file with a translator's texts, to
    download and ship in a release (the running installation's files are code and are not
    changed); audited."""
    prepared = prepare_questionnaire(key, data, reviewed_by, version, messages)
    _audit("questionnaire.translations_upload", prepared)
    return prepared


def _audit(action: str, prepared: Prepared) -> None:
    audit.record(
        action,
        details={
            "questionnaire": prepared.questionnaire.key,
            "version": prepared.questionnaire.version,
            "language": prepared.language,
            "texts": len(prepared.checked.accepted),
            "stale": len(prepared.checked.stale),
            "status": prepared.status["status"],
        },
    )


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


def upload_messages() -> dict[str, str]:
    """What the operator's page says of a file's problems, in the reader's language."""
    return {
        "unreadable": _("The file could not be read as XLIFF, CSV or XLSX: %(reason)s").replace(
            "%(reason)s", "{reason}"
        ),
        "language": _("The file does not name the language it translates into (e.g. ar)."),
        **check_messages(_("{id}: there is no such text in this questionnaire")),
    }


@dataclass(frozen=True)
class LanguageState:
    """One language of a shipped questionnaire, as the operator's page lists it."""

    questionnaire: Questionnaire
    language: str
    status: str  # "draft" or "reviewed"
    stale: list[str]  # ids of texts translated from Danish that has changed since


def language_states() -> list[LanguageState]:
    return [
        LanguageState(q, lang, q.translation_status(lang), stale_units(q, lang))
        for _key, q in sorted(available_questionnaires().items())
        for lang in q.languages
        if lang != "da"
    ]
