"""Local questions in a round: added, moved, placed after a theme or at the end, removed.

Only while the round is a draft; every change is audited.
"""

from __future__ import annotations

from flask_babel import gettext as _

from questionnaires import find_questionnaire
from survey.core import audit
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.models.round import END_PLACEMENT
from survey.rounds.lifecycle import RoundStateError, require_editable


def placements(survey_round: Round) -> list[tuple[str, dict[str, str]]]:
    """Where a local question may go in this round: after each theme of the round's
    questionnaire that has a page (the theme's title per language), then "end" (no title)."""
    core = find_questionnaire(survey_round.questionnaire_key, survey_round.questionnaire_version)
    paged = {page.theme for page in core.pages}
    return [(t.key, dict(t.title)) for t in core.theme_order() if t.key in paged] + [
        (END_PLACEMENT, {})
    ]


def add_local_question(
    survey_round: Round, question: LocalQuestion, placement: str = "end"
) -> RoundQuestion:
    require_editable(survey_round)
    if question.retired:
        raise RoundStateError(_("A retired question cannot be added to a round."))
    if any(link.question.code == question.code for link in survey_round.local_questions):
        raise RoundStateError(_("The question is already in the round."))
    check_placement(survey_round, question, placement)
    link = RoundQuestion(
        question=question, placement=placement, position=len(survey_round.local_questions)
    )
    survey_round.local_questions.append(link)
    audit.record(
        "round.question_add",
        survey_round,
        details={"question": question.code, "placement": placement},
    )
    return link


def check_placement(survey_round: Round, question: LocalQuestion, placement: str) -> None:
    """A placement is the end or a theme of the round's questionnaire that has a page; a
    condition is evaluated on the server, so it must refer to an earlier page."""
    core = find_questionnaire(survey_round.questionnaire_key, survey_round.questionnaire_version)
    themes = [page.theme for page in core.pages]
    if placement != END_PLACEMENT and placement not in themes:
        raise RoundStateError(_("Unknown placement."))
    if not question.show_if or placement == END_PLACEMENT:
        return
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
    """One step up (-1) or down (+1); at either end nothing moves (still audited as asked)."""
    require_editable(survey_round)
    links = list(survey_round.local_questions)
    index = links.index(link)
    other = index + step
    if 0 <= other < len(links):
        links[index], links[other] = links[other], links[index]
    for position, item in enumerate(links):
        item.position = position
    _record(f"round.question_{'up' if step < 0 else 'down'}", survey_round, link)


def remove_local_question(survey_round: Round, link: RoundQuestion) -> None:
    require_editable(survey_round)
    survey_round.local_questions.remove(link)
    for position, item in enumerate(survey_round.local_questions):
        item.position = position
    _record("round.question_remove", survey_round, link)


def place_local_question(survey_round: Round, link: RoundQuestion, placement: str) -> None:
    require_editable(survey_round)
    check_placement(survey_round, link.question, placement)
    link.placement = placement
    _record("round.question_place", survey_round, link)


def _record(action: str, survey_round: Round, link: RoundQuestion) -> None:
    audit.record(action, survey_round, details={"question": link.question.code})
