"""Rounds: what a round asks (core questionnaire plus local questions) and whether it is open."""

from __future__ import annotations

import secrets
from dataclasses import replace

from flask_babel import gettext as _

from questionnaires import Condition, Item, Option, Page, Questionnaire, find_questionnaire
from questionnaires.model import THEMES, fixed_options
from survey.models import LocalQuestion, Municipality, Round, RoundQuestion
from survey.models.base import today
from survey.models.round import PLACEMENTS

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
    if survey_round.state == "closed":
        reopen_round(survey_round)
        return
    if survey_round.state == "open":
        raise RoundStateError(_("The round is already open."))
    if survey_round.closes_on and survey_round.closes_on < today():
        raise RoundStateError(_("The round's closing date has passed. Change the date to open it."))
    if survey_round.snapshot is None:
        survey_round.snapshot = round_definition(survey_round).to_dict()
    if survey_round.open_code is None:
        survey_round.open_code = secrets.token_urlsafe(9)
    survey_round.state = "open"


def close_round(survey_round: Round) -> None:
    if survey_round.state != "open":
        raise RoundStateError(_("Only an open round can be closed."))
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
    _require_editable(survey_round)
    if question.retired:
        raise RoundStateError(_("A retired question cannot be added to a round."))
    if any(link.question.code == question.code for link in survey_round.local_questions):
        raise RoundStateError(_("The question is already in the round."))
    check_placement(survey_round, question, placement)
    link = RoundQuestion(
        question=question, placement=placement, position=len(survey_round.local_questions)
    )
    survey_round.local_questions.append(link)
    return link


def check_placement(survey_round: Round, question: LocalQuestion, placement: str) -> None:
    """A condition is evaluated on the server, so it must refer to an earlier page."""
    if placement not in PLACEMENTS:
        raise RoundStateError(_("Unknown placement."))
    if not question.show_if or placement == "end":
        return
    core = find_questionnaire(survey_round.questionnaire_key, survey_round.questionnaire_version)
    themes = [page.theme for page in core.pages]
    target_theme = next(
        (
            page.theme
            for page in core.pages
            for item in page.items
            if item.code == question.show_if["item"]
        ),
        None,
    )
    if target_theme is None or themes.index(placement) <= themes.index(target_theme):
        raise RoundStateError(
            _(
                "This question depends on an answer on the same or a later page. "
                "Place it after a later theme or at the end."
            )
        )


def move_local_question(survey_round: Round, link: RoundQuestion, step: int) -> None:
    _require_editable(survey_round)
    links = list(survey_round.local_questions)
    index = links.index(link)
    other = index + step
    if 0 <= other < len(links):
        links[index], links[other] = links[other], links[index]
    for position, item in enumerate(links):
        item.position = position


def remove_local_question(survey_round: Round, link: RoundQuestion) -> None:
    _require_editable(survey_round)
    survey_round.local_questions.remove(link)
    for position, item in enumerate(survey_round.local_questions):
        item.position = position


def place_local_question(survey_round: Round, link: RoundQuestion, placement: str) -> None:
    _require_editable(survey_round)
    check_placement(survey_round, link.question, placement)
    link.placement = placement


def reopen_round(survey_round: Round) -> None:
    """Reopen a closed round while it is still within its dates."""
    if survey_round.state != "closed":
        raise RoundStateError(_("Only a closed round can be reopened."))
    if survey_round.closes_on and survey_round.closes_on < today():
        raise RoundStateError(
            _("The round's closing date has passed. Change the date to reopen it.")
        )
    survey_round.state = "open"


def _require_editable(survey_round: Round) -> None:
    if survey_round.snapshot is not None:
        raise RoundStateError(
            _("The round has been opened, so its questions can no longer change.")
        )
