"""The citizen's page flow as a service: given where the citizen is and what they posted,
what happens next. The view only turns the outcome into HTTP.

Outcomes: show a page (with its answers and any errors), or go to another step (the
landing page, a page of questions, the thank-you page). Saving and completing happen
here; the request's one commit happens after the view returns.

A browser that did not start the sheet (Journey.own_device) continues forward only: a
page already answered is treated like a page not shown, for showing and for posting
alike, and "Back" does not go to one. Sheets sent through the open links count against
the sending address (open_link), and past its limit are refused with the page kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from questionnaires import Page
from survey.responding import journey as sheets
from survey.responding import open_link
from survey.responding.answers import LANGUAGE, PageInput, TamperedPost, read_page_post
from survey.responding.journey import Journey
from survey.responding.state import CitizenState, remember_answered

LANDING, PAGE, THANKS = "landing", "page", "thanks"
BUSY = "busy"  # Show.notice: too many sheets from this address just now


@dataclass(frozen=True)
class GoTo:
    """Continue at another step: LANDING, THANKS, or PAGE with its key."""

    step: str
    page_key: str | None = None
    state_changed: bool = False  # the citizen's state must be saved (they are done)
    language: str | None = None  # the citizen chose another language on the page


@dataclass(frozen=True)
class Show:
    """Render a page of questions; status 422 when the post had answers to correct, 429
    when the sheet could not be sent yet (notice BUSY)."""

    page: Page
    answers: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    status: int = 200
    notice: str | None = None


def start(journey: Journey, state: CitizenState, language: str, device: str) -> GoTo:
    """ "Start" on the landing page: the sheet is made once; continue where the citizen was."""
    if sheets.invitation_completed(state, journey):
        return GoTo(THANKS)
    if journey.response is None:
        journey.response = sheets.start_response(journey.survey_round, state, language, device)
        # Another browser may have started the same sheet a moment before.
        journey.own_device = sheets.started_on(journey.response, device)
    return _resume(journey)


def page(
    journey: Journey,
    state: CitizenState,
    key: str,
    form: MultiDict | None,
    language: str,
    address: str = "",
) -> GoTo | Show:
    """A page of questions shown (`form` None) or posted; raises TamperedPost on forged posts.

    `address` is the client's address, counted (as a keyed hash) when an open link's
    sheet is sent.
    """
    if journey.response is None:
        return _without_sheet(journey, state, posted=form is not None)
    current = {p.key: p for p in journey.definition.visible_pages(journey.answers)}.get(key)
    if current is None:
        if form is not None:
            raise TamperedPost("post to a page that is not shown")
        return _resume(journey)
    if journey.is_locked(current):
        # Answered on the browser that started the sheet: not shown here, nor changed.
        return _resume(journey)
    if form is None:
        return Show(current, journey.shown_answers)
    posted = read_page_post(current, form, journey.answers)
    if posted.errors:
        return Show(current, _with_posted(journey, posted), posted.errors, status=422)
    if posted.action == LANGUAGE:
        # Another of the round's languages: the page's answers are saved first (in the
        # language the citizen now answers in), then the page is shown again.
        chosen = posted.language if posted.language in journey.definition.languages else None
        sheets.save_page_answers(
            journey.response,
            journey.definition,
            current,
            posted.values,
            journey.answers,
            move_to_page=(current.key, chosen or language),
        )
        return GoTo(PAGE, current.key, language=chosen)
    step = -1 if posted.action == "back" else 1
    if step > 0 and _refused(journey, state, current, posted, address):
        return Show(current, _with_posted(journey, posted), status=429, notice=BUSY)
    # Where the citizen goes is known before anything is written, so the answers and the
    # move are saved together (one statement on PostgreSQL).
    after = sheets.answers_after_post(journey.definition, posted.values, journey.answers)
    target = sheets.neighbour_page(journey.definition, after, current.key, step)
    if target is None and step > 0:
        return _complete(journey, state, address, language, (current, posted.values))
    if target is None or journey.is_locked(target):
        target = current
    sheets.save_page_answers(
        journey.response,
        journey.definition,
        current,
        posted.values,
        journey.answers,
        move_to_page=(target.key, language),
    )
    return GoTo(PAGE, target.key)


def send(journey: Journey, state: CitizenState, address: str = "") -> GoTo:
    """Send a sheet whose every page was answered, from a browser not shown its answers."""
    if journey.response is None:
        return _without_sheet(journey, state, posted=True)
    if journey.resume_page() is not None:
        return _resume(journey)
    if state.channel == "open" and not open_link.may_complete(journey.survey_round.id, address):
        open_link.count_refusal(journey.survey_round.id)
        return GoTo(LANDING)
    return _complete(journey, state, address)


def _resume(journey: Journey) -> GoTo:
    """Where the sheet continues; the landing page when only sending is left."""
    target = journey.resume_page()
    return GoTo(PAGE, target.key) if target is not None else GoTo(LANDING)


def _with_posted(journey: Journey, posted: PageInput) -> dict[str, str]:
    shown = {**journey.shown_answers}
    for code, value in posted.values.items():
        if value is None:
            shown.pop(code, None)
        else:
            shown[code] = value
    return shown


def _refused(
    journey: Journey, state: CitizenState, current: Page, posted: PageInput, address: str
) -> bool:
    """Whether this post would send an open link's sheet that its address may not send now.

    A refusal is counted for the analyst; nothing of the page is saved.
    """
    if state.channel != "open":
        return False
    answers = {**journey.answers}
    for code, value in posted.values.items():
        if value is None:
            answers.pop(code, None)
        else:
            answers[code] = value
    if sheets.neighbour_page(journey.definition, answers, current.key, 1) is not None:
        return False
    if open_link.may_complete(journey.survey_round.id, address):
        return False
    open_link.count_refusal(journey.survey_round.id)
    return True


def _complete(
    journey: Journey,
    state: CitizenState,
    address: str,
    language: str | None = None,
    last_page: tuple[Page, Mapping[str, str | None]] | None = None,
) -> GoTo:
    """Complete the sheet; with `last_page` (the page and its posted values), save it too."""
    if journey.response is None:
        raise LookupError("no sheet to complete")
    answers = journey.answers
    if last_page is not None:
        answers = sheets.answers_after_post(journey.definition, last_page[1], journey.answers)
    # An open link's sheet has no background from a send list: a background question of
    # the questionnaire (e.g. "Hvilken ydelse får du?") gives it.
    background = (
        sheets.background_from_answers(journey.definition, answers)
        if state.channel == "open"
        else {}
    )
    if last_page is None:
        sheets.complete_response(
            journey.response, state, journey.definition, answers, language, background
        )
    else:
        page, values = last_page
        sheets.save_and_complete(
            journey.response,
            journey.definition,
            page,
            values,
            journey.answers,
            state,
            language,
            background,
        )
    if state.channel == "open":
        open_link.count_completion(journey.survey_round.id, address)
        if not state.kiosk:
            remember_answered(journey.survey_round.id)
    state.done = True
    return GoTo(THANKS, state_changed=True)


def _without_sheet(journey: Journey, state: CitizenState, posted: bool) -> GoTo:
    if sheets.invitation_completed(state, journey):
        return GoTo(THANKS)
    if posted and state.channel == "open":
        # Only a second "Send" racing the first gets here: the sheet was completed and its
        # resume hash erased, and this request carried the cookie from before.
        state.done = True
        if not state.kiosk:
            remember_answered(state.round_id)
        return GoTo(THANKS, state_changed=True)
    return GoTo(LANDING)
