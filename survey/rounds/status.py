"""A round's status in words, the same on every staff page: what citizens meet today.

The stored state says what staff did (draft, opened, closed); the dates decide what a
citizen arriving today meets, so an opened round whose first day is tomorrow is
"planned", and an open round whose closing date has passed is "closed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from survey.models import Round
from survey.models.base import today


@dataclass(frozen=True)
class RoundStatus:
    key: str  # draft | planned | open | closed
    text: str


def round_status_of(survey_round: Round, on: date | None = None) -> RoundStatus:
    """The status a citizen arriving on `on` (today) meets, in words for staff."""
    now = on or today()
    opens, closes = survey_round.opens_on, survey_round.closes_on
    if survey_round.state == "closed" or (closes is not None and closes < now):
        return RoundStatus("closed", _("Closed"))
    if survey_round.state == "draft":
        if opens is not None and opens >= now:
            return RoundStatus("draft", _("Draft – planned to open %(day)s", day=_day(opens)))
        return RoundStatus("draft", _("Draft – not opened yet"))
    if opens is not None and opens > now:
        return RoundStatus("planned", _("Planned – opens %(day)s", day=_day(opens)))
    if closes is None:
        return RoundStatus("open", _("Open"))
    days = (closes - now).days
    if days == 0:
        return RoundStatus("open", _("Open – closes today"))
    return RoundStatus(
        "open",
        ngettext("Open – closes in %(num)d day", "Open – closes in %(num)d days", days),
    )


def _day(day: date) -> str:
    return format_date(day, "d. MMMM")


def period_text(survey_round: Round) -> str:
    """The round's dates as staff read them; says so when none are set."""
    opens, closes = survey_round.opens_on, survey_round.closes_on
    if opens and closes:
        return f"{format_date(opens)} – {format_date(closes)}"
    if opens:
        return _("from %(day)s", day=format_date(opens))
    if closes:
        return _("until %(day)s", day=format_date(closes))
    return _("No dates set")
