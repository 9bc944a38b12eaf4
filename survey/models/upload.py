from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, random_id, utcnow


class PendingUpload(Base):
    """A checked send list kept for the step that uses it, so it need not be chosen again.

    Encrypted with CONTACT_KEY (it may hold mobile numbers and e-mail addresses), bound to
    the staff member and round that checked it, and deleted when used or after an hour.
    """

    __tablename__ = "pending_upload"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    sealed: Mapped[str] = mapped_column(Text)  # Fernet token of the file's bytes
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
