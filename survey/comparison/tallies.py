"""A round's answers counted once: the comparison's frequency pass, kept per round.

Every comparison counted every answer of both rounds again (survey.comparison.query
`counted_answers`: a GROUP BY over the answers joined to the responses). Results exist
only for closed rounds, whose answers no longer change, yet each look at them, and each of
the June report's four downloads, paid that pass: at 100,000 responses a round, seconds.
Kept instead, per round (`AnswerTally`): how many completed answers had each (item,
value, headline answer) in each group of each background variable, so a comparison by
any of them, or by none, adds up a few thousand rows.

What a tally is of, and that it is still of exactly the round's completed sheets:

- its digest names the counting rule (which items count as free text, answered or not;
  the headline item; the background variables), and each response counted carries it
  (`Response.tally_digest`);
- the round's `RoundTally` says how many sheets it counts. Sheets leave a round only by
  deletion, so fewer marked sheets than that means one was deleted, and the tally is
  counted again from the answers; a sheet completed or imported since is unmarked and
  is added as a batch of its own. A completed sheet's answers and background never
  change (survey.comparison.summaries relies on the same).

A round's tally is brought up to date at its next comparison (`tally`), under a lock of
its `RoundTally` row on PostgreSQL (SQLite has one writer); the sheets counted are the
sheets marked, so a sheet completed meanwhile is either both counted and marked or
neither. Readers add up the batches
(survey.comparison.query.counted_answers); after `REBUILD_AFTER_BATCHES` the round is
counted afresh into one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)

from questionnaires import Questionnaire
from survey.comparison.query import HASHED_GROUPS, ROOM_FOR_RESPONDENTS, planned_for_counting
from survey.core.database import dialect_insert, dialect_name
from survey.core.extensions import db
from survey.models import Answer, AnswerTally, Response, RoundTally
from survey.models.background import BACKGROUND_VARIABLES

# Part of every digest: raised when what a tally holds changes, so that every round is
# counted again.
TALLY_VERSION = 1
# A round whose tally came in this many batches is counted afresh into one
REBUILD_AFTER_BATCHES = 8
# PostgreSQL's statistics of the responses are taken again when this many were marked
STATISTICS_AFTER = 1_000
TALLIED = ("round_id", "variable", "grp", "item_code", "value", "headline_value", "n")


@dataclass(frozen=True)
class Tally:
    """How a round's answers are counted into its tally."""

    text_codes: frozenset[str]  # free-text items: counted as answered ("text") or not
    headline: str | None  # the headline item, whose kept answer each count is paired with
    digest: str


def tally_of(definition: Questionnaire, headline: str | None) -> Tally:
    text_codes = frozenset(item.code for item in definition.items if item.type == "text")
    content = json.dumps([TALLY_VERSION, sorted(text_codes), headline, BACKGROUND_VARIABLES])
    return Tally(text_codes, headline, hashlib.sha256(content.encode()).hexdigest())


def tally(rules: Mapping[int, Tally], counted: Mapping[int, tuple[int, int]]) -> None:
    """Each round's tally brought up to date with its completed sheets.

    `rules` are the rounds' tallies as `tally_of` makes them, with the headline items as
    survey.comparison.summaries keeps their answers (`Response.headline_value`, by which
    the tally pairs): summarised first. `counted` gives, per round, its marked and
    unmarked sheets (survey.comparison.upkeep counts them with the summaries' in one
    statement); only a round whose tally is missing, of another rule, short of a deleted
    sheet or behind is written."""
    kept = {
        row.round_id: row
        for row in db.session.execute(
            select(RoundTally.round_id, RoundTally.digest, RoundTally.responses).where(
                RoundTally.round_id.in_(list(rules))
            )
        )
    }
    # in the order of the rounds' ids: two comparisons of the same two rounds, each the
    # other's earlier round, then lock their RoundTally rows in one order, not crosswise
    for round_id, rule in sorted(rules.items()):
        marked, unmarked = counted.get(round_id, (0, 0))
        row = kept.get(round_id)
        if row is None or row.digest != rule.digest or row.responses != marked or unmarked:
            _bring_up_to_date(round_id, rule)


def _counted(tallies: Mapping[int, Tally]) -> dict[int, tuple[int, int]]:
    """Per round: its completed sheets marked with its tally's digest, and those not."""
    digest = case(
        {round_id: rule.digest for round_id, rule in tallies.items()}, value=Response.round_id
    )
    statement = (
        select(
            Response.round_id,
            func.count().filter(Response.tally_digest == digest),
            func.count().filter(unmarked(digest)),
        )
        .where(Response.round_id.in_(list(tallies)), Response.completed.is_(True))
        .group_by(Response.round_id)
    )
    return {
        round_id: (marked, unmarked) for round_id, marked, unmarked in db.session.execute(statement)
    }


def unmarked(digest: ColumnElement[str] | str) -> ColumnElement[bool]:
    return or_(Response.tally_digest.is_(None), Response.tally_digest != digest)


