"""The page shown while the database is unreachable gives back what was posted: escaped,
and never a password.

Attack: a value posted to a form (here the login's e-mail field) that breaks out of the
hidden input that keeps it (`"><script>…`). And a password written into a page, where it
would sit in the browser's memory and any saved copy of the page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

from survey.core import cursor_reads

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAYLOAD = '"><script>alert(document.cookie)</script>'


@pytest.fixture
def unreachable(make_production_app):
    app = make_production_app(INSECURE_COOKIES="1")
    down = {"now": False}

    def fail(*_args):
        if down["now"]:
            raise OperationalError("SELECT", {}, Exception("could not connect to server"))

    from survey.core.extensions import db

    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", fail)
    yield app, down
    with app.app_context():
        cursor_reads.remove(db.engine, "before_cursor_execute", fail)


def test_posted_values_come_back_escaped_and_passwords_not_at_all(unreachable):
    app, down = unreachable
    client = app.test_client()
    csrf = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    down["now"] = True
    answer = client.post(
        "/login",
        data={"csrf_token": csrf, "email": PAYLOAD, "password": "Hemmelig-kode-42"},
    )
    assert answer.status_code == 503
    html = answer.get_data(as_text=True)
    assert "<script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;"' in html, html
    assert "Hemmelig-kode-42" not in html and 'name="password"' not in html
