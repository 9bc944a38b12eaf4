"""Fixtures of the security suite: staff of two municipalities, an operator, new browsers.

Staff are stored with one password hash made per session and signed in by session cookie
(scrypt costs 0.3 s a time); logging in through the form is tested in tests/test_auth.py
and, for attacks on it, in test_sec_sessions.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from staff import PASSWORD, Staff

from survey.accounts.service import hash_password
from survey.core.extensions import db
from survey.models import BackgroundValue, User


@dataclass(frozen=True)
class People:
    """E-mail addresses of the staff (all with staff.PASSWORD); sign them in with sign_in."""

    odense_admin: str = "admin@odense.dk"
    odense_analyst: str = "analytiker@odense.dk"
    rodovre_admin: str = "admin@rodovre.dk"
    rodovre_analyst: str = "analytiker@rodovre.dk"
    operator: str = "drift@kl.dk"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def people(app, password_hash) -> People:
    staff = People()
    accounts = [
        (staff.odense_admin, "admin", 461),
        (staff.odense_analyst, "analyst", 461),
        (staff.rodovre_admin, "admin", 175),
        (staff.rodovre_analyst, "analyst", 175),
        (staff.operator, "operator", None),
    ]
    with app.app_context():
        for email, role, municipality in accounts:
            db.session.add(
                User(
                    email=email,
                    password_hash=password_hash,
                    role=role,
                    municipality_code=municipality,
                    must_change_password=False,
                )
            )
        db.session.commit()
    return staff


@pytest.fixture
def sign_in(app, people):
    """A browser signed in as this staff member, the way Flask-Login's cookie says so."""

    def browser(email: str) -> Staff:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            user_id = user.get_id()
        staff = Staff(app)
        with staff.client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        return staff

    return browser


@pytest.fixture
def new_citizen(app, citizen):
    """Another browser: a fresh test client with no cookies, read by the Citizen helper."""
    return lambda: type(citizen)(app.test_client())


@pytest.fixture
def benefit_groups(app) -> list[str]:
    codes = ["kontanthjaelp", "dagpenge", "sygedagpenge"]
    with app.app_context():
        for code in codes:
            db.session.add(BackgroundValue(variable="benefit_group", code=code, label={"da": code}))
        db.session.commit()
    return codes
