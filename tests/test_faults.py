"""Faults at small scale: a worker killed and PostgreSQL restarted while citizens answer.

The server tests run `bench/load.py --quick --json` with a fault (20 citizens, 2 workers, no
wrk): every citizen must finish by retrying what failed, every answer the server
acknowledged must be in the database, and no citizen may get a second sheet. They are
not timing tests. The restart test needs PostgreSQL (DATABASE_URL) and a local cluster
it may restart; on SQLite it is skipped, and in CI on PostgreSQL it must run.

The last two tests are the bugs the restart found, without a server: when the database
fails in the middle of a request the error page itself must not need the database, and a
connection that died after a request's last query must not turn its page into a 500.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from bench_process import run_load_json
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from survey.core import cursor_reads
from survey.responding import journey as service

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "postgresql+"))
TIMEOUT = 240  # seconds; each run takes 10-40 s, more on a busy machine


def assert_recovered(status: int, figures: dict, output: str) -> dict:
    """The run's figures (from bench/load.py --json), once it is shown to have lost nothing."""
    assert status == 0, output
    assert figures["ok"] is True and figures["failures"] == [], output
    (run,) = figures["runs"]
    assert run["answers"]["lost_answers"] == 0, output
    assert run["survey"]["completed_citizens"] == 20, output
    assert figures["baseline"]["completed_citizens"] == 20, output
    assert run["answers"]["duplicate_responses"] == 0, output
    assert run["survey"]["failed_tries_outside_fault"] == 0, output
    assert run["survey"]["server_errors_not_explained_by_fault"] == 0, output
    return run


@pytest.mark.server
def test_a_worker_killed_mid_run_loses_nothing():
    status, figures, output = run_load_json(
        "--quick", "--no-wrk", "--fault", "kill-worker", timeout=TIMEOUT
    )
    run = assert_recovered(status, figures, output)
    assert run["fault"]["kind"] == "kill-worker" and run["fault"]["error"] is None
    assert re.match(
        r"worker killed: pid \d+ of 2 sent SIGKILL; the master started another",
        run["fault"]["detail"],
    ), output
    assert run["survey"]["worker_restarts"] == 1, output


def restart_possible() -> str | None:
    """Why the local PostgreSQL cannot be restarted here, or None when it can."""
    if not shutil.which("pg_ctlcluster"):
        return "pg_ctlcluster is not installed"
    if not any(Path("/etc/postgresql").glob("*/main")):
        return "no local cluster under /etc/postgresql"
    if os.geteuid() != 0:
        return "restarting the cluster needs root"
    return None


@pytest.mark.server
def test_postgresql_restarted_mid_run_loses_nothing():
    if not ON_POSTGRES:
        pytest.skip("needs DATABASE_URL naming PostgreSQL")
    why_not = restart_possible()
    if why_not:
        if IN_CI:
            pytest.fail(f"CI on PostgreSQL must test the restart, but {why_not}")
        pytest.skip(why_not)
    status, figures, output = run_load_json(
        "--quick", "--no-wrk", "--fault", "restart-db", timeout=TIMEOUT
    )
    run = assert_recovered(status, figures, output)
    assert run["fault"]["kind"] == "restart-db" and run["fault"]["error"] is None
    assert run["fault"]["detail"].startswith("database restarted:"), output


