"""The citizen's journey as plain functions: enter, start, save a page, complete.

Services add and flush; the view commits once per request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from questionnaires import Page, Questionnaire
from survey.core.database import dialect_name
from survey.core.extensions import db
from survey.core.i18n import language_code
from survey.invitations.tokens import (
    device_hash,
    invitation_hash,
    looks_like_token,
    resume_hash,
    same_hash,
)
from survey.models import Answer, Invitation, Response, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.base import random_id, today
from survey.responding.state import CitizenState, answered_here
from survey.rounds.lifecycle import availability, citizen_languages

OPEN_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")  # secrets.token_urlsafe, as rounds.open_round makes


@dataclass(frozen=True)
class Entry:
    """Where a link leads: 'ok', 'unknown', 'not_open', 'closed', 'completed' (the
    invitation was used) or 'answered_here' (this browser sent the open link's sheet)."""

    status: str
    survey_round: Round | None = None
    state: CitizenState | None = None
    language: str | None = None  # the send list's language for this citizen, if the round has it


def enter_invitation(token: str) -> Entry:
    """Exchange an invitation token for citizen state; unknown tokens learn nothing."""
    # Hash and look up even malformed tokens, so every miss takes the same path and time
    # (a skipped query made malformed misses measurably faster).
    token_hash = invitation_hash(token)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None or not looks_like_token(token):
        return Entry("unknown")
    survey_round = db.session.get(Round, invitation.round_id)
    if survey_round is None:  # the foreign key deletes a round's invitations with it
        raise LookupError(f"round {invitation.round_id} of an invitation does not exist")
    if invitation.state == "completed":
        return Entry("completed", survey_round)
    status = availability(survey_round)
    if status != "open":
        return Entry(status, survey_round)
    state = CitizenState.for_invitation(survey_round.id, token_hash)
    # The language is kept for the sheet: a sheet already started continues in the language
    # last answered in; else the send list's ("ar", "arabisk", "Arabic" or "العربية").
    started = find_response(state)
    language = started.ui_language if started else language_code(invitation.language)
    if language not in citizen_languages(survey_round):
        language = None
    return Entry("ok", survey_round, state, language)


def enter_open_link(code: str, current: CitizenState | None) -> Entry:
    """A visitor from a poster's QR code on their own phone: resume their own unfinished
    sheet; once this browser has sent one, say so (someone else may ask to answer)."""
    entry = _open_round(code)
    if entry.survey_round is None or entry.status != "ok":
        return entry
    survey_round = entry.survey_round
    if (
        current
        and current.channel == "open"
        and not current.kiosk
        and current.round_id == survey_round.id
        and not current.done
    ):
        return Entry("ok", survey_round, current)
    if answered_here(survey_round.id):
        return Entry("answered_here", survey_round)
    return Entry("ok", survey_round, CitizenState.for_open_link(survey_round.id))


def someone_else(code: str) -> Entry:
    """ "Someone else wants to answer on this phone": a new, empty sheet of the open link."""
    entry = _open_round(code)
    if entry.survey_round is None or entry.status != "ok":
        return entry
    return Entry("ok", entry.survey_round, CitizenState.for_open_link(entry.survey_round.id))


def enter_kiosk_link(code: str) -> Entry:
    """The open link on a shared tablet: always a new sheet, never the last person's."""
    entry = _open_round(code)
    if entry.survey_round is None or entry.status != "ok":
        return entry
    return Entry("ok", entry.survey_round, CitizenState.for_kiosk(entry.survey_round.id))


def _open_round(code: str) -> Entry:
    # Only a code of the form rounds are given reaches the database (a NUL byte made
    # PostgreSQL fail with a 500); any other code is a miss like an unknown one.
    well_formed = OPEN_CODE.fullmatch(code) is not None
    survey_round = (
        db.session.scalar(select(Round).where(Round.open_code == code)) if well_formed else None
    )
    if survey_round is None:
        return Entry("unknown")
    status = availability(survey_round)
    return Entry("ok" if status == "open" else status, survey_round)


def find_response(state: CitizenState) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.resume_hash == resume_hash(state.secret),
            Response.round_id == state.round_id,
        )
    )


def invitation_completed(state: CitizenState) -> bool:
    if state.channel != "invitation":
        return state.done
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == state.secret))
    return invitation is not None and invitation.state == "completed"


def start_response(
    survey_round: Round, state: CitizenState, language: str, device: str | None
) -> Response:
    """Create the answer sheet once; a double click or a second tab finds the same one.

    The sheet keeps a keyed hash of the starting browser's device secret: only that
    browser is shown the answers (Journey.own_device).
    """
    background = dict.fromkeys(BACKGROUND_VARIABLES)
    if state.channel == "invitation":
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == state.secret)
        )
        if invitation is not None:
            background = invitation.background()
    sheet_id = random_id()
    values = {
        "id": sheet_id,
        "round_id": survey_round.id,
        "resume_hash": resume_hash(state.secret),
        "device_hash": device_hash(device, sheet_id) if device else None,
        "channel": state.channel,
        "ui_language": language,
        "completed": False,
        "started_on": today(),
        **background,
    }
    db.session.execute(
        _insert(Response).values(**values).on_conflict_do_nothing(index_elements=["resume_hash"])
    )
    response = find_response(state)
    if response is None:  # either inserted now or already there: the resume hash is unique
        raise LookupError("the answer sheet just started was not found")
    return response


