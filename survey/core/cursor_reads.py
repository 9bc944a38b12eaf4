"""One read statement run on the connection's DBAPI cursor, its SQL compiled once (and
so one write statement sent alone: send).

A citizen's page GET is one SELECT (survey.responding.journey), and SQLAlchemy's execution
of it (its execution context, cursor result and row processing) cost about 45 µs of the
80 µs read, more than SQLite's or PostgreSQL's own work. Here the statement is compiled
once per dialect and sent on a DBAPI connection: a read in autocommit on one taken from
the pool and given back, with no SQLAlchemy Connection made around it (fetch_all_pooled:
the pool still checks it out and in, resets and invalidates it); any other statement on
the SQLAlchemy Connection's own, so what the Connection does stays as it was (its
options, its begin and rollback events, its closing). What SQLAlchemy does around a
statement is done here
by the same rules: the engine's before/after_cursor_execute listeners are told of it
(when they were added through `listen` below, which marks the engine as listened to),
every column goes through its type's result processor (dates and JSON on SQLite), and a
DBAPI error is raised as SQLAlchemy's (DBAPIError, connection_invalidated on a
disconnect, the connection then invalidated), which transaction.run_view retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Executable, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from survey.core import libpq_reads
from survey.core.idle_connections import IdleConnections
from survey.core.libpq_reads import Numbered


@dataclass(frozen=True)
class Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order; None: by name
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters' bind processors
    columns: tuple[Callable[[Any], Any] | None, ...]  # each column's result processor
    defaults: tuple[tuple[str, Any], ...] = ()  # values the statement carries (a write's)
    # The SQL as the driver is given it: for psycopg the text encoded once, the same bytes
    # object each time (psycopg encoded the 1 kB text anew for every execute and hashed the
    # new bytes to find its parsed form: 1 % of a question page); else the text.
    driver_sql: str | bytes = ""
    # psycopg: the read with numbered placeholders, for a pooled read in autocommit to
    # send as a prepared statement through libpq (survey.core.libpq_reads).
    numbered: Numbered | None = None


_plans: dict[tuple[int, str], tuple[Executable, Plan | None]] = {}

# How many statement listeners `listen` has added, on any engine. Our own count, not
# SQLAlchemy's private _has_events: asking a connection's dispatch whether it has
# listeners builds a joined listener list each time, a cost on every GET, while this is
# one comparison. It is 0 outside the tests and benches; counted across engines because a
# connection's engine may be a copy with other options (the autocommit reads' engine),
# whose listeners are its parent's, and asking a dispatch with none finds none.
_listeners = 0


def listen(engine: Engine, identifier: str, fn: Callable[..., Any]) -> None:
    """event.listen for a before/after_cursor_execute listener that must also see the
    statements run here (listeners added any other way are not told of them)."""
    global _listeners
    event.listen(engine, identifier, fn)
    _listeners += 1


def remove(engine: Engine, identifier: str, fn: Callable[..., Any]) -> None:
    """event.remove for a listener added by `listen`."""
    global _listeners
    event.remove(engine, identifier, fn)
    _listeners -= 1


def plan(statement: Executable, dialect: Dialect) -> Plan | None:
    """The statement compiled for the dialect, or None when it needs SQLAlchemy's own
    execution (parameters expanded or rendered at execution, unknown columns; a write
    without RETURNING is planned too, for send)."""
    key = (id(statement), dialect.name)
    known = _plans.get(key)
    if known is not None and known[0] is statement:
        return known[1]
    made = _make_plan(statement, dialect)
    if len(_plans) < 64:  # the citizen path's few statements, built once per process
        _plans[key] = (statement, made)  # the statement kept: its id cannot be reused
    return made


def _make_plan(statement: Executable, dialect: Dialect) -> Plan | None:
    if not isinstance(statement, ClauseElement):
        return None
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        return None
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    if getattr(statement, "is_dml", False) and not compiled.effective_returning:
        selected: Any = ()
    elif getattr(statement, "is_select", False):
        selected = getattr(statement, "selected_columns", None)
        if selected is None:
            return None
    else:
        return None
    binds = tuple(
        (name, processor)
        for bind, name in compiled.bind_names.items()
        if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    return Plan(
        sql=compiled.string,
        driver_sql=(
            compiled.string.encode("utf-8") if dialect.driver == "psycopg" else compiled.string
        ),
        positional=tuple(compiled.positiontup or ()) if dialect.positional else None,
        numbered=(
            libpq_reads.numbered(compiled.string)
            if dialect.driver == "psycopg" and not dialect.positional and selected
            else None
        ),
        binds=binds,
        columns=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in selected
        ),
        # Values given in the statement itself (a write's `completed=True`), as execute
        # would fill them in; the caller's parameters name the others.
        defaults=tuple(
            (name, bind.value)
            for bind, name in compiled.bind_names.items()
            if not bind.required and bind.callable is None
        ),
    )


def fetch_all(connection: Connection, plan: Plan, parameters: Mapping[str, Any]) -> list[tuple]:
    """All rows of the planned statement, as tuples, on the connection's DBAPI cursor."""
    return _run(_On.of_connection(connection), plan, parameters, fetch=True)


