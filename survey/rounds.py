"""Rounds: what a round asks (core questionnaire plus local questions) and whether it is open."""

from __future__ import annotations

import secrets
from dataclasses import replace

from questionnaires import Condition, Item, Option, Page, Questionnaire, find_questionnaire
from questionnaires.model import THEMES, fixed_options
from survey.models import LocalQuestion, Municipality, Round, RoundQuestion
from survey.models.base import today

LOCAL_PAGE_KEY = "local"


class RoundStateError(ValueError):
    """An action that the round's state does not allow (e.g. opening a closed round)."""


def local_question_item(question: LocalQuestion) -> Item:
    """The questionnaire item a local question becomes inside a round."""
    show_if = question.show_if
    return Item(
        code=question.code,
        type=question.type,
        text=dict(question.texts),
        theme="local",
        compare_key=question.compare_key,
        options=tuple(Option(int(o["value"]), dict(o["label"])) for o in question.options or ())
        or fixed_options(question.type),
        help=dict(question.help) if question.help else None,
        max_length=question.max_length,
        show_if=Condition(show_if["item"], tuple(show_if["in"])) if show_if else None,
        source="local",
    )


def build_definition(
    questionnaire: Questionnaire,
    placed: list[tuple[str, LocalQuestion]],
    municipality: Municipality,
    languages: list[str],
) -> Questionnaire:
    """Merge a core questionnaire with local questions placed after a theme or at the end."""
    after_theme: dict[str, list[Item]] = {theme: [] for theme in THEMES}
    at_end: list[Item] = []
    for placement, question in placed:
        item = local_question_item(question)
        (at_end if placement == "end" else after_theme[placement]).append(item)
    pages = [
        replace(page, items=page.items + tuple(after_theme[page.theme]))
        for page in questionnaire.pages
    ]
    if at_end:
        name = municipality.name
        pages.append(
            Page(
                key=LOCAL_PAGE_KEY,
                theme="local",
                title={
                    "da": f"Spørgsmål fra {name} Kommune",
                    "en": f"Questions from {name} Municipality",
                },
                items=tuple(at_end),
            )
        )
    offered = tuple(lang for lang in questionnaire.languages if lang in languages) or ("da",)
    return replace(questionnaire, pages=tuple(pages), languages=offered)


def round_definition(survey_round: Round) -> Questionnaire:
    """What the round asks: its frozen snapshot once opened, else built from current data."""
    if survey_round.snapshot is not None:
        return Questionnaire.from_dict(survey_round.snapshot)
    questionnaire = find_questionnaire(
        survey_round.questionnaire_key, survey_round.questionnaire_version
    )
    placed = [(rq.placement, rq.question) for rq in survey_round.local_questions]
    return build_definition(
        questionnaire, placed, survey_round.municipality, survey_round.languages
    )


def open_round(survey_round: Round) -> None:
    """Open a round: freeze its pages and items so answers never meet changed questions."""
    if (
        survey_round.state == "closed"
        and survey_round.closes_on
        and survey_round.closes_on < today()
    ):
        raise RoundStateError("the round's closing date has passed")
    if survey_round.snapshot is None:
        survey_round.snapshot = round_definition(survey_round).to_dict()
    if survey_round.open_code is None:
        survey_round.open_code = secrets.token_urlsafe(9)
    survey_round.state = "open"


def close_round(survey_round: Round) -> None:
    if survey_round.state != "open":
        raise RoundStateError("only an open round can be closed")
    survey_round.state = "closed"


def availability(survey_round: Round) -> str:
    """'open', 'not_open' or 'closed' for a citizen arriving today."""
    now = today()
    if survey_round.state == "closed" or (survey_round.closes_on and survey_round.closes_on < now):
        return "closed"
    if survey_round.state == "draft" or (survey_round.opens_on and survey_round.opens_on > now):
        return "not_open"
    return "open"


def add_local_question(
    survey_round: Round, question: LocalQuestion, placement: str = "end"
) -> RoundQuestion:
    if survey_round.snapshot is not None:
        raise RoundStateError("an opened round's questions are frozen")
    link = RoundQuestion(
        question=question, placement=placement, position=len(survey_round.local_questions)
    )
    survey_round.local_questions.append(link)
    return link
