"""The open links against abuse: completions limited per address, and counted per hour.

Anyone may answer through a round's open link (the poster's QR code, or the kiosk
variant on a waiting-room tablet), so one client could send sheet after sheet. Each
browser sends one sheet per round unless someone else asks to answer on it (see
state.answered_here), and each address sends at most OPEN_LINK_COMPLETIONS_PER_ADDRESS
per round: generous enough for a waiting room behind one address, and refusing a script.
Addresses are counted by the rate limiter under a keyed hash, never stored.

The analyst sees completions per hour with bursts marked. An hour's completions reach the
database only once there are 5 of them (the first four are counted in the rate limiter's
short-lived storage), so no single answer's time of day is kept anywhere lasting; hours
with fewer are shown pooled, as the round's open-link total less the hours shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from flask import current_app
from limits import RateLimitItem, parse_many
from sqlalchemy import func, select

from analysis.compare import MIN_N
from survey.core.database import dialect_insert
from survey.core.extensions import db, limiter
from survey.core.transaction import keep_when_refused
from survey.invitations.tokens import address_key
from survey.models import OpenLinkHour, Response
from survey.models.base import utcnow

SCOPE = "open-link-completion"
HOUR_KEY = "open-link-hour"
MIN_HOUR = MIN_N  # the same anonymity rule as for answers
BURST_COMPLETIONS = 20  # an hour with this many completions is marked for the analyst
BURST_FACTOR = 3  # ... as is one with three times the round's usual busy hour


def _limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["OPEN_LINK_COMPLETIONS_PER_ADDRESS"])


def may_complete(round_id: int, address: str) -> bool:
    """Whether one more sheet of the round may be sent from this address now."""
    key = address_key(address)
    return all(limiter.limiter.test(item, SCOPE, str(round_id), key) for item in _limits())


def count_completion(round_id: int, address: str, now: datetime | None = None) -> None:
    """A sheet was sent through an open link: count it for the address and for the hour."""
    key = address_key(address)
    for item in _limits():
        limiter.limiter.hit(item, SCOPE, str(round_id), key)
    hour = _hour(now)
    seen = limiter.storage.incr(f"{HOUR_KEY}/{round_id}/{hour:%Y%m%d%H}", 2 * 60 * 60)
    if seen == MIN_HOUR:  # the hour now has enough completions to be kept at all
        _add(round_id, hour, completed=MIN_HOUR)
    elif seen > MIN_HOUR:
        _add(round_id, hour, completed=1)


def count_refusal(round_id: int, now: datetime | None = None) -> None:
    """A sheet refused (too many from one address): kept although the request is refused."""
    _add(round_id, _hour(now), refused=1)
    keep_when_refused()


def _hour(now: datetime | None) -> datetime:
    return (now or utcnow()).replace(minute=0, second=0, microsecond=0)


def _add(round_id: int, hour: datetime, completed: int = 0, refused: int = 0) -> None:
    statement = dialect_insert(OpenLinkHour).values(
        round_id=round_id, hour=hour, completed=completed, refused=refused
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["round_id", "hour"],
            set_={
                "completed": OpenLinkHour.completed + statement.excluded.completed,
                "refused": OpenLinkHour.refused + statement.excluded.refused,
            },
        )
    )


# --- what the analyst sees ------------------------------------------------------------------


@dataclass(frozen=True)
class Hour:
    start: datetime  # UTC, at the full hour
    completed: int | None  # None: fewer than 5, counted in the pool
    refused: int
    burst: bool


@dataclass(frozen=True)
class OpenLinkActivity:
    hours: list[Hour]
    pooled: int  # completions in hours with fewer than 5 each
    total: int
    refused: int

    @property
    def bursts(self) -> int:
        return sum(1 for hour in self.hours if hour.burst)


def open_link_activity(round_id: int) -> OpenLinkActivity:
    rows = db.session.execute(
        select(OpenLinkHour.hour, OpenLinkHour.completed, OpenLinkHour.refused)
        .where(OpenLinkHour.round_id == round_id)
        .order_by(OpenLinkHour.hour)
    ).all()
    total = db.session.execute(
        select(func.count()).where(
            Response.round_id == round_id, Response.completed.is_(True), Response.channel == "open"
        )
    ).scalar_one()
    busy = [completed for _hour, completed, _refused in rows if completed >= MIN_HOUR]
    usual = median(busy) if len(busy) >= 3 else None
    hours = []
    for start, completed, refused in rows:
        shown = completed if completed >= MIN_HOUR else None
        burst = bool(refused) or (
            shown is not None
            and (
                shown >= BURST_COMPLETIONS or (usual is not None and shown >= BURST_FACTOR * usual)
            )
        )
        hours.append(Hour(start, shown, refused, burst))
    counted = sum(hour.completed or 0 for hour in hours)
    return OpenLinkActivity(
        hours=hours,
        pooled=max(total - counted, 0),
        total=total,
        refused=sum(hour.refused for hour in hours),
    )
