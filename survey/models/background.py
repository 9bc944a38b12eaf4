"""The fixed, documented list of background variables an invitation may carry."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

# Known from the send list, copied to the response; the only variables results may split by.
BACKGROUND_VARIABLES = ("benefit_group", "age_band", "gender", "language", "department")


class BackgroundColumns:
    """Mixin: one short code column per background variable (values are data, not code)."""

    benefit_group: Mapped[str | None] = mapped_column(String(40))  # ydelsesgruppe
    age_band: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(40))  # language of the send list
    department: Mapped[str | None] = mapped_column(String(80))

    def background(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in BACKGROUND_VARIABLES}
