"""What the start page shows of each round: gathered from the services that count it.

Only counts: completions per day come pooled by `response_rate` and a day (or the pool)
under 5 is left out of the chart, so no bar stands for fewer than 5 answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis.compare import MIN_N
from survey.core.extensions import db
from survey.core.tenancy import scoped
from survey.delivery.status import round_status
from survey.invitations.response_rate import ResponseRate, response_rate
from survey.models import Response, Round
from survey.rounds.chronology import newest_first
from survey.rounds.status import RoundStatus, round_status_of

LATEST_CLOSED = 3


@dataclass(frozen=True)
class RoundSummary:
    survey_round: Round
    status: RoundStatus
    completed: int
    rate: ResponseRate
    chart: list[tuple[date, int]]  # days with at least MIN_N completions
    sent: int
    failed: int
    next_step: str


def admin_rounds() -> list[RoundSummary]:
    """Every round not closed (the newest made first), then the latest closed ones in time."""
    rounds = db.session.scalars(scoped(Round).order_by(Round.id.desc())).all()
    current = [r for r in rounds if round_status_of(r).key != "closed"]
    closed = newest_first([r for r in rounds if round_status_of(r).key == "closed"])
    return [summarise(r) for r in current + closed[:LATEST_CLOSED]]


def analyst_rounds() -> list[tuple[Round, Round | None]]:
    """The latest closed rounds in time, each with the closed round before it in time (to
    compare with)."""
    closed = newest_first(db.session.scalars(scoped(Round).where(Round.state == "closed")).all())
    return [(r, _previous_closed(r, closed)) for r in closed[: LATEST_CLOSED * 2]]


def summarise(survey_round: Round) -> RoundSummary:
    status = round_status_of(survey_round)
    rate = response_rate(survey_round.id)
    batches = round_status(survey_round)
    completed = db.session.scalar(
        select(func.count()).where(
            Response.round_id == survey_round.id, Response.completed.is_(True)
        )
    )
    return RoundSummary(
        survey_round=survey_round,
        status=status,
        completed=int(completed or 0),
        rate=rate,
        chart=[(day, n) for day, n in rate.per_day if day is not None and n >= MIN_N],
        sent=sum(b.total.sent for b in batches),
        failed=sum(b.total.failed for b in batches),
        next_step=_next_step(survey_round, status, rate, bool(batches)),
    )


def _next_step(survey_round: Round, status: RoundStatus, rate: ResponseRate, sent: bool) -> str:
    if status.key == "draft":
        return _("Add local questions, preview the round and open it.")
    if status.key == "planned":
        return _("Print the posters and plan the invitations before the round opens.")
    if status.key == "open":
        if not sent and not rate.overall.invited:
            return _("Send the invitations, or put up the posters with the open link.")
        return _("Follow the response rate; reminders go out as planned.")
    if survey_round.state != "closed":
        return _("The closing date has passed: close the round to see its results.")
    return _("See the results and download the report.")


def _previous_closed(survey_round: Round, newest_first: list[Round]) -> Round | None:
    earlier = [
        r
        for r in newest_first
        if r.chronology < survey_round.chronology
        and r.questionnaire_key == survey_round.questionnaire_key
    ]
    return earlier[0] if earlier else None
