from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow


class AuditEvent(Base):
    """Who did what to which object, when: every staff action that changes something."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(
        default=utcnow, index=True
    )  # staff actions: exact time is fine
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Kept as text too, so the trail survives the user's deletion and failed logins are named.
    actor: Mapped[str] = mapped_column(String(254))
    municipality_code: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.code"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))  # e.g. "round.open", "login.failed"
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict | None] = mapped_column(JSON)
