from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base


class Municipality(Base):
    """A tenant: one of the 98 Danish municipalities, keyed by its official code."""

    __tablename__ = "municipality"

    # Official kommunekode (101 København, 461 Odense); never renumbered, so the natural key.
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    region: Mapped[str] = mapped_column(String(40))
    # What citizens see as the sender ("Jobcenter Odense"); data, since the 2025 reform
    # renames the job centre in law.
    service_name: Mapped[str | None] = mapped_column(String(120))
    # The municipality's own accessibility statement (made in the state's WAS tool).
    accessibility_url: Mapped[str | None] = mapped_column(String(500))
    # An operator may allow staff to download invitation links (paper letters, their own
    # SMS system); otherwise only Borgerblik delivers them and no one sees a link.
    may_download_links: Mapped[bool] = mapped_column(default=False)
    # Origins allowed to embed the public results page in a frame (CSP frame-ancestors),
    # space-separated, e.g. "https://www.odense.dk"; none: no site may frame it.
    embed_origins: Mapped[str | None] = mapped_column(String(500))

    @property
    def display_service_name(self) -> str:
        return self.service_name or f"{self.name} Kommune"
