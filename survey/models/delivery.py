"""Delivery of invitations by Borgerblik itself: send batches and the outbox.

The outbox holds one row per message to deliver (invitation or reminder, SMS or e-mail),
written in the same transaction as the invitations it belongs to. A row holds no text, no
link and no address: the worker renders each message at the moment of sending from the
batch's texts and the invitation's sealed contact data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow

CHANNELS = ("sms", "email")
MESSAGE_STATES = ("waiting", "sending", "sent", "delivered", "failed", "skipped", "cancelled")


class SendBatch(Base):
    """One upload sent by Borgerblik: its texts (frozen) and its schedule."""

    __tablename__ = "send_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # UTC, naive; the first message's time (Danish quiet hours are applied per message).
    send_at: Mapped[datetime]
    reminder_days: Mapped[list] = mapped_column(JSON, default=list)
    # {language: {"invitation": text, "reminder": text}}, frozen when the batch was queued.
    texts: Mapped[dict] = mapped_column(JSON)
    organisation: Mapped[str] = mapped_column(String(120))


class OutboxMessage(Base):
    """A message due for delivery; delivered once, retried with backoff on failure."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"state IN {MESSAGE_STATES!r}", name="state"),
        Index("ix_outbox_message_due", "state", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("send_batch.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(default=0)  # 0 the invitation, 1-3 the reminders
    channel: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    due_at: Mapped[datetime]  # UTC, naive
    next_try_at: Mapped[datetime]  # due_at, moved by quiet hours and backoff
    attempts: Mapped[int] = mapped_column(default=0)
    # A worker's claim; a claim that outlives its lease is taken over (the worker died).
    claimed_until: Mapped[datetime | None]
    gateway_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(200))  # never a number, address or text
    sent_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
