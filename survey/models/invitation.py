from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.background import BackgroundColumns
from survey.models.base import Base, today

INVITATION_STATES = ("issued", "completed")


class Invitation(BackgroundColumns, Base):
    """A personal link sent by SMS or Digital Post; only a keyed hash of its token is kept."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("round_id", "number"),
        CheckConstraint(f"state IN {INVITATION_STATES!r}", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    # Running number within the round, for reminder lists that must not reveal answers.
    number: Mapped[int]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256, hex
    state: Mapped[str] = mapped_column(String(10), default="issued")
    created_on: Mapped[date] = mapped_column(default=today)
    # Sent by Borgerblik: the token, mobile and e-mail, encrypted with CONTACT_KEY (Fernet),
    # kept only until the last reminder is sent or the round closes; then erased.
    sealed: Mapped[str | None] = mapped_column(Text)
    send_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("send_batch.id", ondelete="SET NULL"), index=True
    )
    contact_erased_on: Mapped[date | None]
    # Keyed hash of the send list's reference with the round: a second upload of the same
    # list is noticed without keeping the municipality's ids.
    reference_hash: Mapped[str | None] = mapped_column(String(64), index=True)
