"""Data lifecycle: delete a closed round's raw answers after a set time, keeping its
aggregated results; delete all of a municipality's data on request."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from analysis.compare import ItemInfo, side_for
from survey.comparison.query import pooled_counts
from survey.comparison.service import code_to_key, period_label, round_period
from survey.core import audit
from survey.core.extensions import db
from survey.models import (
    Answer,
    AuditEvent,
    HistoricalResult,
    Invitation,
    LocalQuestion,
    Municipality,
    Response,
    Round,
    RoundQuestion,
    Target,
    User,
)
from survey.models.base import today
from survey.rounds.definition import round_definition

SCORED = ("likert5", "yesno")


def rounds_due(older_than_days: int, on: date | None = None) -> list[Round]:
    """Closed rounds whose closing date is more than `older_than_days` ago, raw answers still kept."""
    cutoff = (on or today()) - timedelta(days=older_than_days)
    candidates = db.session.scalars(
        select(Round).where(Round.state == "closed", Round.raw_answers_deleted_on.is_(None))
    )
    return [r for r in candidates if (r.closes_on or r.created_at.date()) < cutoff]


def keep_aggregates(survey_round: Round) -> int:
    """Store the round's n and positive per scored item as historical results."""
    definition = round_definition(survey_round)
    counts, _ = pooled_counts([survey_round], {survey_round.id: code_to_key(definition)})
    stored = 0
    for item in definition.items:
        if item.type not in SCORED or item.compare_key not in counts:
            continue
        side = side_for(
            ItemInfo(key=item.compare_key, text="", theme="", type=item.type),
            counts[item.compare_key],
        )
        if side.positive is None:  # fewer than 5 valid answers: nothing that may be kept
            continue
        period = period_label(survey_round)
        existing = db.session.scalar(
            select(HistoricalResult).where(
                HistoricalResult.municipality_code == survey_round.municipality_code,
                HistoricalResult.compare_key == item.compare_key,
                HistoricalResult.period == period,
            )
        )
        result = existing or HistoricalResult(
            municipality_code=survey_round.municipality_code,
            compare_key=item.compare_key,
            period=period,
        )
        result.year = round_period(survey_round)[0]
        result.text = item.text.get("da", "")[:500]
        result.n, result.positive = side.n, side.positive
        db.session.add(result)
        stored += 1
    return stored


def delete_raw_answers(survey_round: Round) -> int:
    """Aggregate, then delete every response and answer of the round; returns responses deleted."""
    keep_aggregates(survey_round)
    response_ids = select(Response.id).where(Response.round_id == survey_round.id)
    db.session.execute(delete(Answer).where(Answer.response_id.in_(response_ids)))
    deleted = db.session.execute(
        delete(Response).where(Response.round_id == survey_round.id)
    ).rowcount
    db.session.execute(delete(Invitation).where(Invitation.round_id == survey_round.id))
    survey_round.raw_answers_deleted_on = today()
    audit.record("round.raw_answers_deleted", survey_round, details={"responses": deleted})
    return deleted


def delete_municipality_data(municipality: Municipality) -> dict[str, int]:
    """Everything the platform holds for one municipality, except the municipality itself."""
    code = municipality.code
    round_ids = select(Round.id).where(Round.municipality_code == code)
    response_ids = select(Response.id).where(Response.round_id.in_(round_ids))
    deleted = {}
    deleted["answers"] = db.session.execute(
        delete(Answer).where(Answer.response_id.in_(response_ids))
    ).rowcount
    deleted["responses"] = db.session.execute(
        delete(Response).where(Response.round_id.in_(round_ids))
    ).rowcount
    deleted["invitations"] = db.session.execute(
        delete(Invitation).where(Invitation.round_id.in_(round_ids))
    ).rowcount
    db.session.execute(delete(RoundQuestion).where(RoundQuestion.round_id.in_(round_ids)))
    deleted["rounds"] = db.session.execute(
        delete(Round).where(Round.municipality_code == code)
    ).rowcount
    deleted["local_questions"] = db.session.execute(
        delete(LocalQuestion).where(LocalQuestion.municipality_code == code)
    ).rowcount
    deleted["targets"] = db.session.execute(
        delete(Target).where(Target.municipality_code == code)
    ).rowcount
    deleted["historical_results"] = db.session.execute(
        delete(HistoricalResult).where(HistoricalResult.municipality_code == code)
    ).rowcount
    user_ids = select(User.id).where(User.municipality_code == code)
    db.session.execute(
        AuditEvent.__table__.update().where(AuditEvent.user_id.in_(user_ids)).values(user_id=None)
    )
    deleted["users"] = db.session.execute(
        delete(User).where(User.municipality_code == code)
    ).rowcount
    deleted["audit_events"] = db.session.execute(
        delete(AuditEvent).where(AuditEvent.municipality_code == code)
    ).rowcount
    municipality.service_name = None
    municipality.accessibility_url = None
    # Recorded outside the municipality's own trail, which has just been deleted.
    audit.record(
        "municipality.data_deleted",
        municipality_code=None,
        details={"municipality": code, **deleted},
    )
    return deleted
