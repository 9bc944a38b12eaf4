"""`flask demo --json` gives staff logins and the admin page of the Odense demo round."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from sqlalchemy import func, select
from staff import Staff

from survey.core.extensions import db
from survey.demo.setup import DEMO_TITLE
from survey.models import Round, User

EXPECTED_USERS = [
    ("admin@odense.demo", "admin", 461),
    ("analytiker@odense.demo", "analyst", 461),
    ("admin@rodovre.demo", "admin", 175),
]


def run_demo(app) -> dict:
    result = app.test_cli_runner().invoke(args=["demo", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_demo_users_log_in_and_the_admin_round_url_is_odenses(app):
    demo = run_demo(app)
    users = demo["users"]
    assert [(u["email"], u["role"], u["municipality"]) for u in users] == EXPECTED_USERS
    assert all(set(u) == {"email", "password", "role", "municipality"} for u in users)
    assert len({u["password"] for u in users}) == 3
    assert all(len(u["password"]) >= 12 for u in users)
    with app.app_context():
        odense_round = db.session.scalar(
            select(Round).where(Round.municipality_code == 461, Round.title == DEMO_TITLE)
        )
        assert odense_round.id == demo["round_id"] and odense_round.state == "open"
        stored = {u.email: u for u in db.session.scalars(select(User))}
        for email, role, municipality in EXPECTED_USERS:
            assert (stored[email].role, stored[email].municipality_code) == (role, municipality)
            assert stored[email].must_change_password is False
            assert stored[email].password_hash.startswith("scrypt:")
    url = urlsplit(demo["admin_round_url"])
    assert (url.scheme, url.netloc) == ("http", "localhost")
    assert url.path == f"/admin/rounds/{odense_round.id}"

    logins_work_and_only_odense_staff_see_the_round(app, demo)
    # Running it again changes nothing a tester relies on.
    again = run_demo(app)
    assert again["users"] == users and again["admin_round_url"] == demo["admin_round_url"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert Staff(app).login(users[0]["email"], users[0]["password"]).status_code == 302


def logins_work_and_only_odense_staff_see_the_round(app, demo: dict) -> None:
    """Each demo user logs in with the printed password; only Odense's staff see the round."""
    path = urlsplit(demo["admin_round_url"]).path
    seen = {}
    for user in demo["users"]:
        staff = Staff(app)
        response = staff.login(user["email"], user["password"])
        assert (response.status_code, response.headers["Location"]) == (302, "/admin/"), user
        assert staff.get("/admin/").status_code == 200  # the start page of their role
        response = staff.get(path)
        seen[user["email"]] = response.status_code
        if response.status_code == 200:
            page = response.get_data(as_text=True)
            assert f"<h1>{DEMO_TITLE}</h1>" in page
            can_open_or_close = f'href="{path}/close/confirm"' in page
            assert can_open_or_close == (user["role"] == "admin")
    assert seen == {
        "admin@odense.demo": 200,
        "analytiker@odense.demo": 200,
        "admin@rodovre.demo": 404,
    }
