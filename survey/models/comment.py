"""Comments handled with care: an analyst's redaction of a free-text answer, the themes of
the municipality's codebook, and which themes a comment is tagged with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow

comment_tag = Table(
    "comment_tag",
    Base.metadata,
    Column("review_id", ForeignKey("comment_review.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("comment_theme.id", ondelete="CASCADE"), primary_key=True),
)


class CommentTheme(Base):
    """A theme of the analyst-defined codebook, with keywords that suggest it."""

    __tablename__ = "comment_theme"
    __table_args__ = (UniqueConstraint("municipality_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    keywords: Mapped[list] = mapped_column(JSON, default=list)


class CommentReview(Base):
    """An analyst's reading of one comment: the redacted text, its themes, and whether it
    may be quoted in a report. Only a reviewed, redacted comment ever reaches a report."""

    __tablename__ = "comment_review"
    __table_args__ = (
        UniqueConstraint("response_id", "item_code"),
        # Goes with the answer: retention and deletion of raw answers take the review too.
        ForeignKeyConstraint(
            ["response_id", "item_code"],
            ["answer.response_id", "answer.item_code"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(120))
    redacted: Mapped[str] = mapped_column(Text)
    quote: Mapped[bool] = mapped_column(default=False)
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    themes: Mapped[list[CommentTheme]] = relationship(secondary=comment_tag)
