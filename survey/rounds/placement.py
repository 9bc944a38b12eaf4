"""Local questions in a round: added, moved, placed after a theme or at the end, removed.

Only while the round is a draft; every change is audited.
"""

from __future__ import annotations

from flask_babel import gettext as _

from questionnaires import find_questionnaire
from questionnaires.model import pick_text
from survey.core import audit
from survey.core.i18n import current_language
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.models.round import END_PLACEMENT
from survey.rounds.lifecycle import RoundStateError, require_editable


def placements(survey_round: Round) -> list[tuple[str, dict[str, str]]]:
    """Where a local question may go in this round: on the last page of each theme of the
    round's questionnaire, in the order citizens meet those pages and named by that page's
    title (what citizens see), then "end" (no title). (In the themes' file order and by
    their names, "after a later theme" could not be told from the list.)"""
    core = find_questionnaire(survey_round.questionnaire_key, survey_round.questionnaire_version)
    last = _last_pages(core)
    return [
        (theme, dict(core.pages[index].title))
        for theme, index in sorted(last.items(), key=lambda pair: pair[1])
    ] + [(END_PLACEMENT, {})]


def _last_pages(core) -> dict[str, int]:
    """Each theme's last page (by index): where local questions placed after it go."""
    return {page.theme: index for index, page in enumerate(core.pages)}


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
    condition is evaluated on the server, so it must refer to an earlier page than the one
    the question goes on (the theme's last page)."""
    core = find_questionnaire(survey_round.questionnaire_key, survey_round.questionnaire_version)
    last = _last_pages(core)
    if placement != END_PLACEMENT and placement not in last:
        raise RoundStateError(_("Unknown placement."))
    if not question.show_if or placement == END_PLACEMENT:
        return
    depends_on = question.show_if["item"]
    found = next(
        (
            (index, page, item)
            for index, page in enumerate(core.pages)
            for item in page.items
            if item.code == depends_on
        ),
        None,
    )
    if found is None:
        raise RoundStateError(
            _("This question depends on an answer the round does not ask. Place it at the end.")
        )
    index, page, item = found
    if last[placement] <= index:
        language = current_language()
        raise RoundStateError(
            _(
                "This question is shown only after an answer to “%(item)s”, on the page "
                "“%(page)s”. Place it after a later page or at the end.",
                item=pick_text(item.text, language),
                page=pick_text(page.title, language),
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
