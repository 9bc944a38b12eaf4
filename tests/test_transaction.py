"""The one commit point: a request commits once after a successful write and never after a
refusal; a command commits once when it ends and nothing when it fails."""

from __future__ import annotations

import click
import pytest
from flask import abort
from sqlalchemy import create_engine, event, func, insert, select

from survey import create_app
from survey.core import audit, transaction
from survey.core.extensions import db
from survey.models import AuditEvent


@pytest.fixture
def probe_app(app, app_config):
    """A second app on the same database, with routes that write and then answer as told."""
    probe = create_app({**app_config, "WTF_CSRF_ENABLED": False})

    @probe.route("/probe/<int:status>", methods=["GET", "POST"])
    def write_then(status: int):
        audit.record(f"probe.{status}", actor="probe")
        if status == 500:
            raise RuntimeError("after the write")
        if status == 422:
            abort(422)
        if status == 401:
            transaction.keep_when_refused()
        return "written", status

    @probe.post("/probe/lone/<int:status>")
    def hand_over_then(status: int):
        """One audit row handed to the commit point (as a citizen's page POST hands its
        write on PostgreSQL); `status` 201 writes through the session too."""
        if status == 201:
            audit.record("probe.session", actor="probe")
        values = {"action": f"probe.lone.{status}", "actor": "probe", "details": {}}
        transaction.write_at_commit(insert(AuditEvent).values(**values), {})
        if status == 500:
            raise RuntimeError("after handing the write over")
        return "handed over", status

    @probe.get("/probe/read")
    def read_only():
        return str(db.session.scalar(select(func.count()).select_from(AuditEvent)))

    commits = []
    with probe.app_context():
        engine = db.engine
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    yield probe, commits
    event.remove(engine, "commit", listener)
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()  # the probe's own connections (PostgreSQL warns if left open)


def recorded(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("status", [200, 302])
def test_a_successful_write_is_committed_once(app, probe_app, status):
    probe, commits = probe_app
    assert probe.test_client().post(f"/probe/{status}").status_code == status
    assert recorded(app) == [f"probe.{status}"]
    assert len(commits) == 1


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_refusal_rolls_the_write_back(app, probe_app, status):
    probe, commits = probe_app
    assert probe.test_client().post(f"/probe/{status}").status_code == status
    assert recorded(app) == []
    assert commits == []


def test_an_exception_rolls_the_write_back(app, probe_app):
    probe, commits = probe_app
    with pytest.raises(RuntimeError):
        probe.test_client().post("/probe/500")
    assert recorded(app) == []
    assert commits == []


def test_a_refusal_may_keep_the_record_of_itself(app, probe_app):
    """A failed login is refused (401) and still recorded."""
    probe, _commits = probe_app
    assert probe.test_client().post("/probe/401").status_code == 401
    assert recorded(app) == ["probe.401"]


def test_a_request_that_writes_nothing_commits_nothing(probe_app):
    probe, commits = probe_app
    assert probe.test_client().get("/probe/read").status_code == 200
    assert commits == []


@pytest.mark.parametrize("status", [200, 302])
def test_a_handed_over_write_is_sent_once_the_request_succeeds(app, probe_app, status):
    """On PostgreSQL, alone, it is sent in autocommit, without BEGIN and COMMIT (the lone
    statement is its own transaction); SQLite's POST began its transaction before the
    view (the write lock taken first), so it is sent there and committed once."""
    probe, commits = probe_app
    assert probe.test_client().post(f"/probe/lone/{status}").status_code == status
    assert recorded(app) == [f"probe.lone.{status}"]
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert len(commits) == (0 if postgresql else 1)


def test_a_handed_over_write_beside_others_is_committed_with_them(app, probe_app):
    probe, commits = probe_app
    assert probe.test_client().post("/probe/lone/201").status_code == 201
    assert recorded(app) == ["probe.session", "probe.lone.201"]
    assert len(commits) == 1


@pytest.mark.parametrize("status", [400, 422, 500])
def test_a_refused_request_never_sends_its_handed_over_write(app, probe_app, status):
    probe, commits = probe_app
    client = probe.test_client()
    if status == 500:
        with pytest.raises(RuntimeError):
            client.post("/probe/lone/500")
    else:
        assert client.post(f"/probe/lone/{status}").status_code == status
    assert recorded(app) == []
    assert commits == []


def test_rows_added_after_a_read_are_stored_when_another_writer_came_between(
    app, probe_app, db_url
):
    """A GET that reads and then adds a row (a report download and its audit event), while
    another writer commits in between: on SQLite (WAL) its read snapshot could not become
    a write lock, and the commit failed at once with "database is locked" (the 503 page;
    seen with three staff downloading reports at once). The added row goes in a write
    transaction of its own. On PostgreSQL the read and the insert simply commit together."""
    probe, _commits = probe_app
    other = create_engine(db_url, **probe.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))

    @probe.get("/probe/read-then-add")
    def read_then_add():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))  # a snapshot
        with other.begin() as connection:  # another worker's write, committed meanwhile
            connection.execute(insert(AuditEvent).values(action="probe.between", actor="x"))
        audit.record("probe.after", actor="probe", details={"counted": before})
        return "read and added"

    try:
        response = probe.test_client().get("/probe/read-then-add")
    finally:
        other.dispose()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert recorded(app) == ["probe.between", "probe.after"]


def test_a_commit_that_fails_is_answered_by_the_error_page(app, app_config, monkeypatch):
    """The commit runs as the view returns: a database that fails then is answered by the
    error pages (503 with Retry-After while it cannot be reached, issue 12), as a failure
    inside the view is, and nothing of the request is kept."""
    from sqlalchemy.exc import OperationalError

    probe = create_app(
        {**app_config, "TESTING": False, "WTF_CSRF_ENABLED": False, "CONTACT_KEY": "probe-key"}
    )

    @probe.post("/probe/commit-fails")
    def write():
        audit.record("probe.lost", actor="probe")
        return "written"

    def refuse():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(transaction, "commit", refuse)
    response = probe.test_client().post("/probe/commit-fails")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Tjenesten har travlt et øjeblik" in response.get_data(as_text=True)
    assert recorded(app) == []
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_unit_of_work_commits_once_and_names_its_actor(app):
    with app.app_context():
        with transaction.unit_of_work(actor="cli"):
            audit.record("probe.cli")
            audit.record("probe.cli.second")
        db.session.remove()
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.actor)).all()
    assert sorted(rows) == [("probe.cli", "cli"), ("probe.cli.second", "cli")]


def test_a_failing_unit_of_work_leaves_nothing(app):
    with app.app_context():
        with pytest.raises(click.ClickException), transaction.unit_of_work(actor="cli"):
            audit.record("probe.half-done")
            db.session.flush()
            raise click.ClickException("refused halfway")
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
