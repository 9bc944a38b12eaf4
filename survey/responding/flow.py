"""The citizen's page flow as a service: given where the citizen is and what they posted,
what happens next. The view only turns the outcome into HTTP.

Outcomes: show a page (with its answers and any errors), or go to another step (the
landing page, a page of questions, the thank-you page). Saving and completing happen
here; the request's one commit happens after the view returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from questionnaires import Page
from survey.responding import journey as sheets
from survey.responding.answers import TamperedPost, read_page_post
from survey.responding.journey import Journey
from survey.responding.state import CitizenState

LANDING, PAGE, THANKS = "landing", "page", "thanks"


@dataclass(frozen=True)
class GoTo:
    """Continue at another step: LANDING, THANKS, or PAGE with its key."""

    step: str
    page_key: str | None = None
    state_changed: bool = False  # the citizen's state must be saved (they are done)


@dataclass(frozen=True)
class Show:
    """Render a page of questions; status 422 when the post had answers to correct."""

    page: Page
    answers: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    status: int = 200


def start(journey: Journey, state: CitizenState, language: str) -> GoTo:
    """ "Start" on the landing page: the sheet is made once; continue where the citizen was."""
    if sheets.invitation_completed(state):
        return GoTo(THANKS)
    if journey.response is None:
        journey.response = sheets.start_response(journey.survey_round, state, language)
    return GoTo(PAGE, journey.resume_page().key)


def page(
    journey: Journey,
    state: CitizenState,
    key: str,
    form: MultiDict | None,
    language: str,
) -> GoTo | Show:
    """A page of questions shown (`form` None) or posted; raises TamperedPost on forged posts."""
    if journey.response is None:
        return _without_sheet(state, posted=form is not None)
    current = {p.key: p for p in journey.definition.visible_pages(journey.answers)}.get(key)
    if current is None:
        if form is not None:
            raise TamperedPost("post to a page that is not shown")
        return GoTo(PAGE, journey.resume_page().key)
    if form is None:
        return Show(current, journey.answers)
    posted = read_page_post(current, form, journey.answers)
    if posted.errors:
        shown = {**journey.answers, **{k: v for k, v in posted.values.items() if v is not None}}
        for code, value in posted.values.items():
            if value is None:
                shown.pop(code, None)
        return Show(current, shown, posted.errors, status=422)
    answers = sheets.save_page_answers(
        journey.response, journey.definition, current, posted.values, language
    )
    step = -1 if posted.action == "back" else 1
    target = sheets.neighbour_page(journey.definition, answers, current.key, step)
    if target is None and step > 0:
        sheets.complete_response(journey.response, state)
        state.done = True
        return GoTo(THANKS, state_changed=True)
    target = target or current
    journey.response.current_page = target.key
    return GoTo(PAGE, target.key)


def _without_sheet(state: CitizenState, posted: bool) -> GoTo:
    if sheets.invitation_completed(state):
        return GoTo(THANKS)
    if posted and state.channel == "open":
        # Only a second "Send" racing the first gets here: the sheet was completed and its
        # resume hash erased, and this request carried the cookie from before.
        state.done = True
        return GoTo(THANKS, state_changed=True)
    return GoTo(LANDING)
