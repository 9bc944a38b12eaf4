"""On PostgreSQL a citizen's reads and lone write run on a pool of their own whose
connections stay in autocommit: no isolation level is set and reset on each checkout, and
disposing of the app's engine closes that pool's connections too."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, select

from survey.core.autocommit_engine import autocommit_engine
from survey.core.extensions import db
from survey.models import Answer

MEETING_ALL = {f"kl.meeting.{code}": "4" for code in ("welcoming", "respect", "health", "contact")}


@pytest.fixture
def on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the autocommit pool is PostgreSQL's (SQLite reads without it)")


@pytest.fixture
def on_first_page(app, make_round, invite, citizen):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    assert citizen.get().status_code == 200
    return citizen


def test_a_page_get_and_post_set_no_isolation_level(app, on_postgresql, on_first_page, monkeypatch):
    """Setting AUTOCOMMIT on each checkout and resetting it on return cost 3 % of a page
    GET's instructions; the pool's connections are put in autocommit once instead."""
    citizen = on_first_page
    with app.app_context():
        dialect = db.engine.dialect
    calls = []
    set_level = dialect.set_isolation_level

    def counting(dbapi_connection, level):
        calls.append(level)
        return set_level(dbapi_connection, level)

    monkeypatch.setattr(dialect, "set_isolation_level", counting)
    assert citizen.get().status_code == 200
    assert citizen.post_page(MEETING_ALL).status_code == 302
    assert calls == []
    with app.app_context():
        stored = db.session.scalars(select(Answer.value)).all()
    assert sorted(stored) == ["4", "4", "4", "4"]


def test_a_page_get_reads_on_the_autocommit_pool_alone(app, on_postgresql, on_first_page):
    """And keeps its connection out of the pool for the next read: the second GET checks
    nothing out (survey.core.idle_connections)."""
    citizen = on_first_page
    with app.app_context():
        engine = db.engine
        twin = autocommit_engine(engine)
    assert twin is autocommit_engine(engine)  # made once
    twin.dispose()  # a fresh pool, nothing kept yet
    assert twin.pool is not engine.pool
    checkouts = {"app": 0, "autocommit": 0}

    def counter(name):
        def count(*_args):
            checkouts[name] += 1

        return count

    app_listener, twin_listener = counter("app"), counter("autocommit")
    event.listen(engine.pool, "checkout", app_listener)
    event.listen(twin.pool, "checkout", twin_listener)
    try:
        assert citizen.get().status_code == 200
        assert checkouts == {"app": 0, "autocommit": 1}
        assert len(twin.idle) == 1 and twin.pool.checkedout() == 1
        assert citizen.get().status_code == 200
        assert checkouts == {"app": 0, "autocommit": 1}
        assert len(twin.idle) == 1
    finally:
        event.remove(engine.pool, "checkout", app_listener)
        event.remove(twin.pool, "checkout", twin_listener)
    with twin.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is True


def test_disposing_of_the_app_engine_closes_the_autocommit_connections(
    app, on_postgresql, on_first_page
):
    """The tests and benches dispose of the app's engine to close every connection; the
    twin's pool would otherwise keep its own open (PostgreSQL warns, and runs out)."""
    citizen = on_first_page
    assert citizen.get().status_code == 200
    with app.app_context():
        twin = autocommit_engine(db.engine)
        with twin.connect() as connection:
            dbapi_connection = connection.connection.dbapi_connection
        old_pool = twin.pool
        assert old_pool.checkedin() >= 1
        (kept,) = list(twin.idle._idle)  # the page read's, kept out of the pool
        db.engine.dispose()
        assert dbapi_connection.closed
        assert kept.dbapi_connection is None or kept.dbapi_connection.closed
        assert len(twin.idle) == 0
        assert twin.pool is not old_pool
        assert twin.pool.checkedin() == 0
    assert citizen.get().status_code == 200  # and reads go on, on new connections
    with app.app_context(), twin.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is True


def test_making_the_twin_leaves_the_app_engine_without_events(app, on_postgresql):
    """Its dispose listener would mark the app's engine as having events, and every
    connection of both engines would then dispatch each begin and rollback to nobody."""
    with app.app_context():
        engine = create_engine(db.engine.url)
    try:
        assert engine._has_events is False
        twin = autocommit_engine(engine)
        assert engine._has_events is False
        assert twin._has_events is False
        with twin.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
