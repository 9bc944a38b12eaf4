"""A citizen's pooled read on PostgreSQL goes through libpq as a prepared statement
(survey.core.libpq_reads) and must give what SQLAlchemy's execution gives: the same rows
and types, the same errors, and a dead connection seen as one (so the request is run
again on a new connection)."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from survey.core import cursor_reads, libpq_reads
from survey.core.autocommit_engine import autocommit_engine
from survey.core.extensions import db
from survey.invitations.tokens import resume_hash
from survey.models import Round
from survey.responding.journey import CITIZEN_PAGE

MEETING = {f"kl.meeting.{code}": "4" for code in ("welcoming", "respect", "health", "contact")}


def test_named_placeholders_are_numbered_once_each():
    made = libpq_reads.numbered("SELECT %(a)s, %(b)s WHERE x = %(a)s AND y = %(long_name)s")
    assert made == libpq_reads.Numbered(
        b"SELECT $1, $2 WHERE x = $1 AND y = $3", ("a", "b", "long_name")
    )


@pytest.mark.parametrize("sql", ["SELECT 'a%%' || %(a)s", "SELECT %s", "SELECT %(a)s LIKE '50%%'"])
def test_any_other_percent_sign_is_left_to_psycopgs_cursor(sql):
    assert libpq_reads.numbered(sql) is None


@pytest.fixture
def postgres_engine(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("libpq reads are PostgreSQL's")
    return autocommit_engine(engine)


@pytest.fixture
def answering(app, make_round, invite, citizen):
    """A citizen on the second page, the first page's answers stored."""
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    assert citizen.post_page(MEETING).status_code == 302
    with citizen.client.session_transaction() as session:
        state = dict(session["citizen"])
    return citizen, state


def test_the_citizen_page_read_gives_what_sqlalchemy_gives(app, postgres_engine, answering):
    _citizen, state = answering
    statement = CITIZEN_PAGE["postgresql"]
    plan = cursor_reads.plan(statement, postgres_engine.dialect)
    assert plan is not None and plan.numbered is not None
    with app.app_context():
        hashed = resume_hash(state["secret"])
    for token_hash in (state["secret"], None):
        parameters = {
            "round_id": state["round_id"],
            "resume_hash": hashed,
            "token_hash": token_hash,
        }
        for _ in range(2):  # prepared on the first, reused on the second
            ours = cursor_reads.fetch_all_pooled(postgres_engine, plan, parameters)
            with postgres_engine.connect() as connection:
                theirs = [tuple(row) for row in connection.execute(statement, parameters)]
            assert ours == theirs
            assert [type(value) for value in ours[0]] == [type(value) for value in theirs[0]]
    assert ours[0][15] == MEETING  # the answers, loaded from JSON


def test_an_error_is_sqlalchemys_and_the_connection_goes_on(app, postgres_engine):
    statement = select(Round.id).where(Round.id == bindparam("round_id"))
    plan = cursor_reads.plan(statement, postgres_engine.dialect)
    with pytest.raises(DBAPIError) as raised:
        cursor_reads.fetch_all_pooled(postgres_engine, plan, {"round_id": "not a number"})
    assert not raised.value.connection_invalidated
    assert "invalid input syntax" in str(raised.value.orig)
    assert cursor_reads.fetch_all_pooled(postgres_engine, plan, {"round_id": 0}) == []


@pytest.fixture
def engine_without_pre_ping(app, postgres_engine):
    """An engine as production makes it (no pre-ping, which would find a dead connection
    first), on the tests' schema."""
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    engine = create_engine(postgres_engine.url, connect_args=options["connect_args"])
    yield autocommit_engine(engine)
    engine.dispose()


def test_a_connection_killed_by_the_server_is_found_dead_and_replaced(engine_without_pre_ping):
    engine = engine_without_pre_ping
    plan = cursor_reads.plan(select(Round.id).where(Round.id == bindparam("id")), engine.dialect)
    assert cursor_reads.fetch_all_pooled(engine, plan, {"id": 0}) == []  # prepared on it
    fairy = engine.pool.connect()  # the pool's one connection, the read's
    pid = fairy.dbapi_connection.info.backend_pid
    fairy.close()
    killer = create_engine(engine.url, poolclass=NullPool)
    with killer.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    with pytest.raises(DBAPIError) as raised:
        cursor_reads.fetch_all_pooled(engine, plan, {"id": 0})
    assert raised.value.connection_invalidated  # so transaction.run_view runs it again
    assert isinstance(raised.value, OperationalError)  # else a 500, not the 503 page
    assert cursor_reads.fetch_all_pooled(engine, plan, {"id": 0}) == []  # on a new one


def test_a_connection_that_cannot_be_made_is_sqlalchemys_operational_error(postgres_engine):
    """As Engine.connect raises it, so the error pages answer 503 "try again", not 500."""
    nowhere = create_engine(postgres_engine.url.set(port=1), connect_args={"connect_timeout": 2})
    twin = autocommit_engine(nowhere)
    plan = cursor_reads.plan(select(Round.id).where(Round.id == bindparam("id")), twin.dialect)
    try:
        with pytest.raises(OperationalError):
            cursor_reads.fetch_all_pooled(twin, plan, {"id": 0}, twin.idle)
    finally:
        nowhere.dispose()
