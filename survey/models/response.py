from __future__ import annotations

from datetime import date, datetime

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
    # Keyed hash of the secret of the browser that started the sheet: only that browser
    # sees and changes pages already answered; any other continues forward only. Erased
    # on completion with the resume hash.
    device_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))  # "invitation" or "open" (also kiosk)
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


class OpenLinkHour(Base):
    """Completions and refusals through a round's open links in one hour: counts only.

    An hour's completions are stored only once there are 5 of them (until then they are
    counted in the rate limiter's short-lived storage), so no single answer's time of day
    is kept; the other completions are the round's open-link total less these rows.
    Refused completions (too many from one address) are stored as they happen.
    """

    __tablename__ = "open_link_hour"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)  # UTC, at the full hour
    completed: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
