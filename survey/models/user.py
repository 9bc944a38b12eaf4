from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.municipality import Municipality

ROLES = ("operator", "admin", "analyst")


class User(Base):
    """A staff member. Operators run the installation; admins and analysts belong to one municipality."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(
            "(role = 'operator') OR (municipality_code IS NOT NULL)", name="municipality_for_staff"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))  # scrypt, via werkzeug.security
    role: Mapped[str] = mapped_column(String(10))
    municipality_code: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.code"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # A one-time password must be replaced at first login.
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: bumping it (password change, disabling) ends every session.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class PasswordReset(Base):
    """A password-reset link sent by e-mail: only a keyed hash of its token is stored; it
    works once and for a short time."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
