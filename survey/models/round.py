from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.municipality import Municipality
from survey.models.question import LocalQuestion

ROUND_STATES = ("draft", "open", "closed")
END_PLACEMENT = "end"  # a local question on a page of its own at the end; else a theme's key


class Round(Base):
    """One survey round of one municipality, e.g. "Forår 2026"."""

    __tablename__ = "survey_round"
    __table_args__ = (CheckConstraint(f"state IN {ROUND_STATES!r}", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    questionnaire_key: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(10), default="draft")
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["da", "en"])
    # Draft translations (not checked by a professional translator) the administrator
    # accepted offering; a draft language not listed here is not offered to citizens.
    draft_languages_accepted: Mapped[list | None] = mapped_column(JSON)
    # Pages and items frozen when the round opens: answers must never meet changed questions.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # A digest of the snapshot's content, kept with it by the "set" event below: the parsed
    # questions are cached per digest, so a reused id or a changed snapshot never meets
    # questions parsed from another snapshot, and a citizen page need not read the snapshot.
    snapshot_digest: Mapped[str | None] = mapped_column(String(64))
    # Public code of the open link on a waiting-room poster; not a secret, so kept in clear.
    open_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when retention deleted the raw answers; the aggregated results were kept.
    raw_answers_deleted_on: Mapped[date | None]
    # The invitation and reminder texts being written, per language (see SendBatch.texts).
    message_texts: Mapped[dict | None] = mapped_column(JSON)
    # Links were downloaded by staff (allowed by an operator): results say so.
    links_handed_out: Mapped[bool] = mapped_column(default=False)
    # The day its results were first shown, reported or exported; from then on the round
    # stays closed, so no one can compare its figures before and after one more answer.
    results_released_on: Mapped[date | None]

    municipality: Mapped[Municipality] = relationship()
    local_questions: Mapped[list[RoundQuestion]] = relationship(
        order_by="RoundQuestion.position", cascade="all, delete-orphan", back_populates="round"
    )

    @property
    def began_on(self) -> date:
        """The round's first day: the day it opens, or the day it was made if it has none."""
        return self.opens_on or self.created_at.date()

    @property
    def chronology(self) -> tuple[date, int]:
        """Where the round falls in time, to sort by: its first day, then its id. (Ids follow
        the order rounds were made in, which an earlier round made late does not.)"""
        return self.began_on, self.id


def snapshot_digest(snapshot: dict | None) -> str | None:
    """SHA-256 of the snapshot's canonical JSON (sorted keys), or None without a snapshot."""
    if snapshot is None:
        return None
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@event.listens_for(Round.snapshot, "set")
def _keep_digest(target: Round, value: dict | None, _old: object, _initiator: object) -> None:
    target.snapshot_digest = snapshot_digest(value)


class RoundQuestion(Base):
    """A local question placed in a round: after a theme's page, or on a page at the end."""

    __tablename__ = "round_question"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    local_question_id: Mapped[int] = mapped_column(
        ForeignKey("local_question.id"), primary_key=True
    )
    # "end", or the key of a theme of the round's questionnaire (the file declares them)
    placement: Mapped[str] = mapped_column(String(20), default=END_PLACEMENT)
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="local_questions")
    question: Mapped[LocalQuestion] = relationship()
