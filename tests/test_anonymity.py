"""Anonymity by design: nothing ties answers to a person's link once they are sent."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, select, text

from survey.core.extensions import db
from survey.invitations.tokens import invitation_hash
from survey.models import Answer, Invitation, Response
from survey.models.base import today

ANSWER_TABLES = ("response", "answer")
CLIENT_ADDRESS = "198.51.100.23"
FORWARDED_ADDRESS = "203.0.113.9"
USER_AGENT = "Borgerblik-test-telefon/1.0"


def all_stored_text(app) -> list[str]:
    """Every value of every column of every table in the migrated database, as text."""
    values = []
    with app.app_context():
        engine = db.engine
        names = inspect(engine).get_table_names()
        assert {"response", "answer", "invitation"} <= set(names)
        with engine.connect() as connection:
            for name in names:
                quoted = engine.dialect.identifier_preparer.quote(name)
                for row in connection.execute(text(f"SELECT * FROM {quoted}")):
                    values.extend(str(value) for value in row if value is not None)
    return values


def walk(citizen, internship: int = 2, stop_at: str | None = None) -> list[str]:
    """Answer page by page; return the HTML of every page seen."""
    pages = []
    for _ in range(8):
        if stop_at and citizen.page_key == stop_at:
            return pages
        html = citizen.get().get_data(as_text=True)
        pages.append(html)
        codes = set(re.findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html))
        answers = {code: "3" for code in codes}
        if "kl.progress.internship" in answers:
            answers["kl.progress.internship"] = str(internship)
        if "kl.overall.comment" in answers:
            answers["kl.overall.comment"] = "Fint nok"
        response = citizen.post_page(answers)
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak"):
            pages.append(citizen.get().get_data(as_text=True))
            return pages
    raise AssertionError("the journey did not end")


@pytest.fixture
def new_citizen(app, citizen):
    return lambda: type(citizen)(app.test_client())


# --- no link between response and invitation --------------------------------------------


def test_response_has_no_foreign_key_to_invitation_in_the_models():
    response_table = Response.__table__
    assert {fk.column.table.name for fk in response_table.foreign_keys} == {"survey_round"}
    assert not [c.name for c in response_table.columns if "invitation" in c.name]
    assert {fk.column.table.name for fk in Answer.__table__.foreign_keys} == {"response"}
    # Nor does any other table join the two.
    for table in db.metadata.sorted_tables:
        referred = {fk.column.table.name for fk in table.foreign_keys}
        assert not {"response", "invitation"} <= referred, table.name


def test_response_has_no_foreign_key_to_invitation_in_the_migrated_database(app):
    with app.app_context():
        inspector = inspect(db.engine)
        referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("response")}
        assert referred == {"survey_round"}
        columns = {column["name"] for column in inspector.get_columns("response")}
        assert not [name for name in columns if "invitation" in name or "token" in name]
        for name in inspector.get_table_names():
            referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(name)}
            assert not {"response", "invitation"} <= referred, name


def test_resume_hash_links_an_unfinished_sheet_and_is_erased_on_completion(
    app, citizen, make_round, invite
):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    walk(citizen, stop_at="conversation")
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitation = db.session.scalar(select(Invitation))
        assert re.fullmatch(r"[0-9a-f]{64}", response.resume_hash)
        assert response.resume_hash not in (invitation.token_hash, token)
        assert invitation.token_hash == invitation_hash(token)
        assert invitation.state == "issued"
    walk(citizen)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.completed is True
        assert response.resume_hash is None
        assert response.current_page is None
        assert db.session.scalar(select(Invitation.state)) == "completed"
        # Nothing in the finished sheet equals the invitation's hash or id.
        row = {c.name: getattr(response, c.name) for c in Response.__table__.columns}
        invitation = db.session.scalar(select(Invitation))
        assert invitation.token_hash not in {str(v) for v in row.values()}
        assert response.id != str(invitation.id)


# --- dates at day precision -------------------------------------------------------------


@pytest.mark.parametrize("table", [*ANSWER_TABLES, "invitation"])
def test_no_time_of_day_is_kept_in_the_models(table):
    columns = db.metadata.tables[table].columns
    for column in columns:
        assert not isinstance(column.type, sa.DateTime | sa.Time), column.name


@pytest.mark.parametrize("table", [*ANSWER_TABLES, "invitation"])
def test_no_time_of_day_is_kept_in_the_migrated_database(app, table):
    with app.app_context():
        for column in inspect(db.engine).get_columns(table):
            assert not isinstance(column["type"], sa.DateTime | sa.Time), column["name"]


def test_response_dates_are_plain_days(app, citizen, make_round, invite):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    walk(citizen)
    with app.app_context():
        response = db.session.scalar(select(Response))
        for value in (response.started_on, response.completed_on):
            assert type(value) is date
            assert value == today()


# --- random ids -------------------------------------------------------------------------


def test_response_ids_are_random_not_in_order(app, make_round, open_code, new_citizen):
    code = open_code(make_round())
    completed_in_order = []
    for _ in range(10):
        citizen = new_citizen()
        citizen.open(f"/o/{code}")
        citizen.start()
        while not citizen.location.endswith("/svar/tak"):
            assert citizen.post_page({}).status_code == 302
        with app.app_context():
            newest = set(db.session.scalars(select(Response.id))) - set(completed_in_order)
        (response_id,) = newest
        completed_in_order.append(response_id)
    assert len(set(completed_in_order)) == 10
    for response_id in completed_in_order:
        assert re.fullmatch(r"[0-9a-f]{32}", response_id)
    # Neither ascending nor descending with completion: about 2 in 3.6 million by chance.
    assert sorted(completed_in_order) != completed_in_order
    assert sorted(completed_in_order, reverse=True) != completed_in_order
    assert not all(response_id.isdigit() for response_id in completed_in_order)


# --- the token ----------------------------------------------------------------------------


def test_token_is_never_stored_in_clear(app, make_round, invite, new_citizen):
    round_id = make_round()
    finished, unfinished = invite(round_id, count=2, benefit_group="dagpenge")
    first = new_citizen()
    first.open(f"/s/{finished}")
    first.start()
    walk(first, internship=1)
    second = new_citizen()
    second.open(f"/s/{unfinished}")
    second.start()
    walk(second, stop_at="progression")
    stored = all_stored_text(app)
    assert stored  # the search saw real rows
    for token in (finished, unfinished):
        assert not [value for value in stored if token in value]


def test_token_leaves_the_address_at_once_with_a_303(app, citizen, make_round, invite):
    (token,) = invite(make_round())
    response = citizen.open(f"/s/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/svar"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    pages = [citizen.get("/svar").get_data(as_text=True)]
    citizen.start()
    pages += walk(citizen)
    assert pages[-1].count("Tak for dine svar") >= 1
    for html in pages:
        assert token not in html


def test_session_cookie_does_not_hold_the_raw_token(app, citizen, make_round, invite):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    cookie = citizen.client.get_cookie("borgerblik")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert token not in cookie.value
    content = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert "citizen" in content  # the cookie does carry the citizen's state ...
    assert token not in json.dumps(content)  # ... but never the token itself
    citizen.start()
    walk(citizen)
    content = app.session_interface.get_signing_serializer(app).loads(
        citizen.client.get_cookie("borgerblik").value
    )
    assert token not in json.dumps(content)


def test_no_ip_address_or_user_agent_is_stored(app, make_round, invite, open_code, new_citizen):
    round_id = make_round()
    (token,) = invite(round_id)
    for entry in (f"/s/{token}", f"/o/{open_code(round_id)}"):
        citizen = new_citizen()
        citizen.client.environ_base.update(
            {
                "REMOTE_ADDR": CLIENT_ADDRESS,
                "HTTP_X_FORWARDED_FOR": f"{FORWARDED_ADDRESS}, {CLIENT_ADDRESS}",
                "HTTP_X_REAL_IP": FORWARDED_ADDRESS,
                "HTTP_USER_AGENT": USER_AGENT,
            }
        )
        citizen.open(entry)
        citizen.start()
        walk(citizen)
    stored = all_stored_text(app)
    assert len([value for value in stored if len(value) == 32]) >= 2  # two response ids seen
    for secret in (CLIENT_ADDRESS, FORWARDED_ADDRESS, "198.51.100", "203.0.113", USER_AGENT):
        assert not [value for value in stored if secret in value], secret
    with app.app_context():
        for name in ("response", "answer", "invitation"):
            for column in inspect(db.engine).get_columns(name):
                assert not re.search(r"(^|_)(ip|addr|address|agent)(_|$)", column["name"])


def test_referrer_policy_is_no_referrer_on_citizen_pages(citizen, make_round, invite):
    (token,) = invite(make_round())
    entry = citizen.open(f"/s/{token}")
    landing = citizen.get("/svar")
    citizen.start()
    page = citizen.get()
    for response in (entry, landing, page):
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in page.get_data(as_text=True)


def test_tokens_are_long_random_strings_and_only_a_keyed_hash_is_kept(app, make_round, invite):
    tokens = invite(make_round(), count=200)
    assert len(set(tokens)) == 200
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{27,}", token)  # 160 bits, URL-safe
    with app.app_context():
        stored = dict(db.session.execute(select(Invitation.number, Invitation.token_hash)).all())
        assert len(stored) == 200
        assert not set(stored.values()) & set(tokens)
        first = tokens[0]
        assert stored[1] == invitation_hash(first)
        assert stored[1] != hashlib.sha256(first.encode()).hexdigest()  # keyed, not plain
        app.config["TOKEN_KEY"], saved_key = "another-key", app.config["TOKEN_KEY"]
        try:
            assert invitation_hash(first) != stored[1]
        finally:
            app.config["TOKEN_KEY"] = saved_key
