"""Reading the audit trail: filtered, with events, objects and people named for staff and
times in Copenhagen local time. The web page and its CSV export show the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, select

from survey.core.extensions import db
from survey.core.labels import (
    audit_action_label,
    audit_detail_label,
    language_label,
    variable_label,
)
from survey.core.tenancy import scoped
from survey.models import AuditEvent, LocalQuestion, Municipality, Round, User

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
EXPORT_LIMIT = 100_000  # a whole municipality's trail for years, bounded
LANGUAGE_DETAILS = frozenset({"language", "languages", "draft_languages_accepted"})
TRANSLATION_STATUSES = {"draft": lambda: _("draft"), "reviewed": lambda: _("reviewed")}


@dataclass(frozen=True)
class TrailFilter:
    actor: str | None = None
    action: str | None = None
    since: date | None = None  # Copenhagen days, inclusive
    until: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as query arguments, for page links and the CSV export."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "since": self.since,
            "until": self.until,
        }
        return {key: str(value) for key, value in values.items() if value}


@dataclass(frozen=True)
class TrailRow:
    at: datetime  # Copenhagen local time
    actor: str
    action: str
    event: str  # in the reader's language
    target: str  # e.g. the round's title
    details: str


def trail_query(chosen: TrailFilter) -> Select:
    """The reader's municipality's events (all, for operators), newest first, filtered."""
    query = scoped(AuditEvent)
    if chosen.actor:
        query = query.where(AuditEvent.actor == chosen.actor)
    if chosen.action:
        query = query.where(AuditEvent.action == chosen.action)
    if chosen.since:
        query = query.where(AuditEvent.at >= _utc_start(chosen.since))
    if chosen.until:
        query = query.where(AuditEvent.at < _utc_start(chosen.until + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def filter_choices() -> tuple[list[str], list[str]]:
    """The people and the events that occur in the reader's trail, for the filters."""
    events = scoped(AuditEvent).subquery()
    actors = db.session.scalars(select(events.c.actor).distinct().order_by(events.c.actor))
    actions = db.session.scalars(select(events.c.action).distinct().order_by(events.c.action))
    return list(actors), list(actions)


def describe(events: Iterable[AuditEvent]) -> list[TrailRow]:
    """Each event as staff read it: the round's title rather than "Round 6"."""
    events = list(events)
    names = _object_names(events)
    return [
        TrailRow(
            at=event.at.replace(tzinfo=UTC).astimezone(COPENHAGEN),
            actor=event.actor,
            action=event.action,
            event=audit_action_label(event.action),
            target=names.get((event.object_type, event.object_id), _fallback(event)),
            details=_details(event, names),
        )
        for event in events
    ]


def _details(event: AuditEvent, names: dict[tuple[str | None, str | None], str]) -> str:
    """An event's details as staff read them: "split by: Department; weighted: no", not
    the stored "by: department; weighted: False"; a detail without a value is left out."""
    shown = (
        (audit_detail_label(key), _detail_value(key, value, names))
        for key, value in (event.details or {}).items()
    )
    return "; ".join(f"{label}: {value}" for label, value in shown if value is not None)


def _detail_value(
    key: str, value: object, names: dict[tuple[str | None, str | None], str]
) -> str | None:
    if value is None:
        return None  # e.g. a report compared with no earlier round
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "against":
        return names.get(("Round", str(value)), str(value))
    if key == "by" and isinstance(value, str):
        return variable_label(value)
    if key == "send_at" and isinstance(value, str):  # stored in UTC, ISO 8601
        return _copenhagen_time(value)
    if key == "status" and value in TRANSLATION_STATUSES:
        return TRANSLATION_STATUSES[value]()
    if key in LANGUAGE_DETAILS:
        codes = value if isinstance(value, list) else [value]
        return ", ".join(language_label(str(code)) for code in codes) or "–"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def _copenhagen_time(stored: str) -> str:
    """A stored UTC time as the page's own times read: 3.12.2026 09:47, Danish time."""
    try:
        at = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    local = at.replace(tzinfo=at.tzinfo or UTC).astimezone(COPENHAGEN)
    return f"{local.day}.{local.month}.{local.year} {local:%H:%M}"


def trail_csv(rows: list[TrailRow], headings: list[str]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a byte order mark
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow(
            [
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                _cell(row.actor),
                _cell(row.event),
                row.action,
                _cell(row.target),
                _cell(row.details),
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    # Names and titles are typed by people: never let a spreadsheet run one as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(), COPENHAGEN).astimezone(UTC).replace(tzinfo=None)


def _fallback(event: AuditEvent) -> str:
    if event.object_type is None:
        return ""
    return f"{event.object_type} {event.object_id or ''}".strip()


def _object_names(events: list[AuditEvent]) -> dict[tuple[str | None, str | None], str]:
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
        against = (event.details or {}).get("against")
        if against is not None:  # the round a report was compared with, named by its title
            wanted.setdefault("Round", set()).add(str(against))
    names: dict[tuple[str | None, str | None], str] = {}
    lookups = {
        "Round": (Round, Round.id, lambda r: r.title),
        "User": (User, User.id, lambda u: u.email),
        "LocalQuestion": (LocalQuestion, LocalQuestion.id, lambda q: f"{q.code} v{q.version}"),
        "Municipality": (Municipality, Municipality.code, lambda m: m.name),
    }
    for object_type, ids in wanted.items():
        if object_type not in lookups:
            continue
        model, key, name = lookups[object_type]
        numbers = [int(i) for i in ids if i.isdigit()]
        for item in db.session.scalars(select(model).where(key.in_(numbers))):
            names[(object_type, str(getattr(item, key.key)))] = name(item)
    return names
