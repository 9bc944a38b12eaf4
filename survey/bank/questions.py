"""The local question bank: a municipality's own questions, versioned once used."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from questionnaires import Item, find_questionnaire
from questionnaires.scales import SCALE_LANGUAGES
from questionnaires.schema import SchemaError, build_item
from survey.bank import status
from survey.core import audit
from survey.core.extensions import db
from survey.models import LocalQuestion, Round, RoundQuestion

CORE_QUESTIONNAIRE = "kl-beskaeftigelse"
CONDITION_TYPES = ("yesno", "single")


class BankError(ValueError):
    """A question that cannot be saved as given; the message is for the administrator."""


@dataclass(frozen=True)
class QuestionDraft:
    """What the editor posts: texts per language, type, options and an optional condition."""

    texts: dict[str, str]
    type: str
    options: list[dict]  # [{"value": 1, "label": {"da": ..., "en": ...}}] for single/multi
    max_length: int | None
    help: dict[str, str] | None
    show_if: dict | None  # {"item": code, "in": [value]}


def condition_choices(key: str = CORE_QUESTIONNAIRE) -> list[tuple[Item, object]]:
    """(item, option) pairs a local question may depend on: answers to core yes/no and choices."""
    questionnaire = find_questionnaire(key)
    return [
        (item, option)
        for item in questionnaire.items
        if item.type in CONDITION_TYPES
        for option in item.options
    ]


def check_draft(draft: QuestionDraft) -> Item:
    """Validate with the same schema as questionnaire files, against the core items."""
    # Every citizen language the question has a text in (translations arrive by import).
    languages = tuple(
        lang for lang in SCALE_LANGUAGES if (draft.texts.get(lang) or "").strip()
    ) or ("da",)
    if not draft.texts.get("da", "").strip():
        raise BankError(_("The Danish text is required."))
    node: dict[str, object] = {
        "code": "local.check",
        "type": draft.type,
        "text": {k: draft.texts[k] for k in languages},
    }
    if draft.type in ("single", "multi"):
        node["options"] = [
            {"value": o["value"], "label": {k: o["label"].get(k, "") for k in languages}}
            for o in draft.options
        ]
    if draft.type == "text":
        node["max_length"] = draft.max_length
    if draft.help and draft.help.get("da"):
        node["help"] = {k: draft.help.get(k) or draft.help["da"] for k in languages}
    if draft.show_if:
        node["show_if"] = draft.show_if
    earlier = {item.code: item for item in find_questionnaire(CORE_QUESTIONNAIRE).items}
    try:
        return build_item(node, languages, "local", earlier, 1)
    except SchemaError as error:
        raise BankError(error.message.replace("item 'local.check'", _("The question"))) from None


def make_code(municipality_code: int, danish_text: str) -> str:
    """A stable, readable code from the Danish text, unique within the municipality."""
    ascii_text = danish_text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:5] or ["spoergsmaal"]
    base = f"local.m{municipality_code}." + "_".join(words)[:48].strip("_")
    code, suffix = base, 1
    while db.session.scalar(select(LocalQuestion.id).where(LocalQuestion.code == code)) is not None:
        suffix += 1
        code = f"{base}_{suffix}"
    return code


def create_question(municipality_code: int, draft: QuestionDraft) -> LocalQuestion:
    """Save a new question in the municipality's bank (audited)."""
    item = check_draft(draft)
    question = LocalQuestion(
        municipality_code=municipality_code,
        code=make_code(municipality_code, draft.texts["da"]),
        version=1,
    )
    _apply(question, item)
    status.carry_over({}, None, question)  # every translation typed here is a draft
    question.compare_key = question.code
    db.session.add(question)
    db.session.flush()
    audit.record("question.create", question, details={"code": question.code})
    return question


def used_in_opened_round(question: LocalQuestion) -> bool:
    return (
        db.session.execute(
            select(func.count())
            .select_from(RoundQuestion)
            .join(Round, Round.id == RoundQuestion.round_id)
            .where(RoundQuestion.local_question_id == question.id, Round.snapshot.is_not(None))
        ).scalar_one()
        > 0
    )


def edit_question(
    question: LocalQuestion, draft: QuestionDraft, comparable: bool = True
) -> LocalQuestion:
    """Edit in place while unused; once an opened round used it, make a new version.

    The new version keeps the compare_key (results stay comparable across the rewording)
    unless the administrator says the change is not comparable.
    """
    item = check_draft(draft)
    before, entries = status.texts_by_language(question), question.translations
    if not used_in_opened_round(question):
        _apply(question, item)
        status.carry_over(before, entries, question)
        audit.record(
            "question.edit", question, details={"code": question.code, "version": question.version}
        )
        return question
    latest = db.session.scalar(
        select(func.max(LocalQuestion.version)).where(LocalQuestion.code == question.code)
    )
    if latest is None:  # the question itself has this code, so there is a version
        raise LookupError(f"no stored version of the question {question.code}")
    new = LocalQuestion(
        municipality_code=question.municipality_code,
        code=question.code,
        version=latest + 1,
        compare_key=question.compare_key if comparable else f"{question.code}.v{latest + 1}",
    )
    _apply(new, item)
    status.carry_over(before, entries, new)
    question.retired = True  # the old wording stays in the rounds that used it
    db.session.add(new)
    db.session.flush()
    _replace_in_draft_rounds(question, new)
    audit.record("question.new_version", new, details={"code": new.code, "version": new.version})
    return new


def _replace_in_draft_rounds(old: LocalQuestion, new: LocalQuestion) -> None:
    links = db.session.scalars(
        select(RoundQuestion)
        .join(Round, Round.id == RoundQuestion.round_id)
        .where(RoundQuestion.local_question_id == old.id, Round.snapshot.is_(None))
    )
    for link in links:
        link.question = new


def retire_question(question: LocalQuestion) -> None:
    question.retired = True
    audit.record("question.retire", question, details={"code": question.code})


def rounds_using(question: LocalQuestion) -> list[Round]:
    # IN (subquery), not DISTINCT: PostgreSQL cannot compare the round's JSON columns.
    used_in = (
        select(RoundQuestion.round_id)
        .join(LocalQuestion, LocalQuestion.id == RoundQuestion.local_question_id)
        .where(
            LocalQuestion.code == question.code,
            LocalQuestion.municipality_code == question.municipality_code,
        )
    )
    return list(db.session.scalars(select(Round).where(Round.id.in_(used_in)).order_by(Round.id)))


def draft_from(question: LocalQuestion) -> QuestionDraft:
    return QuestionDraft(
        texts=dict(question.texts),
        type=question.type,
        options=list(question.options or []),
        max_length=question.max_length,
        help=dict(question.help) if question.help else None,
        show_if=dict(question.show_if) if question.show_if else None,
    )


def _apply(question: LocalQuestion, item: Item) -> None:
    question.type = item.type
    question.texts = dict(item.text)
    question.help = dict(item.help) if item.help else None
    question.options = (
        [option.to_dict() for option in item.options] if item.type in ("single", "multi") else None
    )
    question.max_length = item.max_length
    question.show_if = item.show_if.to_dict() if item.show_if else None
