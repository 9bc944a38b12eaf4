from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow


class Target(Base):
    """An ambition level (ambitionsniveau): share positive at least `ambition` in `year`."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("municipality_code", "indicator", "year"),
        CheckConstraint("ambition >= 0 AND ambition <= 1", name="ambition_share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    # A compare key (e.g. kl.meeting.welcoming) or "theme:<theme>".
    indicator: Mapped[str] = mapped_column(String(130))
    year: Mapped[int]
    ambition: Mapped[float]  # a share, 0..1
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HistoricalResult(Base):
    """An aggregated result of an earlier survey (e.g. Odense's 2017-2023 statements)."""

    __tablename__ = "historical_result"
    __table_args__ = (
        UniqueConstraint("municipality_code", "compare_key", "period"),
        CheckConstraint("positive >= 0 AND positive <= n", name="positive_within_n"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    compare_key: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(20))  # e.g. "2019" or "2023H1"
    year: Mapped[int]
    text: Mapped[str | None] = mapped_column(String(500))  # the wording used then
    n: Mapped[int]  # valid answers
    positive: Mapped[int]  # answers counted as positive


class BenchmarkFigure(Base):
    """A published national or regional figure, e.g. KL's 2025H2 mean of one category on its
    1-5 scale: shown beside a municipality's theme means, named with its source."""

    __tablename__ = "benchmark_figure"
    __table_args__ = (
        UniqueConstraint("source", "period", "category"),
        CheckConstraint("n > 0", name="n_positive"),
        CheckConstraint("sd IS NULL OR sd >= 0", name="sd_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # e.g. "KL"
    period: Mapped[str] = mapped_column(String(20))  # e.g. "2025H2"
    category: Mapped[str] = mapped_column(String(120))  # the source's name of the category
    mean: Mapped[float]
    n: Mapped[int]
    sd: Mapped[float | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
