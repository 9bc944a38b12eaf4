"""Time for messages: Danish local time (Europe/Copenhagen), no SMS between 20:00 and 08:00.

Times are stored in UTC without a zone, as everywhere in the database; staff write and
read Danish local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
QUIET_FROM = time(20, 0)
QUIET_UNTIL = time(8, 0)
MAX_REMINDERS = 3
MAX_REMINDER_DAYS = 60


def to_utc(local: datetime) -> datetime:
    """A Danish wall-clock time (naive, or aware in any zone) as naive UTC."""
    aware = local if local.tzinfo else local.replace(tzinfo=COPENHAGEN)
    return aware.astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(COPENHAGEN)


def sms_allowed_from(utc: datetime) -> datetime:
    """The first moment at or after `utc` when an SMS may go out (08:00 after a quiet night)."""
    local = to_local(utc)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return utc
    morning = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return to_utc(datetime.combine(morning, QUIET_UNTIL))


def reminder_times(first: datetime, reminder_days: list[int]) -> list[datetime]:
    """Reminders the given numbers of days after the first message, at the same local time
    of day (so a summer-time change does not move them an hour)."""
    local = to_local(first)
    return [to_utc((local + timedelta(days=days)).replace(tzinfo=None)) for days in reminder_days]
