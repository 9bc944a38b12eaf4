"""Translations of a municipality's local question bank: export for a translator, import back.

A translation does not change what a question asks, so it is stored in the question's
current version without a new version; rounds already opened keep their frozen texts.
"""

from __future__ import annotations

from sqlalchemy import select

from questionnaires.exchange import ExchangeError, read, write
from questionnaires.model import Item, Option
from questionnaires.translation import Checked, Unit, check_import, item_units
from survey.core import audit
from survey.core.extensions import db
from survey.models import LocalQuestion


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
    return [
        unit
        for question in current_questions(municipality_code)
        for unit in item_units(f"question/{question.code}", _as_item(question), language)
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
        raise BankImportError([str(error)]) from None
    if not language or language == "da" or not language.isalpha() or len(language) > 3:
        raise BankImportError([f"the file names no target language we can use ({language!r})"])
    checked = check_import(bank_units(municipality_code, language), units)
    if checked.errors:
        raise BankImportError(checked.errors)
    by_code = {question.code: question for question in current_questions(municipality_code)}
    changed: set[str] = set()
    for unit_id, text in checked.accepted.items():
        _kind, code, field, *rest = unit_id.split("/")
        question = by_code[code]
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
        audit.record(
            "question.translate",
            by_code[code],
            details={"code": code, "language": language},
        )
    return language, checked
