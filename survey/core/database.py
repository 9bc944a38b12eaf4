"""Database engine settings: SQLite WAL and busy timeout, write transactions taken early
and in turn (survey.core.sqlite_write_queue); PostgreSQL without JIT compilation."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SQLiteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from survey.core import sqlite_write_queue
from survey.core.extensions import db
from survey.core.transaction import AUTOCOMMIT_READS

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)

    @app.before_request
    def take_write_lock_early():
        """On SQLite a writing request begins with BEGIN IMMEDIATE.

        A deferred transaction that reads and then writes can fail at once with
        "database is locked" when another writer got in between; taking the write lock
        first makes concurrent citizens wait (in the writers' queue) instead of failing.
        """
        if request.method in WRITE_METHODS and db.engine.dialect.name == "sqlite":
            db.session.connection(execution_options={"sqlite_immediate": True})

    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it.
    @app.teardown_appcontext
    def close_session_quietly(_error):
        """Close the session before Flask-SQLAlchemy does, and let a dead connection go quietly.

        A connection that died after the request's last query (PostgreSQL restarted) made
        closing the session raise: a page already rendered became gunicorn's bare 500 and
        a traceback in the log. Nothing is left to undo on such a connection. (Closing,
        not rolling back: a streamed download still reads the objects it loaded.)
        """
        if not db.session.registry.has():
            return  # this request never opened a session (a citizen's page GET)
        with suppress(SQLAlchemyError):
            db.session.close()


def configure_engine(engine: Engine) -> None:
    """Set the database's connection settings on an engine (the app's, or a test's own)."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def connect_queued(_dialect, _record, _cargs, cparams):
        cparams.update(sqlite_write_queue.connect_arguments())

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if isinstance(dbapi_connection, sqlite_write_queue.QueuedConnection):
            database = sqlite_write_queue.database_file(dbapi_connection)
            if database is not None:
                dbapi_connection.write_queue_path = sqlite_write_queue.queue_path(database)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get(AUTOCOMMIT_READS):
            return  # reads without a transaction (transaction.read_without_transaction)
        if options.get("sqlite_immediate"):
            _begin_immediate(connection)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE once this connection's turn in the writers' queue has come; the turn
    ends with the transaction (QueuedConnection), or here if BEGIN fails."""
    dbapi_connection = connection.connection.dbapi_connection
    if not isinstance(dbapi_connection, sqlite_write_queue.QueuedConnection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # a connection made elsewhere
        return
    dbapi_connection.take_turn()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.end_turn()
        raise


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # No JIT compilation: it pays for statements that run for minutes. A comparison's
        # counting statements run for a second or two and spent up to 0.9 s of that
        # compiling (measured at 100,000 responses); citizens' statements never reach it.
        # Once per pooled connection, not per request.
        # Outside a transaction, so nothing is left to commit or roll back.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit


def dialect_name() -> str:
    return db.engine.dialect.name


def dialect_insert(model) -> PostgresInsert | SQLiteInsert:
    """An INSERT of the database in use, for its ON CONFLICT clauses: PostgreSQL and SQLite
    spell them alike, but SQLAlchemy has a construct per dialect (the two we run on)."""
    return pg_insert(model) if dialect_name() == "postgresql" else sqlite_insert(model)