def _bring_up_to_date(round_id: int, rule: Tally) -> None:
    """Counts the round's unmarked sheets into its tally, or the whole round afresh when
    the tally is of another rule, short of a deleted sheet or in too many batches."""
    kept = _locked(round_id, rule)
    # counted again under the lock: another comparison may have just brought it up to date
    marked, unmarked = _counted({round_id: rule}).get(round_id, (0, 0))
    afresh = (
        kept.digest != rule.digest
        or kept.responses != marked
        or (unmarked > 0 and kept.batches >= REBUILD_AFTER_BATCHES)
    )
    responses, batches = kept.responses, kept.batches
    if afresh:
        db.session.execute(delete(AnswerTally).where(AnswerTally.round_id == round_id))
        responses = batches = 0
        unmarked = unmarked + marked
    if unmarked:
        added = _add_sheets(round_id, rule, every_sheet=afresh)
        responses, batches = responses + added, batches + 1
        if added >= STATISTICS_AFTER and dialect_name() == "postgresql":
            # the next count of unmarked sheets (and an incremental tally's plan) by what
            # is now marked, not by a sample taken when none was
            db.session.execute(text("ANALYZE response, answer_tally"))
    db.session.execute(
        update(RoundTally)
        .where(RoundTally.round_id == round_id)
        .values(digest=rule.digest, responses=responses, batches=batches)
    )


def _locked(round_id: int, rule: Tally):
    """The round's RoundTally row (made if missing), locked until the transaction ends
    on PostgreSQL; on SQLite the insert's write lock holds every other writer off."""
    db.session.execute(
        dialect_insert(RoundTally)
        .on_conflict_do_nothing()
        .values(round_id=round_id, digest=rule.digest, responses=0, batches=0)
    )
    statement = select(RoundTally.digest, RoundTally.responses, RoundTally.batches).where(
        RoundTally.round_id == round_id
    )
    if dialect_name() == "postgresql":
        statement = statement.with_for_update()
    return db.session.execute(statement).one()


def _counted_value(rule: Tally) -> ColumnElement[str]:
    """An answer's value as the tally counts it: a comment as "text", one row for all."""
    if not rule.text_codes:
        return Answer.value.expression
    return case(
        (Answer.item_code.in_(sorted(rule.text_codes)), literal("text")), else_=Answer.value
    )


def _add_sheets(round_id: int, rule: Tally, every_sheet: bool) -> int:
    """Adds the answers' counts of the round's unmarked completed sheets (or of all its
    completed sheets) to the tally as one batch, and marks them with the rule's digest
    (those not marked so yet); returns how many sheets were counted.

    The sheets are first copied to a temporary table, so that the sheets counted and
    the sheets marked are the same, whatever completes meanwhile (PostgreSQL reads each
    statement's own snapshot), and so that PostgreSQL knows how many they are when it
    plans the pass over their answers. That one pass counts them by every background
    variable at once (a second temporary table), each variable's rows then added up
    from it."""
    connection = db.session.connection()
    # (made and dropped inside the transaction: a failure rolls their making back too)
    for table in (_SHEETS, _CROSS):
        table.create(connection)
    bring = [getattr(Response, variable) for variable in BACKGROUND_VARIABLES]
    db.session.execute(
        insert(_SHEETS).from_select(
            [column.name for column in _SHEETS.columns],
            select(Response.id, Response.headline_value, *bring).where(
                Response.round_id == round_id,
                Response.completed.is_(True),
                *([] if every_sheet else [unmarked(rule.digest)]),
            ),
        )
    )
    postgres = dialect_name() == "postgresql"
    if postgres:
        db.session.execute(text(f"ANALYZE {_SHEETS.name}"))
    groups = [_SHEETS.c[variable] for variable in BACKGROUND_VARIABLES]
    value = _counted_value(rule)
    crossed = (
        select(Answer.item_code, value, _SHEETS.c.headline_value, *groups, func.count())
        .select_from(_SHEETS)
        .join(Answer, Answer.response_id == _SHEETS.c.id)
        .group_by(Answer.item_code, value, _SHEETS.c.headline_value, *groups)
    )
    with planned_for_counting(**HASHED_GROUPS, **ROOM_FOR_RESPONDENTS):
        db.session.execute(
            insert(_CROSS).from_select([column.name for column in _CROSS.columns], crossed)
        )
    for variable in BACKGROUND_VARIABLES:
        group = _CROSS.c[variable]
        counts = select(
            literal(round_id),
            literal(variable),
            group,
            _CROSS.c.item_code,
            _CROSS.c.value,
            _CROSS.c.headline_value,
            func.sum(_CROSS.c.n),
        ).group_by(group, _CROSS.c.item_code, _CROSS.c.value, _CROSS.c.headline_value)
        db.session.execute(insert(AnswerTally).from_select(TALLIED, counts))
    db.session.execute(
        update(Response)
        .where(Response.id.in_(select(_SHEETS.c.id)), unmarked(rule.digest))
        .values(tally_digest=rule.digest)
        .execution_options(synchronize_session=False)
    )
    counted = db.session.scalar(select(func.count()).select_from(_SHEETS)) or 0
    for table in (_CROSS, _SHEETS):
        table.drop(connection)
    return counted


# Temporary tables of one tally (survey.models holds only the app's own tables)
_TEMPORARY = MetaData()
_SHEETS = Table(
    "tally_sheets",
    _TEMPORARY,
    Column("id", String(32), primary_key=True),
    Column("headline_value", Text),
    *(Column(variable, String(80)) for variable in BACKGROUND_VARIABLES),
    prefixes=["TEMPORARY"],
)
_CROSS = Table(
    "tally_cross",
    _TEMPORARY,
    Column("item_code", String(120)),
    Column("value", Text),
    Column("headline_value", Text),
    *(Column(variable, String(80)) for variable in BACKGROUND_VARIABLES),
    Column("n", Integer),
    prefixes=["TEMPORARY"],
)
