from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from questionnaires.translation import SOURCE_LANGUAGE, fingerprint
from survey.models.base import Base, today

# A translation's state (survey/bank/status.py writes them): "draft" (not checked by a
# professional translator), "reviewed" (by a named person, on a date), or "stale" (the
# Danish changed after it was made or reviewed: it no longer says what the Danish says).
DRAFT, REVIEWED, STALE, MISSING = "draft", "reviewed", "stale", "missing"

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
    # Per translated language: {"status": "draft" | "reviewed", "reviewed_by", "reviewed_on",
    # "source": fingerprint of the Danish texts it was made from}; none: a draft of unknown
    # source (survey/bank/status.py).
    translations: Mapped[dict | None] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[date] = mapped_column(default=today)

    def language_texts(self, language: str) -> tuple[str, ...]:
        """Every text of the question in one language: text, help and own options."""
        return (
            (self.texts or {}).get(language, ""),
            (self.help or {}).get(language, ""),
            *(str(o["label"].get(language, "")) for o in self.options or ()),
        )

    def translated_languages(self) -> list[str]:
        return [lang for lang, text in (self.texts or {}).items() if lang != "da" and text]

    def danish_fingerprint(self) -> str:
        return fingerprint(*self.language_texts(SOURCE_LANGUAGE))

    def translation_entry(self, language: str) -> dict:
        """Status, reviewer and source of a translation; none recorded: a draft."""
        return dict((self.translations or {}).get(language) or {"status": DRAFT})

    def translation_state(self, language: str) -> str:
        """ "source" for Danish, else "missing", "stale", "draft" or "reviewed". No recorded
        source (made before sources were recorded) is unknown, not stale."""
        if language == SOURCE_LANGUAGE:
            return "source"
        if not (self.texts or {}).get(language):
            return MISSING
        entry = self.translation_entry(language)
        source = entry.get("source")
        if source and source != self.danish_fingerprint():
            return STALE
        return str(entry.get("status", DRAFT))

    def translation_is_draft(self, language: str) -> bool:
        """Offered to citizens only where the administrator accepted drafts: a stale
        translation is no better than a draft."""
        return self.translation_state(language) in (DRAFT, STALE)
