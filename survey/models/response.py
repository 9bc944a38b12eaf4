from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.background import BackgroundColumns
from survey.models.base import Base, random_id, today


class Response(BackgroundColumns, Base):
    """One citizen's answer sheet. Deliberately no link to the invitation (anonymity)."""

    __tablename__ = "response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    # Keyed hash that lets the same link resume an unfinished sheet; erased on completion,
    # after which nothing ties the answers to a token.
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(12))  # "invitation" or "open"
    ui_language: Mapped[str] = mapped_column(String(8), default="da")
    current_page: Mapped[str | None] = mapped_column(String(60))  # last page reached
    completed: Mapped[bool] = mapped_column(default=False, index=True)
    # Day precision only: exact times would line up with token use and re-identify.
    started_on: Mapped[date] = mapped_column(default=today)
    completed_on: Mapped[date | None]


class Answer(Base):
    """One answer; unique per (response, item) so a double submit can only overwrite."""

    __tablename__ = "answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(String(120), primary_key=True)
    # The option value as text ("1".."5", "0" for ved ikke); multi: values joined by ";";
    # text items: the citizen's words exactly as typed.
    value: Mapped[str] = mapped_column(Text)
