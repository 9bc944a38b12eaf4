"""The one commit point: services add and flush, and only this module commits.

A web request commits once, after the view returned a successful response, when anything
was written; any refusal (a 4xx or 5xx answer, an exception) rolls back, so a refused post
never leaves a partial write. A command-line command commits once through `unit_of_work`,
used as a decorator or a `with` block. Audit events are written by the services in the
same transaction, so an action and its audit stand or fall together. A request whose whole
write is one statement may hand it to the commit point instead (write_at_commit), which
sends it alone, as a transaction of its own, only when the request succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ContextDecorator, suppress
from types import TracebackType
from typing import Any

from flask import Flask, Response, g, has_app_context, has_request_context, session
from flask.sessions import SecureCookieSession
from sqlalchemy import Engine, Executable, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from survey.core import cursor_reads
from survey.core.autocommit_engine import autocommit_engine, idle_connections
from survey.core.extensions import db

WROTE = "borgerblik.wrote"
KEEP_REFUSED = "borgerblik.keep_refused"
READ_ONLY = "borgerblik.read_only"
READ_ONLY_REQUEST = "borgerblik_read_only"  # in `g`: this request only reads
AUTOCOMMIT_READS = "borgerblik_autocommit_reads"  # an execution option (SQLite)
LONE_WRITE = "borgerblik_lone_write"  # in `g`: a write handed to the commit point


class WriteInReadOnlyRequest(RuntimeError):
    """A request that reads without a transaction tried to write: it would have committed
    statement by statement, outside the one commit point."""


def _read_only(session: Session) -> bool:
    # Set by read_without_transaction, or when the session is opened (_open_read_only_sessions).
    return bool(session.info.get(READ_ONLY))


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if _read_only(session):
        raise WriteInReadOnlyRequest("a read-only request flushed changes")


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work's flush.
    if state.is_insert or state.is_update or state.is_delete:
        if _read_only(state.session):
            raise WriteInReadOnlyRequest("a read-only request executed a write")
        state.session.info[WROTE] = True
    elif _read_only(state.session) and not state.session.in_transaction():
        # A read-only session opened after its request was made so (_open_read_only_sessions)
        # connects here, at its first statement, in autocommit: no BEGIN and ROLLBACK.
        state.session.connection(execution_options=_autocommit_options())


def read_without_transaction() -> None:
    """Let this request's reads run without BEGIN and ROLLBACK (autocommit reads).

    For requests that only read, where no two reads must see one snapshot: a citizen's
    page reads the round, its sheet and answers in one statement (read_rows). It saves
    two round trips on PostgreSQL and a transaction on SQLite. Any write in such a request
    raises WriteInReadOnlyRequest: it would commit at once, outside the one commit point.
    The ORM session is not opened for it: a page read through read_rows never builds one.
    """
    g.setdefault(READ_ONLY_REQUEST, True)
    if db.session.registry.has():  # else the session is made so when opened
        db.session.info[READ_ONLY] = True
        db.session.connection(execution_options=_autocommit_options())


def _autocommit_options() -> dict[str, Any]:
    if db.engine.dialect.name == "sqlite":
        # The sqlite3 module is already left in autocommit mode (survey.core.database) and
        # only our "begin" hook starts transactions: it skips this connection's. (SQLite's
        # AUTOCOMMIT isolation level would be undone on return to the pool by a setting
        # that lets the module begin transactions by itself again.)
        return {AUTOCOMMIT_READS: True}
    return {"isolation_level": "AUTOCOMMIT"}


def read_rows(statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """All rows of one read statement (each a Row or a tuple, read by position).

    In a request that reads without a transaction, over a pooled connection of its own in
    autocommit, without the ORM session: a citizen's page GET is this one statement, and
    the session's bookkeeping (its transaction, its ORM execution and its closing) cost
    more than the statement itself; so did SQLAlchemy's execution of it and the Connection
    made around it, so it is sent on the cursor of a connection taken from the pool
    (survey.core.cursor_reads.fetch_all_pooled). So too on PostgreSQL in a writing
    request that has not begun its transaction (a citizen's page POST reads first): each
    statement of a READ COMMITTED transaction sees its own snapshot and a plain SELECT
    takes no lock, so the read sees what it would have seen inside; the transaction, if
    any, begins with the first write. Elsewhere (SQLite's writing requests, which read
    inside the write lock they took first), through the session as usual. A connection
    found dead raises DBAPIError with connection_invalidated, which run_view retries.
    """
    if not (has_request_context() and (g.get(READ_ONLY_REQUEST) or _before_transaction())):
        return db.session.execute(statement, parameters).all()
    engine = _autocommit_engine(db.engine)
    planned = cursor_reads.plan(statement, engine.dialect)
    if planned is not None:
        # On the pool's connection itself: an autocommit read needs no Connection around it.
        return cursor_reads.fetch_all_pooled(engine, planned, parameters, idle_connections(engine))
    connection = engine.connect()
    try:
        return connection.execute(statement, parameters).all()
    finally:
        try:
            connection.close()
        except SQLAlchemyError:
            # The rows are read; a connection that died after them (PostgreSQL restarted)
            # fails only its closing: the page is still shown, and the connection dropped.
            with suppress(SQLAlchemyError):
                connection.invalidate()


_autocommit_engines: dict[Engine, Engine] = {}


def _autocommit_engine(engine: Engine) -> Engine:
    """The engine whose connections read (and send a lone write) in autocommit.

    On PostgreSQL, a twin with a pool of its own whose connections stay in autocommit
    (survey.core.autocommit_engine). On SQLite, the engine with the autocommit option,
    made once per engine: it shares the pool and the listeners, and its connections come
    with the option set (setting it on each connection again cost 2 % of a page GET).
    """
    if engine.dialect.name == "postgresql":
        return autocommit_engine(engine)
    made = _autocommit_engines.get(engine)
    if made is None:
        made = engine.execution_options(**_autocommit_options())
        if len(_autocommit_engines) > 16:  # engines of apps made and dropped (the tests)
            _autocommit_engines.clear()
        _autocommit_engines[engine] = made
    return made


def _before_transaction() -> bool:
    """Whether this request may still read outside a transaction (PostgreSQL, no session
    transaction begun)."""
    return db.engine.dialect.name == "postgresql" and not _in_transaction()


def _in_transaction() -> bool:
    """Whether this request's session (if one was opened) has begun a transaction."""
    return db.session.registry.has() and db.session().in_transaction()


def write_at_commit(statement: Executable, parameters: Mapping[str, Any]) -> None:
    """Hand one write statement to the commit point, to be sent only if the request succeeds.

    When it is all the request writes and no transaction was begun (a citizen's page POST
    on PostgreSQL: one read, then this), the commit point sends it alone in autocommit:
    PostgreSQL runs a lone statement as a transaction of its own, all or nothing, and
    commits it (WAL flushed, synchronous_commit as configured) before the statement
    returns, so before the answer leaves. That saves BEGIN and COMMIT, two of a page
    POST's four round trips. Otherwise it goes through the session before the commit. A
    refused request never sends it, as a rolled-back write.
    """
    if not has_request_context():  # a command's unit of work: no request to finish
        db.session.execute(statement, parameters)
        return
    if g.get(READ_ONLY_REQUEST):
        raise WriteInReadOnlyRequest("a read-only request handed over a write")
    if g.get(LONE_WRITE) is not None:
        raise RuntimeError("a request hands the commit point at most one write")
    g.setdefault(LONE_WRITE, (statement, dict(parameters)))


def _send_alone(statement: Executable, parameters: Mapping[str, Any]) -> None:
    # Not retried when the connection fails: as with a failing COMMIT the outcome is not
    # known. The error pages answer 503 and a citizen's answers stay in the form; sent
    # again, the page's statement stores the same (an upsert and a move).
    # Sent on the connection's cursor as a citizen's read is (cursor_reads): SQLAlchemy's
    # execution of it cost a fifth of a page POST.
    with _autocommit_engine(db.engine).connect() as connection:
        planned = cursor_reads.plan(statement, connection.dialect)
        if planned is None or planned.columns:
            connection.execute(statement, parameters)
            return
        connection.begin()  # as execute would: no BEGIN sent (autocommit), ended by close()
        cursor_reads.send(connection, planned, parameters)


def wrote() -> bool:
    """Whether the session wrote or holds changes not yet flushed since its last transaction."""
    if not db.session.registry.has():
        return False  # no session was opened: nothing was written
    session = db.session
    return bool(session.info.get(WROTE) or session.new or session.dirty or session.deleted)


def keep_when_refused() -> None:
    """Keep this request's writes although it answers with a refusal.

    For the record of a refused attempt (a failed login): the refusal is the point, and
    the audit trail must still show it.
    """
    g.setdefault(KEEP_REFUSED, True)


def commit() -> None:
    db.session.commit()
    db.session.info.pop(WROTE, None)


def roll_back() -> None:
    """Roll back; SQLAlchemy has already discarded a connection that died."""
    with suppress(SQLAlchemyError):
        db.session.rollback()
    db.session.info.pop(WROTE, None)


class unit_of_work(ContextDecorator):
    """Commit once when the block or command ends normally; roll back when it raises.

    `actor` names who acts in audit events written inside (the command line has no
    signed-in user): "cli" for commands, "retention" for the scheduled deletion.
    """

    def __init__(self, actor: str | None = None) -> None:
        self.actor = actor
        self._previous_actor: str | None = None

    def __enter__(self) -> unit_of_work:
        if self.actor is not None and has_app_context():
            self._previous_actor = g.get("audit_actor")
            g.audit_actor = self.actor
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                commit()
            else:
                roll_back()
        finally:
            if self.actor is not None and has_app_context():
                g.audit_actor = self._previous_actor


def run_view(view: Callable[[], Response]) -> Response:
    """Run a view and commit what it wrote (finish); once more if the database connection
    was found dead before the commit began.

    Nothing was committed then, so running the view again is safe: its writes were rolled
    back with the connection, and the session cookie is put back as the request brought it
    (a view changes it only together with what it writes). A connection that dies during
    the commit is not retried here (the outcome is not known): the error pages answer 503
    with Retry-After, and a citizen's posted answers stay in the form (survey.web.errors).
    Without this, every pooled connection of every worker failed one request after a
    PostgreSQL restart; with it, the app needs no "pre-ping" round trip per request.
    """
    # Copied from the session object itself: through the proxy, dict() fetched every key
    # one by one (2 % of a citizen's page). Those fetches marked a session with keys as
    # accessed (so its response varies by cookie); that stays so.
    current = session._get_current_object()  # type: ignore[attr-defined]
    cookie = dict(current)
    if cookie and isinstance(current, SecureCookieSession):
        current.accessed = True
    try:
        response = view()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        read_only = g.get(READ_ONLY_REQUEST)
        g.pop(LONE_WRITE, None)  # the view hands it over again
        roll_back()
        session.clear()
        session.update(cookie)
        if read_only:
            read_without_transaction()
        response = view()
    return finish(response)


def finish(response: Response) -> Response:
    """Commit what the view wrote if it answered with success (or kept a refusal), else roll
    back. Called as the view returns (survey.Borgerblik.dispatch_request), so a commit that
    fails is an error of the view, answered by the error pages like any other."""
    lone = g.pop(LONE_WRITE, None)
    if not (lone or wrote()):
        return response
    if not (response.status_code < 400 or g.get(KEEP_REFUSED)):
        roll_back()
    elif lone is not None and not _in_transaction():
        _send_alone(*lone)
    elif lone is None and _only_added_after_reading_on_sqlite():
        _add_in_a_write_transaction()
    else:
        if lone is not None:
            db.session.execute(*lone)
        commit()
    return response


def _only_added_after_reading_on_sqlite() -> bool:
    """Whether this request, on SQLite, read outside the write lock (a GET) and wrote
    nothing but new rows not yet sent (a download's audit event)."""
    if db.engine.dialect.name != "sqlite":
        return False
    session = db.session()
    if not session.new or session.info.get(WROTE) or session.dirty or session.deleted:
        return False
    transaction = session.get_transaction()
    connections = () if transaction is None else transaction.connections  # none acquired
    return not any(c.get_execution_options().get("sqlite_immediate") for c in connections)


def _add_in_a_write_transaction() -> None:
    """Insert the request's new rows in a write transaction of their own, in the writers'
    queue (survey.core.sqlite_write_queue), after its reading transaction ended.

    In WAL mode a deferred transaction that read and then writes must turn its read
    snapshot into a write lock; when another writer committed in between, SQLite refuses
    at once ("database is locked", with no busy wait), so a report downloaded while
    citizens answered failed its audit event's insert at commit and got the 503 page (seen
    with three staff downloading at once). Its reads need not be in the same transaction
    as the new rows, which depend on nothing read since.
    """
    session = db.session()
    added = list(session.new)  # in the order they were added
    for instance in added:
        session.expunge(instance)
    session.rollback()  # nothing was sent: this only ends the read snapshot
    session.connection(execution_options={"sqlite_immediate": True})
    session.add_all(added)
    commit()


def _open_read_only_sessions() -> None:
    """A session first opened in a request that reads without a transaction reads so too:
    it refuses writes, and connects in autocommit at its first statement (_executed).
    (Connecting here, eagerly, would fail the session's creation itself while the database
    is down, before the error pages could answer.)"""
    registry = db.session.registry
    if getattr(registry.createfunc, "opens_read_only_sessions", False):
        return  # one scoped session for every app: wrapped once
    create = registry.createfunc

    def create_session() -> Any:
        created = create()
        if has_request_context() and g.get(READ_ONLY_REQUEST):
            created.info[READ_ONLY] = True
        return created

    create_session.opens_read_only_sessions = True  # type: ignore[attr-defined]
    registry.createfunc = create_session


def init_app(app: Flask) -> None:
    _open_read_only_sessions()

    @app.before_request
    def start_clean() -> None:
        if db.session.registry.has():  # else the session this request opens starts clean
            db.session.info.pop(WROTE, None)
            db.session.info.pop(READ_ONLY, None)

    # A response made before any view ran (a before_request hook) is finished here.
    app.after_request(finish)
