"""Translations of a municipality's local question bank: export for a translator, import back.

A translation does not change what a question asks, so it is stored in the question's
current version without a new version; rounds already opened keep their frozen texts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import select

from questionnaires.exchange import ExchangeError, read, write
from questionnaires.model import Item, Option
from questionnaires.translation import Checked, Unit, check_import, item_units
from survey.bank import status
from survey.core import audit
from survey.core.extensions import db
from survey.core.translation_checks import check_messages
from survey.models import LocalQuestion
from survey.models.question import STALE

BANK_UNIT_PREFIX = "question/"  # every bank text's id: question/<code>/<field>


def import_messages() -> dict[str, str]:
    """check_import's messages in the reader's language (English on the command line)."""
    return check_messages(_("{id}: there is no such text in the question bank"))


@dataclass(frozen=True)
class TranslationState:
    """One translated language of a bank question, as the translations page lists it."""

    question: LocalQuestion
    language: str
    state: str  # "draft", "reviewed" or "stale" (LocalQuestion.translation_state)
    entry: dict  # who translated or reviewed it, and when


def translation_states(municipality_code: int) -> list[TranslationState]:
    """Every translation of the bank's current questions with its status, stale ones first."""
    found = [
        TranslationState(
            question,
            language,
            question.translation_state(language),
            question.translation_entry(language),
        )
        for question in current_questions(municipality_code)
        for language in question.translated_languages()
    ]
    order = {"stale": 0, "draft": 1, "reviewed": 2}
    return sorted(found, key=lambda s: (order.get(s.state, 3), s.question.code, s.language))


def review_translation(question: LocalQuestion, language: str, reviewer: str) -> None:
    """A staff member marks a translation reviewed against today's Danish (audited)."""
    if question.retired or language not in question.translated_languages():
        raise LookupError(f"{question.code} has no current translation into {language}")
    status.review(question, language, reviewer)


class BankImportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def current_questions(municipality_code: int) -> list[LocalQuestion]:
    return list(
        db.session.scalars(
            select(LocalQuestion)
            .where(
                LocalQuestion.municipality_code == municipality_code,
                LocalQuestion.retired.is_(False),
            )
            .order_by(LocalQuestion.code, LocalQuestion.version)
        )
    )


def _as_item(question: LocalQuestion) -> Item:
    return Item(
        code=question.code,
        type=question.type,
        text=dict(question.texts),
        theme="local",
        compare_key=question.compare_key,
        options=tuple(Option(int(o["value"]), dict(o["label"])) for o in question.options or ()),
        help=dict(question.help) if question.help else None,
    )


def bank_units(municipality_code: int, language: str) -> list[Unit]:
    """Every text of the bank's current questions; a translation made from Danish that
    changed since is marked stale, so the translator knows to look at it again."""
    return [
        replace(unit, stale=question.translation_state(language) == STALE)
        for question in current_questions(municipality_code)
        for unit in item_units(f"{BANK_UNIT_PREFIX}{question.code}", _as_item(question), language)
    ]


def export_bank(municipality_code: int, language: str, fmt: str) -> bytes:
    return write(
        bank_units(municipality_code, language), fmt, f"bank-{municipality_code}", language
    )


def import_bank(municipality_code: int, data: bytes) -> tuple[str, Checked]:
    """Store a translator's texts in the bank's current questions (audited); nothing is
    stored while any text has an error."""
    try:
        language, units = read(data)
    except ExchangeError as error:
        raise BankImportError(
            [_("The file could not be read as XLIFF, CSV or XLSX: %(reason)s", reason=str(error))]
        ) from None
    if not language or language == "da" or not language.isalpha() or len(language) > 3:
        raise BankImportError(
            [_("The file does not name the language it translates into (e.g. ar).")]
        )
    if units and not any(unit.id.startswith(BANK_UNIT_PREFIX) for unit in units):
        # Another file (the questionnaire's texts, most likely): one sentence that says so,
        # not a line per text that the bank does not have.
        raise BankImportError(
            [
                _(
                    "This file holds none of the question bank's texts. If it is the "
                    "questionnaire's texts, an operator puts those in: send the file to yours."
                )
            ]
        )
    checked = check_import(bank_units(municipality_code, language), units, import_messages())
    if checked.errors:
        raise BankImportError(checked.errors)
    by_code = {question.code: question for question in current_questions(municipality_code)}
    changed: set[str] = set()
    before: dict[str, tuple[str, ...]] = {}
    for unit_id, text in checked.accepted.items():
        _kind, code, field, *rest = unit_id.split("/")
        question = by_code[code]
        before.setdefault(code, question.language_texts(language))
        if field == "text":
            question.texts = {**question.texts, language: text}
        elif field == "help":
            question.help = {**(question.help or {}), language: text}
        elif field == "option":
            question.options = [
                {**o, "label": {**o["label"], language: text}} if str(o["value"]) == rest[0] else o
                for o in question.options or ()
            ]
        changed.add(code)
    for code in sorted(changed):
        if by_code[code].language_texts(language) != before[code]:
            # New wording from a file: a draft until someone reviews it (survey/bank/status).
            status.mark_draft(by_code[code], [language], status.FILE)
        audit.record(
            "question.translate",
            by_code[code],
            details={"code": code, "language": language},
        )
    return language, checked
