"""Data lifecycle: delete a closed round's raw answers after a set time, keeping its
aggregated results; delete all of a municipality's data on request."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import CursorResult, Delete, delete, select, update

from analysis.compare import ItemInfo, side_for
from survey.comparison.query import pooled_counts
from survey.comparison.service import code_to_key, period_label, round_period, scale_fields
from survey.core import audit
from survey.core.extensions import db
from survey.models import (
    Answer,
    AnswerTally,
    ApiToken,
    AuditEvent,
    CommentTheme,
    HistoricalResult,
    Invitation,
    LocalQuestion,
    Municipality,
    Response,
    Round,
    RoundQuestion,
    RoundTally,
    Target,
    User,
)
from survey.models.base import today
from survey.rounds.definition import round_definition

SCORED = ("likert5", "yesno", "scale")


def _delete(statement: Delete) -> int:
    """Run a bulk DELETE; returns the number of rows it removed."""
    result = db.session.execute(statement)
    # A DELETE returns no rows, so SQLAlchemy gives a CursorResult, which has the row count.
    if not isinstance(result, CursorResult):
        raise TypeError(f"a DELETE gave {type(result).__name__}, not a CursorResult")
    return result.rowcount


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
            ItemInfo(key=item.compare_key, text="", theme="", type=item.type, **scale_fields(item)),
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
    # the round's tally pairs each answer with its respondent's headline answer per group:
    # counts of a few answers each, not aggregates to keep
    db.session.execute(delete(AnswerTally).where(AnswerTally.round_id == survey_round.id))
    db.session.execute(delete(RoundTally).where(RoundTally.round_id == survey_round.id))
    response_ids = select(Response.id).where(Response.round_id == survey_round.id)
    db.session.execute(delete(Answer).where(Answer.response_id.in_(response_ids)))
    deleted = _delete(delete(Response).where(Response.round_id == survey_round.id))
    db.session.execute(delete(Invitation).where(Invitation.round_id == survey_round.id))
    survey_round.raw_answers_deleted_on = today()
    audit.record("round.raw_answers_deleted", survey_round, details={"responses": deleted})
    return deleted


def delete_municipality_data(municipality: Municipality) -> dict[str, int]:
    """Everything the platform holds for one municipality, except the municipality itself."""
    code = municipality.code
    round_ids = select(Round.id).where(Round.municipality_code == code)
    response_ids = select(Response.id).where(Response.round_id.in_(round_ids))
    deleted: dict[str, int] = {}
    deleted["answers"] = _delete(delete(Answer).where(Answer.response_id.in_(response_ids)))
    deleted["responses"] = _delete(delete(Response).where(Response.round_id.in_(round_ids)))
    deleted["invitations"] = _delete(delete(Invitation).where(Invitation.round_id.in_(round_ids)))
    db.session.execute(delete(RoundQuestion).where(RoundQuestion.round_id.in_(round_ids)))
    deleted["rounds"] = _delete(delete(Round).where(Round.municipality_code == code))
    deleted["local_questions"] = _delete(
        delete(LocalQuestion).where(LocalQuestion.municipality_code == code)
    )
    deleted["targets"] = _delete(delete(Target).where(Target.municipality_code == code))
    deleted["historical_results"] = _delete(
        delete(HistoricalResult).where(HistoricalResult.municipality_code == code)
    )
    # Comment reviews and publications went with the answers and rounds (ON DELETE CASCADE).
    deleted["comment_themes"] = _delete(
        delete(CommentTheme).where(CommentTheme.municipality_code == code)
    )
    deleted["api_tokens"] = _delete(delete(ApiToken).where(ApiToken.municipality_code == code))
    user_ids = select(User.id).where(User.municipality_code == code)
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.user_id.in_(user_ids))
        .values(user_id=None)
        # the same statement as a Core UPDATE: audit events held in the session are not touched
        .execution_options(synchronize_session=False)
    )
    deleted["users"] = _delete(delete(User).where(User.municipality_code == code))
    deleted["audit_events"] = _delete(
        delete(AuditEvent).where(AuditEvent.municipality_code == code)
    )
    municipality.service_name = None
    municipality.accessibility_url = None
    municipality.embed_origins = None
    # Recorded outside the municipality's own trail, which has just been deleted.
    audit.record(
        "municipality.data_deleted",
        municipality_code=None,
        details={"municipality": code, **deleted},
    )
    return deleted