def started_on(response: Response, device: str | None) -> bool:
    """Whether the sheet was started in the browser with this device secret."""
    return device is not None and same_hash(response.device_hash, device_hash(device, response.id))


def load_answers(response: Response) -> dict[str, str]:
    rows = db.session.execute(
        select(Answer.item_code, Answer.value).where(Answer.response_id == response.id)
    )
    return dict(rows.all())


def save_page_answers(
    response: Response,
    definition: Questionnaire,
    page: Page,
    values: Mapping[str, str | None],
    language: str,
) -> dict[str, str]:
    """Store a page's answers idempotently and drop answers that a changed branch now hides.

    Returns the response's answers after the save.
    """
    for code, value in values.items():
        if value is None:
            db.session.execute(
                delete(Answer).where(Answer.response_id == response.id, Answer.item_code == code)
            )
        else:
            statement = _insert(Answer).values(response_id=response.id, item_code=code, value=value)
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["response_id", "item_code"],
                    set_={"value": statement.excluded.value},
                )
            )
    answers = load_answers(response)
    hidden = [
        item.code
        for item in definition.items
        if item.code in answers and not item.is_shown(answers)
    ]
    if hidden:
        db.session.execute(
            delete(Answer).where(Answer.response_id == response.id, Answer.item_code.in_(hidden))
        )
        for code in hidden:
            answers.pop(code)
    response.ui_language = language
    return answers


def complete_response(response: Response, state: CitizenState) -> None:
    """Mark the sheet complete and cut the last tie between answers and link."""
    response.completed = True
    response.completed_on = today()
    response.resume_hash = None
    response.device_hash = None
    response.current_page = None
    if state.channel == "invitation":
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == state.secret)
        )
        if invitation is not None:
            invitation.state = "completed"
    db.session.flush()


def neighbour_page(
    definition: Questionnaire, answers: Mapping[str, str], key: str, step: int
) -> Page | None:
    """The visible page before (step -1) or after (step +1) the page `key`."""
    pages = definition.visible_pages(answers)
    keys = [page.key for page in pages]
    if key not in keys:
        # The page itself became hidden: continue from its place in the full order.
        order = [page.key for page in definition.pages]
        position = order.index(key)
        later = [p for p in pages if order.index(p.key) > position]
        earlier = [p for p in pages if order.index(p.key) < position]
        return (later[0] if later else None) if step > 0 else (earlier[-1] if earlier else None)
    index = keys.index(key) + step
    return pages[index] if 0 <= index < len(pages) else None


def _insert(model):
    return pg_insert(model) if dialect_name() == "postgresql" else sqlite_insert(model)


@dataclass
class Journey:
    """Everything a citizen page needs: the round, what it asks, the sheet and its answers.

    `own_device` says whether this browser started the sheet. Any other browser (the same
    link opened on another device, by the citizen or by whoever else holds the link)
    continues forward only: the pages already answered are locked, neither shown with
    their answers nor changed, and it resumes after the last of them.
    """

    survey_round: Round
    definition: Questionnaire
    response: Response | None
    answers: dict[str, str]
    own_device: bool = True

    def first_page(self) -> Page:
        return self.definition.visible_pages(self.answers)[0]

    def resume_page(self) -> Page | None:
        """The page the citizen last reached, if still shown; else the first page.

        On another device: the first page after those already answered, or None when
        every page shown was answered (the sheet only waits to be sent).
        """
        visible = self.definition.visible_pages(self.answers)
        if not self.own_device:
            return next((page for page in visible if not self.is_locked(page)), None)
        current = self.response.current_page if self.response else None
        page = next((page for page in visible if page.key == current), None)
        return page or self.first_page()

    @property
    def forward_only(self) -> bool:
        return self.response is not None and not self.own_device

    def is_locked(self, page: Page) -> bool:
        """A page answered before this browser came: not for this browser to see or change."""
        return self.forward_only and self._position(page.key) < self._frontier()

    @property
    def shown_answers(self) -> dict[str, str]:
        """The saved answers a page may show: none on a device that did not start the sheet."""
        return self.answers if self.own_device else {}

    def _position(self, key: str) -> int:
        return [page.key for page in self.definition.pages].index(key)

    def _frontier(self) -> int:
        """The position of the first page not yet reached: after the last page with an
        answer, and not before the page the sheet was last left on."""
        reached = [
            position
            for position, page in enumerate(self.definition.pages)
            if any(item.code in self.answers for item in page.items)
        ]
        frontier = max(reached) + 1 if reached else 0
        current = self.response.current_page if self.response else None
        if current in {page.key for page in self.definition.pages}:
            frontier = max(frontier, self._position(current))
        return frontier

    def progress(self, page: Page) -> tuple[int, int]:
        keys = [p.key for p in self.definition.visible_pages(self.answers)]
        return keys.index(page.key) + 1, len(keys)


def load_journey(state: CitizenState, device: str | None) -> Journey | None:
    """The citizen's round and sheet, or None when the round is gone.

    `device` is this browser's device secret: the sheet's answers are shown only to the
    browser that started it. (A sheet started before sheets kept one is shown to none.)
    """
    from survey.rounds.definition import round_definition

    survey_round = db.session.get(Round, state.round_id)
    if survey_round is None:
        return None
    response = find_response(state)
    answers = load_answers(response) if response else {}
    own = response is None or started_on(response, device)
    return Journey(survey_round, round_definition(survey_round), response, answers, own)
