"""The citizen's journey as plain functions: enter, start, save a page, complete.

Services add and flush; the view commits once per request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    JSON,
    Integer,
    Select,
    String,
    Table,
    Text,
    any_,
    bindparam,
    false,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.selectable import CTE

from questionnaires import Page, Questionnaire
from survey.comparison.summaries import CARRIED, keep_for_sheet, sheet_sums, summary_of
from survey.core.database import dialect_name
from survey.core.extensions import db
from survey.core.i18n import language_code
from survey.core.transaction import read_rows, write_at_commit
from survey.invitations.tokens import (
    device_hash,
    invitation_hash,
    looks_like_token,
    resume_hash,
    same_hash,
)
from survey.models import Answer, Invitation, Municipality, RespondentThemeSum, Response, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.base import random_id, today
from survey.responding.state import CitizenState, answered_here
from survey.rounds.lifecycle import availability, citizen_languages

OPEN_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")  # secrets.token_urlsafe, as rounds.open_round makes

# The citizen path's statements, built once per process: building a statement and its cache
# key cost more than running it (SQLAlchemy memoises both on a statement object).
_round, _place, _sheet, _answer, _invitation, _kept = (
    cast(Table, model.__table__)
    for model in (Round, Municipality, Response, Answer, Invitation, RespondentThemeSum)
)
# The columns of a Sheet, then an answer's code and value (see _sheet_and_answers).
SHEET_COLUMNS = (
    _sheet.c.id,
    _sheet.c.device_hash,
    _sheet.c.current_page,
    _sheet.c.ui_language,
    _sheet.c.channel,
    _answer.c.item_code,
    _answer.c.value,
)
SHEET = SHEET_COLUMNS[:5]
# The columns of a CitizenRound with its Sender (see citizen_round).
ROUND_COLUMNS = (
    _round.c.id,
    _round.c.state,
    _round.c.opens_on,
    _round.c.closes_on,
    _round.c.languages,
    _round.c.open_code,
    _round.c.snapshot_digest,
    _place.c.name,
    _place.c.service_name,
    _place.c.accessibility_url,
)


def _citizen_page(aggregate) -> Select:
    """Everything a citizen's page reads, in one statement and one row: the round with its
    municipality (not its snapshot: the parsed questions are cached per snapshot digest,
    see rounds.definition), the citizen's sheet if there is one, and its answers as one
    JSON object made by the database (`aggregate`: the dialect's JSON object aggregate).
    A row per answer repeated the round's columns, whose dates and JSON list were then
    converted once per answer. Plain columns, no ORM objects: building those cost more
    than the query, and a page only reads them (writes go by the sheet's id)."""
    answers = (
        select(aggregate(_answer.c.item_code, _answer.c.value, type_=JSON))
        .where(_answer.c.response_id == _sheet.c.id)
        .correlate(_sheet)
        .scalar_subquery()
    )
    # The state of the citizen's invitation (a token hash of NULL, an open link's, matches
    # none): whether its sheet was sent, without a read of its own on the landing, "Start"
    # and thank-you pages.
    invited = (
        select(_invitation.c.state)
        .where(_invitation.c.token_hash == bindparam("token_hash"))
        .scalar_subquery()
    )
    return (
        select(*ROUND_COLUMNS, *SHEET, answers, invited)
        .select_from(_round)
        .join(_place, _place.c.code == _round.c.municipality_code)
        .outerjoin(
            _sheet,
            (_sheet.c.round_id == _round.c.id) & (_sheet.c.resume_hash == bindparam("resume_hash")),
        )
        .where(_round.c.id == bindparam("round_id"))
    )


CITIZEN_PAGE = {
    "postgresql": _citizen_page(func.json_object_agg),  # NULL without answers
    "sqlite": _citizen_page(func.json_group_object),  # '{}' without answers
}


# A page's answers: one INSERT for all its rows (executed with a list of rows: SQLAlchemy
# sends one multi-row statement, "insertmanyvalues"), an existing answer overwritten.
def _upsert(insert):
    statement = insert(_answer)
    return statement.on_conflict_do_update(
        index_elements=["response_id", "item_code"], set_={"value": statement.excluded.value}
    )


SAVE_ANSWERS = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}
DROP_ANSWERS = _answer.delete().where(
    (_answer.c.response_id == bindparam("sheet_id"))
    & _answer.c.item_code.in_(bindparam("codes", expanding=True))
)
MOVE_TO = (
    _sheet.update()
    .where(_sheet.c.id == bindparam("sheet_id"))
    .values(current_page=bindparam("b_page_key"), ui_language=bindparam("b_language"))
)


def _page_writes() -> tuple[CTE, CTE]:
    """A page's answers stored, and the cleared and hidden ones dropped, as the parts of
    one PostgreSQL statement (data-modifying WITH) that also moves the sheet on or
    completes it: one round trip instead of two to four, and one SQL text whatever the
    number of answers, so psycopg prepares it once per connection (a multi-row VALUES list
    is a new text per row count). The stored and the dropped codes never overlap
    (_page_changes): both parts see the same snapshot, so a row inserted and deleted by
    one statement would be kept."""
    sheet_id = bindparam("sheet_id", type_=String)
    given = (
        func.unnest(bindparam("codes", type_=ARRAY(String)), bindparam("values", type_=ARRAY(Text)))
        .table_valued("code", "value")
        .render_derived(name="given")
    )
    saved = pg_insert(_answer).from_select(
        ["response_id", "item_code", "value"], select(sheet_id, given.c.code, given.c.value)
    )
    saved = saved.on_conflict_do_update(
        index_elements=["response_id", "item_code"], set_={"value": saved.excluded.value}
    )
    dropped = _answer.delete().where(
        (_answer.c.response_id == sheet_id)
        & (_answer.c.item_code == any_(bindparam("dropped", type_=ARRAY(String))))
    )
    return saved.cte("saved"), dropped.cte("dropped")


def _kept_sums() -> CTE:
    """A completed sheet's theme sums kept for the comparison (survey.comparison.summaries),
    as a part of the statement that completes it: a row per theme from arrays, with the
    sheet's round and background (the snapshot before the statement: not changed by it)."""
    sums = (
        func.unnest(
            bindparam("themes", type_=ARRAY(String)),
            bindparam("totals", type_=ARRAY(Integer)),
            bindparam("counts", type_=ARRAY(Integer)),
        )
        .table_valued("theme", "total", "answers")
        .render_derived(name="sums")
    )
    kept = pg_insert(_kept).from_select(
        ["response_id", "theme", "total", "answers", *CARRIED],
        select(
            _sheet.c.id, sums.c.theme, sums.c.total, sums.c.answers, *(_sheet.c[c] for c in CARRIED)
        )
        # every theme's row beside the one sheet: a join on true, not an unmeant product
        .select_from(_sheet.join(sums, true()))
        .where(_sheet.c.id == bindparam("sheet_id")),
    )
    return kept.on_conflict_do_nothing().cte("kept")


# PostgreSQL only (SQLite has no INSERT or DELETE in WITH): a page saved and the sheet moved
# on; the last page saved and the sheet completed as complete_response does (without
# background columns), its invitation (if any: token_hash NULL matches none) marked used.
SAVE_AND_MOVE = MOVE_TO.add_cte(*_page_writes())
SAVE_AND_COMPLETE = (
    _sheet.update()
    .where(_sheet.c.id == bindparam("sheet_id"))
    .values(
        ui_language=bindparam("b_language"),
        completed=True,
        completed_on=bindparam("b_completed_on"),
        resume_hash=None,
        device_hash=None,
        current_page=None,
        summary_digest=bindparam("b_summary_digest"),
        headline_value=bindparam("b_headline"),
    )
    .add_cte(*_page_writes())
    .add_cte(_kept_sums())
    .add_cte(
        _invitation.update()
        .where(_invitation.c.token_hash == bindparam("b_token_hash"))
        .values(state="completed")
        .cte("used")
    )
)
# An open link's round as a page reads it (plain columns: loading a Round and its
# municipality as ORM objects was more than half of the open link's CPU on PostgreSQL).
ROUND_BY_CODE = (
    select(*ROUND_COLUMNS)
    .join(_place, _place.c.code == _round.c.municipality_code)
    .where(_round.c.open_code == bindparam("code"))
)
SNAPSHOT = select(Round.snapshot).where(Round.id == bindparam("round_id"))
# The sheet and its answers (for starting a sheet, where the round is already at hand).
SHEET_WITH_ANSWERS = (
    select(*SHEET_COLUMNS)
    .outerjoin(_answer, _answer.c.response_id == _sheet.c.id)
    .where(_sheet.c.resume_hash == bindparam("resume_hash"))
    .where(_sheet.c.round_id == bindparam("round_id"))
)
INVITATION_BY_HASH = select(Invitation).where(Invitation.token_hash == bindparam("token_hash"))


def _start_sheet(insert) -> Any:
    """A new sheet with its invitation's background copied (NULL for an open link: a token
    hash of NULL matches no invitation), or nothing when the resume hash is taken: one
    statement built once per process (an ORM INSERT built per request, and the invitation
    read as an ORM object before it, were a quarter of "Start"). SQLite parses ON CONFLICT after an INSERT's
    SELECT only when the SELECT has a WHERE clause, hence the WHERE true."""
    given = ("id", "round_id", "resume_hash", "device_hash", "channel", "ui_language")
    copied = [
        select(_invitation.c[name])
        .where(_invitation.c.token_hash == bindparam("b_token_hash", type_=String))
        .scalar_subquery()
        for name in BACKGROUND_VARIABLES
    ]
    row = select(
        *(bindparam(f"b_{name}", type_=_sheet.c[name].type) for name in given),
        bindparam("b_started_on", type_=_sheet.c.started_on.type),
        false(),
        *copied,
    ).where(true())
    columns = [*given, "started_on", "completed", *BACKGROUND_VARIABLES]
    statement = insert(_sheet).from_select(columns, row)
    return statement.on_conflict_do_nothing(index_elements=["resume_hash"])


# SQLite: run under the request's write lock, the new sheet returned as find_response reads
# it; PostgreSQL: handed to the commit point (start_response).
START_SHEET = _start_sheet(sqlite_insert).returning(*SHEET)
START_SHEET_ALONE = _start_sheet(pg_insert)
# What opening an invitation link reads of it: plain columns, no ORM object (most of an
# unknown link's work was the ORM session's around this one look-up).
# An invitation with its round and the language of its sheet if one was started, in one
# statement (it was three: the invitation, its round as ORM objects, the sheet).
INVITATION_ENTRY = (
    select(
        *ROUND_COLUMNS,
        _invitation.c.state,
        _invitation.c.language,
        _sheet.c.id,
        _sheet.c.ui_language,
    )
    .select_from(_invitation)
    .join(_round, _round.c.id == _invitation.c.round_id)
    .join(_place, _place.c.code == _round.c.municipality_code)
    .outerjoin(
        _sheet,
        (_sheet.c.round_id == _round.c.id) & (_sheet.c.resume_hash == bindparam("resume_hash")),
    )
    .where(_invitation.c.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class Entry:
    """Where a link leads: 'ok', 'unknown', 'not_open', 'closed', 'completed' (the
    invitation was used) or 'answered_here' (this browser sent the open link's sheet)."""

    status: str
    survey_round: CitizenRound | None = None
    state: CitizenState | None = None
    language: str | None = None  # the send list's language for this citizen, if the round has it


def enter_invitation(token: str) -> Entry:
    """Exchange an invitation token for citizen state; unknown tokens learn nothing."""
    # Hash and look up even malformed tokens, so every miss takes the same path and time
    # (a skipped query made malformed misses measurably faster).
    # The sheet's resume hash is the invitation's state secret's (CitizenState.for_invitation).
    token_hash = invitation_hash(token)
    parameters = {"token_hash": token_hash, "resume_hash": resume_hash(token_hash)}
    found = read_rows(INVITATION_ENTRY, parameters)
    if not found or not looks_like_token(token):
        return Entry("unknown")
    survey_round = citizen_round(found[0])
    invitation_state, invitation_language, started, started_language = found[0][
        len(ROUND_COLUMNS) :
    ]
    if invitation_state == "completed":
        return Entry("completed", survey_round)
    status = availability(survey_round)
    if status != "open":
        return Entry(status, survey_round)
    state = CitizenState.for_invitation(survey_round.id, token_hash)
    # The language is kept for the sheet: a sheet already started continues in the language
    # last answered in; else the send list's ("ar", "arabisk", "Arabic" or "العربية").
    language = started_language if started else language_code(invitation_language)
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
    found = read_rows(ROUND_BY_CODE, {"code": code}) if well_formed else None
    if not found:
        return Entry("unknown")
    survey_round = citizen_round(found[0])
    status = availability(survey_round)
    return Entry("ok" if status == "open" else status, survey_round)


@dataclass(frozen=True)
class Sender:
    """The municipality a citizen's page names as its sender."""

    name: str
    service_name: str | None
    accessibility_url: str | None

    @property
    def display_service_name(self) -> str:
        return self.service_name or f"{self.name} Kommune"


@dataclass(frozen=True)
class CitizenRound:
    """What a citizen's page reads of its round (a read-only record of a Round row)."""

    id: int
    state: str
    opens_on: date | None
    closes_on: date | None
    languages: list[str]
    open_code: str | None
    snapshot_digest: str | None
    municipality: Sender


def citizen_round(row: Sequence[Any]) -> CitizenRound:
    """The CitizenRound of a row whose first columns are ROUND_COLUMNS."""
    id_, state, opens_on, closes_on, languages, open_code, digest = row[:7]
    sender = Sender(*row[7:10])
    return CitizenRound(id_, state, opens_on, closes_on, languages, open_code, digest, sender)


@dataclass
class Sheet:
    """What the citizen's pages need of their answer sheet (a Response row)."""

    id: str
    device_hash: str | None
    current_page: str | None
    ui_language: str | None
    channel: str


def find_response(state: CitizenState) -> Sheet | None:
    return find_sheet(state)[0]


def find_sheet(state: CitizenState) -> tuple[Sheet | None, dict[str, str]]:
    """The citizen's sheet and its answers, in one statement."""
    rows = db.session.execute(
        SHEET_WITH_ANSWERS, {"resume_hash": resume_hash(state.secret), "round_id": state.round_id}
    ).all()
    if not rows:
        return None, {}
    return _sheet_and_answers(rows, 0)


def _sheet_and_answers(rows, first: int) -> tuple[Sheet | None, dict[str, str]]:
    """The sheet and answers from rows whose columns from `first` on are SHEET_WITH_ANSWERS'."""
    if not rows or rows[0][first] is None:
        return None, {}
    sheet = Sheet(*rows[0][first : first + 5])
    code, value = first + 5, first + 6
    return sheet, {row[code]: row[value] for row in rows if row[code] is not None}


def invitation_completed(state: CitizenState, journey: Journey) -> bool:
    """Whether the citizen's sheet was sent: their invitation used (its state read with the
    round by load_journey), or for an open link, the citizen's state says so."""
    if state.channel != "invitation":
        return state.done
    return journey.invitation_state == "completed"


def start_response(
    survey_round: CitizenRound, state: CitizenState, language: str, device: str | None
) -> Sheet:
    """Create the answer sheet once; a double click or a second tab finds the same one.

    The sheet keeps a keyed hash of the starting browser's device secret: only that
    browser is shown the answers (Journey.own_device).
    """
    sheet_id = random_id()
    device_key = device_hash(device, sheet_id) if device else None
    parameters = {
        "b_id": sheet_id,
        "b_round_id": survey_round.id,
        "b_resume_hash": resume_hash(state.secret),
        "b_device_hash": device_key,
        "b_channel": state.channel,
        "b_ui_language": language,
        "b_started_on": today(),
        "b_token_hash": state.secret if state.channel == "invitation" else None,
    }
    if dialect_name() == "postgresql":
        # Handed to the commit point: sent alone in autocommit (no BEGIN and COMMIT) when
        # the request succeeds. The citizen's page was read a moment ago without a sheet,
        # so this is the new sheet; should another tab's insert win the race, this one
        # does nothing and both go on to the first page, where the sheet is read again
        # (and shown forward only to a browser that did not start it).
        write_at_commit(START_SHEET_ALONE, parameters)
        return Sheet(sheet_id, device_key, None, language, state.channel)
    inserted = db.session.execute(START_SHEET, parameters).first()
    if inserted is not None:
        return Sheet(*inserted)
    response = find_response(state)
    if response is None:  # already there, as the resume hash is unique
        raise LookupError("the answer sheet just started was not found")
    return response


def started_on(response: Sheet, device: str | None) -> bool:
    """Whether the sheet was started in the browser with this device secret."""
    return device is not None and same_hash(response.device_hash, device_hash(device, response.id))


def save_page_answers(
    response: Sheet,
    definition: Questionnaire,
    page: Page,
    values: Mapping[str, str | None],
    saved: Mapping[str, str],
    move_to_page: tuple[str, str] | None = None,
) -> dict[str, str]:
    """Store a page's answers idempotently and drop answers that a changed branch now hides;
    with `move_to_page` (a page key and a language), also remember both as move_to does.

    `saved` holds the sheet's answers as read at the start of the request (on SQLite inside
    the write lock the request took first); the answers after the save are derived from
    them, not read back (answers_after_post gives them before anything is written). On
    PostgreSQL a save with a move is one statement (SAVE_AND_MOVE); otherwise the page's
    answers go in one statement (a multi-row upsert), and what the citizen cleared and
    what a changed branch now hides in one delete.
    """
    answers, given, dropped = _page_changes(definition, values, saved)
    if move_to_page is not None and dialect_name() == "postgresql":
        page_key, language = move_to_page
        write_at_commit(  # the request's one write: sent alone, without BEGIN and COMMIT
            SAVE_AND_MOVE,
            {
                "sheet_id": response.id,
                "codes": list(given),
                "values": list(given.values()),
                "dropped": sorted(dropped),
                "b_page_key": page_key,
                "b_language": language,
            },
        )
        response.current_page, response.ui_language = page_key, language
        return answers
    if given:
        rows = [{"response_id": response.id, "item_code": c, "value": v} for c, v in given.items()]
        db.session.execute(SAVE_ANSWERS[dialect_name()], rows)
    if dropped:
        db.session.execute(DROP_ANSWERS, {"sheet_id": response.id, "codes": sorted(dropped)})
    if move_to_page is not None:
        move_to(response, *move_to_page)
    return answers


def answers_after_post(
    definition: Questionnaire, values: Mapping[str, str | None], saved: Mapping[str, str]
) -> dict[str, str]:
    """The sheet's answers once the posted `values` are saved (nothing is written)."""
    return _page_changes(definition, values, saved)[0]


def _page_changes(
    definition: Questionnaire, values: Mapping[str, str | None], saved: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """The answers after a save, the answers to store and the codes to drop.

    An answer that the page's own answers now hide is dropped, not stored: stored and
    dropped codes never overlap (SAVE_AND_MOVE relies on it)."""
    answers = dict(saved)
    given: dict[str, str] = {}
    dropped: set[str] = set()
    for code, value in values.items():
        if value is None:
            dropped.add(code)
            answers.pop(code, None)
        else:
            given[code] = answers[code] = value
    hidden = {
        item.code
        for item in definition.items
        if item.code in answers and not item.is_shown(answers)
    }
    for code in hidden:
        answers.pop(code)
        given.pop(code, None)
    return answers, given, dropped | hidden


def move_to(response: Sheet, page_key: str, language: str) -> None:
    """Remember the page the citizen goes to next, and the language they answer in."""
    db.session.execute(
        MOVE_TO, {"sheet_id": response.id, "b_page_key": page_key, "b_language": language}
    )
    response.current_page, response.ui_language = page_key, language


def background_from_answers(
    definition: Questionnaire, answers: Mapping[str, str]
) -> dict[str, str]:
    """Background codes given by the answers to the questionnaire's background questions."""
    found: dict[str, str] = {}
    for item in definition.items:
        if item.background is None or item.background.variable not in BACKGROUND_VARIABLES:
            continue
        code = item.background.code_for(answers.get(item.code))
        if code is not None:
            found[item.background.variable] = code
    return found


def complete_response(
    response: Sheet,
    state: CitizenState,
    definition: Questionnaire,
    answers: Mapping[str, str],
    language: str | None = None,
    background: Mapping[str, str] | None = None,
) -> None:
    """Mark the sheet complete and cut the last tie between answers and link; `background`
    (from a background question, for sheets without a send list) is kept with it, and so
    is what the comparison needs of it (survey.comparison.summaries) from `answers`, the
    sheet's answers as stored."""
    summary = summary_of(definition, definition.headline)
    kept_with = db.session.execute(
        update(Response)
        .where(Response.id == response.id)
        .values(
            **dict(background or {}),
            ui_language=language or response.ui_language,
            completed=True,
            completed_on=today(),
            resume_hash=None,
            device_hash=None,
            current_page=None,
            summary_digest=summary.digest,
            headline_value=answers.get(summary.headline) if summary.headline else None,
        )
        .returning(*(getattr(Response, name) for name in CARRIED))
        .execution_options(synchronize_session=False)
    ).one()
    keep_for_sheet(response.id, kept_with._asdict(), summary, answers)
    response.device_hash = response.current_page = None
    if state.channel == "invitation":
        invitation = db.session.scalar(INVITATION_BY_HASH, {"token_hash": state.secret})
        if invitation is not None:
            invitation.state = "completed"
    db.session.flush()


def save_and_complete(
    response: Sheet,
    definition: Questionnaire,
    page: Page,
    values: Mapping[str, str | None],
    saved: Mapping[str, str],
    state: CitizenState,
    language: str | None = None,
    background: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The last page's answers stored as save_page_answers does, then the sheet completed as
    complete_response does; the answers after the save returned.

    On PostgreSQL, without background to keep, one statement (SAVE_AND_COMPLETE) handed to
    the commit point: alone (an invitation's sheet) it is sent without BEGIN and COMMIT.
    """
    if background or dialect_name() != "postgresql":
        answers = save_page_answers(response, definition, page, values, saved)
        complete_response(response, state, definition, answers, language, background)
        return answers
    answers, given, dropped = _page_changes(definition, values, saved)
    summary = summary_of(definition, definition.headline)
    sums = sheet_sums(summary, answers)
    write_at_commit(
        SAVE_AND_COMPLETE,
        {
            "sheet_id": response.id,
            "codes": list(given),
            "values": list(given.values()),
            "dropped": sorted(dropped),
            "b_language": language or response.ui_language,
            "b_completed_on": today(),
            "b_token_hash": state.secret if state.channel == "invitation" else None,
            "b_summary_digest": summary.digest,
            "b_headline": answers.get(summary.headline) if summary.headline else None,
            "themes": list(sums),
            "totals": [total for total, _count in sums.values()],
            "counts": [count for _total, count in sums.values()],
        },
    )
    response.device_hash = response.current_page = None
    return answers


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


@dataclass
class Journey:
    """Everything a citizen page needs: the round, what it asks, the sheet and its answers.

    `own_device` says whether this browser started the sheet. Any other browser (the same
    link opened on another device, by the citizen or by whoever else holds the link)
    continues forward only: the pages already answered are locked, neither shown with
    their answers nor changed, and it resumes after the last of them.
    """

    survey_round: CitizenRound
    definition: Questionnaire
    response: Sheet | None
    answers: dict[str, str]
    own_device: bool = True
    invitation_state: str | None = None  # the citizen's invitation's, read with the round

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
    from survey.rounds.definition import parsed_snapshot, round_definition

    rows = read_rows(
        CITIZEN_PAGE[dialect_name()],
        {
            "round_id": state.round_id,
            "resume_hash": resume_hash(state.secret),
            "token_hash": state.secret if state.channel == "invitation" else None,
        },
    )
    if not rows:
        return None
    row: Sequence[Any] = rows[0]
    survey_round = citizen_round(row)
    response = Sheet(*row[10:15]) if row[10] is not None else None
    answers = dict(row[15] or {}) if response is not None else {}
    if survey_round.snapshot_digest is not None:
        definition = parsed_snapshot(
            survey_round.snapshot_digest,
            lambda: db.session.scalar(SNAPSHOT, {"round_id": survey_round.id}),
        )
    else:  # a round without a digest (never opened, so no citizen should be here)
        definition = round_definition(db.session.get_one(Round, survey_round.id))
    own = response is None or started_on(response, device)
    return Journey(survey_round, definition, response, answers, own, row[16])
