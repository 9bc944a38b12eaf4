"""The fixed, documented list of background variables an invitation may carry."""

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base

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


class BackgroundValue(Base):
    """A permitted value of a background variable, maintained by the operator.

    Codes outlive reforms: an old code (e.g. a benefit group the 2025 reform merged away)
    stays, marked inactive and mapped to the code that replaces it.
    """

    __tablename__ = "background_value"
    __table_args__ = (UniqueConstraint("variable", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variable: Mapped[str] = mapped_column(String(40))  # one of BACKGROUND_VARIABLES
    code: Mapped[str] = mapped_column(String(80))  # short code as in send lists
    label: Mapped[dict] = mapped_column(JSON)  # {"da": ..., "en": ...}
    active: Mapped[bool] = mapped_column(default=True)
    replaced_by: Mapped[str | None] = mapped_column(String(80))  # code of the same variable