class Outage:
    """A database that fails from a chosen moment: every statement, or the next rollback
    (a Connection's, or the pool's when a connection comes back)."""

    def __init__(self):
        self.statements = False
        self.rollbacks = 0  # how many rollbacks still fail

    def statement(self, *_args):
        if self.statements:
            raise OperationalError("SELECT 1", {}, Exception("the database is restarting"))

    def rollback(self, *_args):
        if self.rollbacks:
            self.rollbacks -= 1
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    """The app as gunicorn runs it (catch-all error page on), on a SQLite file of its own,
    with the demo round open; yields the app, its open-link code and its Outage."""
    from flask_migrate import upgrade

    from survey import create_app
    from survey.core.extensions import db
    from survey.demo.setup import ensure_demo_round

    for name in ("DATABASE_URL", "BORGERBLIK_DEMO", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(
        {
            "SECRET_KEY": "faults-secret",
            "TOKEN_KEY": "faults-token-key",
            "CONTACT_KEY": "faults-contact-key",
            "PUBLIC_BASE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/faults.sqlite",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    assert not app.testing
    outage = Outage()
    with app.app_context():
        upgrade()
        open_code = ensure_demo_round().open_code
        db.session.commit()
        cursor_reads.listen(db.engine, "before_cursor_execute", outage.statement)
        event.listen(db.engine, "rollback", outage.rollback)
        # A citizen's read ends without a Connection (cursor_reads.fetch_all_pooled): its
        # closing rollback is the pool's reset of the connection on return.
        event.listen(db.engine.pool, "reset", outage.rollback)
    yield app, open_code, outage
    outage.statements, outage.rollbacks = False, 0
    with app.app_context():
        cursor_reads.remove(db.engine, "before_cursor_execute", outage.statement)
        db.session.remove()
        db.engine.dispose()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_error_page_when_the_database_fails_mid_request(production_app, monkeypatch):
    """The database goes away after the page's round was loaded, then the save fails.

    The 500 page's header looked the municipality up in the database: that failed too, so
    gunicorn answered with its bare error and logged a traceback carrying the failed
    statement's parameters. Now the visitor gets the app's own page, in its language.
    """

    app, open_code, outage = production_app
    save = service.save_page_answers

    def save_while_the_database_goes_down(*args, **kwargs):
        outage.statements = True
        return save(*args, **kwargs)

    monkeypatch.setattr(service, "save_page_answers", save_while_the_database_goes_down)
    client = app.test_client()
    assert client.get(f"/o/{open_code}").status_code == 303
    csrf = CSRF.search(client.get("/svar").get_data(as_text=True)).group(1)
    started = client.post("/svar/start", data={"csrf_token": csrf})
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    key = re.search(r'name="page" value="([^"]+)"', page).group(1)
    failed = client.post(
        started.headers["Location"], data={"csrf_token": csrf, "page": key, "action": "next"}
    )
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "5"
    html = failed.get_data(as_text=True)
    assert "<h1>" in html and "Tilgængelighedserklæring" in html, html
    assert "Fejlkode: 503" in html, html  # the app's page, in Danish


def test_answers_posted_while_the_database_is_down_stay_in_the_page(production_app):
    """The database is unreachable when a page is posted: 503 with Retry-After, and the
    page holds what was posted in a form to the same address, so pressing its button once
    the database is back stores the answers (nothing typed is lost)."""
    app, open_code, outage = production_app
    client = app.test_client()
    assert client.get(f"/o/{open_code}").status_code == 303
    csrf = CSRF.search(client.get("/svar").get_data(as_text=True)).group(1)
    started = client.post("/svar/start", data={"csrf_token": csrf})
    address = started.headers["Location"]
    page = client.get(address).get_data(as_text=True)
    key = re.search(r'name="page" value="([^"]+)"', page).group(1)
    codes = sorted(set(re.findall(r'type="radio"[^>]* name="([^"]+)"', page)))
    sent = {"csrf_token": csrf, "page": key, "action": "next", **dict.fromkeys(codes, "4")}
    outage.statements = True
    refused = client.post(address, data=sent)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    html = refused.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form and form.group(1) == address, html
    kept = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    assert kept == sent
    outage.statements = False
    again = client.post(form.group(1), data=kept)
    assert again.status_code == 302, again.get_data(as_text=True)
    from survey.core.extensions import db
    from survey.models import Answer

    with app.app_context():
        stored = dict(db.session.execute(db.select(Answer.item_code, Answer.value)).all())
    assert {code: stored.get(code) for code in codes} == dict.fromkeys(codes, "4")


def test_a_connection_found_dead_is_replaced_and_the_request_run_again(production_app):
    """PostgreSQL restarted since the pooled connection was last used: the request's first
    statement fails with a disconnect. Nothing was committed, so the app runs the request
    once more on a new connection instead of answering with an error (no pre-ping needed)."""
    app, open_code, _outage = production_app
    from survey.core.extensions import db

    failures = []

    def dead_once(connection, _cursor, statement, *_args):
        if not failures and "survey_round" in statement:
            failures.append(statement)
            error = OperationalError(statement, {}, Exception("server closed the connection"))
            error.connection_invalidated = True
            raise error

    client = app.test_client()
    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", dead_once)
    try:
        entered = client.get(f"/o/{open_code}")
    finally:
        with app.app_context():
            cursor_reads.remove(db.engine, "before_cursor_execute", dead_once)
    assert len(failures) == 1
    assert entered.status_code == 303, entered.get_data(as_text=True)
    assert client.get("/svar").status_code == 200


def test_a_connection_lost_after_the_last_query_does_not_fail_the_page(production_app, monkeypatch):
    """PostgreSQL terminated the connection after the page's last query: only the closing
    rollback fails (the page's own read ends with one). The page was read and must be
    sent, not gunicorn's bare 500."""

    app, open_code, outage = production_app
    load = service.load_journey

    def load_then_lose_the_connection(*args, **kwargs):
        outage.rollbacks = 1
        return load(*args, **kwargs)

    client = app.test_client()
    assert client.get(f"/o/{open_code}").status_code == 303
    monkeypatch.setattr(service, "load_journey", load_then_lose_the_connection)
    landing = client.get("/svar")
    assert landing.status_code == 200
    assert CSRF.search(landing.get_data(as_text=True))
    assert outage.rollbacks == 0  # the failing rollback did happen


def test_the_delivery_service_outlives_a_database_restart(app, caplog):
    """Without a pre-ping, the running outbox worker meets a dead pooled connection once
    after PostgreSQL restarted: it rolls back, waits and carries on, instead of exiting."""
    from survey.core.extensions import db
    from survey.delivery.worker import work

    class Stop(Exception):
        pass

    failures, sleeps = [], []

    def dead_once(_conn, _cursor, statement, *_args):
        if not failures:
            failures.append(statement)
            error = OperationalError(statement, {}, Exception("server closed the connection"))
            error.connection_invalidated = True
            raise error

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise Stop

    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", dead_once)
        try:
            with pytest.raises(Stop):
                work(once=False, sleep=sleep, poll_seconds=0.01)
        finally:
            cursor_reads.remove(db.engine, "before_cursor_execute", dead_once)
            db.session.rollback()
    assert len(failures) == 1 and len(sleeps) == 2
    assert "database connection lost" in caplog.text