def fetch_all_pooled(
    engine: Engine,
    plan: Plan,
    parameters: Mapping[str, Any],
    idle: IdleConnections | None = None,
) -> list[tuple]:
    """All rows of the planned read, on a connection taken from the engine's pool (or
    from `idle`, kept out of the pool between reads) and given back, with no SQLAlchemy
    Connection around it.

    For reads in autocommit only (the engine's connections must need no BEGIN): making and
    closing a Connection (its events, its transaction object, its closing rollback) cost
    as much as the statement's own sending on a citizen's page GET (8 % of it). The pool
    still makes, invalidates and (without `idle`) checks the connection out and in, and
    a statement listener added by `listen` is told of the statement, with no connection.
    """
    fairy = _connected(engine, idle)
    failure: BaseException | None = None
    try:
        return _run(_On.of_pool(engine, fairy), plan, parameters, fetch=True)
    except BaseException as error:
        failure = error
        raise
    finally:
        _give_back(fairy, idle, failure)


def _give_back(fairy: Any, idle: IdleConnections | None, failure: BaseException | None) -> None:
    """The read's connection back where it came from: to the pool (closing the proxy
    checks it in), or kept idle after a read that worked, or let go after one that failed
    (with every idle one when the failure was a lost connection)."""
    if idle is None:
        fairy.close()
    elif failure is None:
        idle.give_back(fairy)
    else:
        idle.let_go(fairy, isinstance(failure, DBAPIError) and failure.connection_invalidated)


def _connected(engine: Engine, idle: IdleConnections | None) -> Any:
    """A pooled connection; failing to connect raises SQLAlchemy's error, as
    Engine.connect does (a raw psycopg error would be no "database unavailable" 503)."""
    try:
        return engine.pool.connect() if idle is None else idle.take()
    except engine.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            None,
            None,
            error,
            engine.dialect.loaded_dbapi.Error,
            hide_parameters=engine.hide_parameters,
            dialect=engine.dialect,
            connection_invalidated=engine.dialect.is_disconnect(error, None, None),
        ) from error


def send(connection: Connection, plan: Plan, parameters: Mapping[str, Any]) -> None:
    """Send the planned write on the connection's DBAPI cursor (no rows come back)."""
    _run(_On.of_connection(connection), plan, parameters, fetch=False)


@dataclass(frozen=True, slots=True)
class _On:
    """Where a statement runs: what _run and its errors need of a SQLAlchemy Connection, or
    of a pooled DBAPI connection with its engine (listeners then get None as connection)."""

    connection: Connection | None
    dialect: Dialect
    dbapi_connection: Any  # the pool's proxy of the DBAPI connection
    dispatch: Any  # whose before/after_cursor_execute listeners are told
    hide_parameters: bool
    invalidate: Callable[[BaseException], None]
    info: dict[Any, Any]  # the pool's dictionary for the DBAPI connection

    @classmethod
    def of_connection(cls, connection: Connection) -> _On:
        return cls(
            connection,
            connection.dialect,
            connection.connection,
            connection.dispatch,
            connection.engine.hide_parameters,
            connection.invalidate,
            connection.info,
        )

    @classmethod
    def of_pool(cls, engine: Engine, fairy: Any) -> _On:
        return cls(
            None,
            engine.dialect,
            fairy,
            engine.dispatch,
            engine.hide_parameters,
            fairy.invalidate,
            fairy.info,
        )


def _run(on: _On, plan: Plan, parameters: Mapping[str, Any], fetch: bool) -> list[tuple]:
    values = {**dict(plan.defaults), **parameters}
    for name, processor in plan.binds:
        values[name] = processor(values[name])
    arguments: Any = (
        values if plan.positional is None else tuple(values[name] for name in plan.positional)
    )
    sql = plan.sql
    # A pooled read (in autocommit: fetch_all_pooled) goes through libpq when it can; a
    # statement on a Connection goes through the cursor, which also begins psycopg's
    # transaction when the Connection has one.
    numbered = plan.numbered if fetch and on.connection is None else None
    cursor = None if numbered is not None else on.dbapi_connection.cursor()
    # As Connection._exec_single_context does: listeners, only when there are any.
    listened = _listeners > 0
    try:
        if listened:  # listeners may see or replace both (no cursor on the libpq way)
            for listener in on.dispatch.before_cursor_execute:
                sql, arguments = listener(on.connection, cursor, sql, arguments, None, False)
        try:
            if numbered is not None and sql is plan.sql:
                rows = libpq_reads.fetch_all(
                    on.dbapi_connection.dbapi_connection, on.info, numbered, arguments
                )
            else:
                if cursor is None:  # a listener gave other SQL: sent as it is
                    cursor = on.dbapi_connection.cursor()
                # The driver's form of the SQL, unless a listener gave other SQL.
                cursor.execute(plan.driver_sql if sql is plan.sql else sql, arguments)
                rows = cursor.fetchall() if fetch else []
        except on.dialect.loaded_dbapi.Error as error:
            _raise_as_sqlalchemy(on, cursor, sql, arguments, error)
        if listened:
            for after in on.dispatch.after_cursor_execute:
                after(on.connection, cursor, sql, arguments, None, False)
    finally:
        if cursor is not None:
            cursor.close()
    processors = plan.columns
    if not any(processors):
        return [tuple(row) for row in rows]
    return [
        tuple(value if p is None else p(value) for p, value in zip(processors, row, strict=True))
        for row in rows
    ]


def _raise_as_sqlalchemy(on: _On, cursor: Any, sql: str, arguments: Any, error: Any) -> None:
    dialect = on.dialect
    disconnect = dialect.is_disconnect(error, on.dbapi_connection.dbapi_connection, cursor)
    if disconnect:
        on.invalidate(error)
    raise DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=on.hide_parameters,
        dialect=dialect,
        connection_invalidated=disconnect,
    ) from error
