"""What staff may see of a send: counts per send and per group of at least 5 invitations,
never which citizen received, opened or answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from analysis.compare import MIN_N
from survey.core.extensions import db
from survey.models import Invitation, OutboxMessage, Round, SendBatch
from survey.models.background import BACKGROUND_VARIABLES


@dataclass(frozen=True)
class Counts:
    label: str
    invitations: int
    waiting: int
    sent: int  # accepted by the gateway or mail server (delivered included)
    delivered: int  # confirmed by a delivery receipt (SMS)
    failed: int


@dataclass(frozen=True)
class BatchStatus:
    batch_id: int
    created_at: datetime
    send_at: datetime
    reminder_days: list[int]
    total: Counts
    groups: dict[str, list[Counts]]  # background variable -> groups of at least MIN_N


def _columns():
    state = OutboxMessage.state
    return (
        func.count(func.distinct(OutboxMessage.invitation_id)),
        func.sum(case((state.in_(("waiting", "sending")), 1), else_=0)),
        func.sum(case((state.in_(("sent", "delivered")), 1), else_=0)),
        func.sum(case((state == "delivered", 1), else_=0)),
        func.sum(case((state == "failed", 1), else_=0)),
    )


def _counts(label: str, row) -> Counts:
    invitations, waiting, sent, delivered, failed = (int(value or 0) for value in row)
    return Counts(label, invitations, waiting, sent, delivered, failed)


def round_status(survey_round: Round) -> list[BatchStatus]:
    batches = db.session.scalars(
        select(SendBatch).where(SendBatch.round_id == survey_round.id).order_by(SendBatch.id)
    ).all()
    return [_batch_status(batch) for batch in batches]


def _batch_status(batch: SendBatch) -> BatchStatus:
    total = db.session.execute(select(*_columns()).where(OutboxMessage.batch_id == batch.id)).one()
    groups: dict[str, list[Counts]] = {}
    for variable in BACKGROUND_VARIABLES:
        column = getattr(Invitation, variable)
        rows = db.session.execute(
            select(column, *_columns())
            .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .where(OutboxMessage.batch_id == batch.id, column.is_not(None))
            .group_by(column)
            .order_by(column)
        ).all()
        # A group under 5 is not shown: its counts could point at a person.
        shown = [_counts(row[0], row[1:]) for row in rows if row[1] >= MIN_N]
        if shown:
            groups[variable] = shown
    return BatchStatus(
        batch.id,
        batch.created_at,
        batch.send_at,
        list(batch.reminder_days),
        _counts("all", total),
        groups,
    )
