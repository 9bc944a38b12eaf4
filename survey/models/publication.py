"""A round's results published on a public page (no login), until unpublished."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.round import Round


class Publication(Base):
    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), unique=True
    )
    # The earlier round shown beside it, chosen when publishing (None: the round alone).
    against_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_round.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(foreign_keys=[round_id])
    against: Mapped[Round | None] = relationship(foreign_keys=[against_id])
