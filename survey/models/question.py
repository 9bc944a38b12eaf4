from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, today

ITEM_TYPES = ("likert5", "yesno", "single", "multi", "text")


class LocalQuestion(Base):
    """A municipality's own add-on question, kept in its bank and picked per round."""

    __tablename__ = "local_question"
    __table_args__ = (
        UniqueConstraint("municipality_code", "code", "version"),
        CheckConstraint(f"type IN {ITEM_TYPES!r}", name="type"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    # Stable code, e.g. odense.internship.purpose; a new wording is a new version, same code.
    code: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict] = mapped_column(JSON)  # {"da": ..., "en": ...}; Danish required
    help: Mapped[dict | None] = mapped_column(JSON)
    options: Mapped[list | None] = mapped_column(JSON)  # [{"value": 1, "label": {...}}]
    max_length: Mapped[int | None]
    # {"item": code, "in": [values]}: e.g. only after "yes" to the internship item.
    show_if: Mapped[dict | None] = mapped_column(JSON)
    # Which earlier questions this one may be compared with, even when reworded.
    compare_key: Mapped[str] = mapped_column(String(120))
    retired: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[date] = mapped_column(default=today)
