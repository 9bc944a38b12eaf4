"""A planned read sent to PostgreSQL as a prepared statement through libpq itself
(psycopg.pq), its parameters dumped and its rows loaded by psycopg's own adapters.

A citizen's page GET is one SELECT. psycopg's cursor prepares it too, after its fifth run
on a connection, but making a cursor, converting the query and looking the prepared form
up again around every execute cost about 40 of the 60 µs of CPU that the read took
(bench/citizen_cpu.py, and 3 of every 20 instructions of a page GET on PostgreSQL). Here
the statement is numbered once per process ($1, $2, ...), prepared once per connection,
and then each read is one call into libpq, which lets go of the GIL while it waits.

What psycopg does for a result is kept: values are dumped and loaded by the
connection's adapters (the same types, JSON loaded by the same loader), and an error
result is raised as the same psycopg exception (psycopg.errors.error_from_result), so a
dead connection (libpq marks it bad) is seen as a disconnect by SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer

# psycopg's named placeholders, as SQLAlchemy's psycopg dialect writes them.
_NAMED = re.compile(r"%\((\w+)\)s")
# Prepared statements of one connection, kept in the pool's record of it (its `info`,
# which SQLAlchemy clears when the connection is closed or invalidated).
_KEPT = "borgerblik_libpq_reads"


@dataclass(frozen=True)
class Numbered:
    """A statement with numbered placeholders, as PostgreSQL prepares it."""

    sql: bytes
    names: tuple[str, ...]  # the parameter each number stands for, $1 first


def numbered(sql: str) -> Numbered | None:
    """The statement with $1, $2, ... for its named placeholders; None when it holds any
    other % (an escaped %%, a positional %s): psycopg's cursor sends such statements."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = _NAMED.sub(number, sql)
    if "%" in text:
        return None
    return Numbered(text.encode("utf-8"), tuple(names))


@dataclass
class _Prepared:
    """One connection's adapters and the statements prepared on it."""

    transformer: Any  # psycopg.adapt.Transformer (a variable to mypy: C or Python build)
    names: dict[tuple[bytes, tuple[int, ...]], bytes]


def fetch_all(
    dbapi_connection: Any, info: dict[Any, Any], statement: Numbered, values: Mapping[str, Any]
) -> list[tuple]:
    """All rows of the statement as tuples, on a psycopg connection in autocommit that no
    other thread uses meanwhile; `info` is the pool's dictionary for that connection."""
    kept = info.get(_KEPT)
    if kept is None:
        # Outside autocommit psycopg's cursor would have begun the transaction first.
        if not dbapi_connection.autocommit:
            raise RuntimeError("libpq_reads reads only on a connection in autocommit")
        kept = info[_KEPT] = _Prepared(Transformer(dbapi_connection), {})
    transformer = kept.transformer
    parameters = transformer.dump_sequence(
        [values[name] for name in statement.names], [PyFormat.TEXT] * len(statement.names)
    )
    # A statement is prepared for its parameters' types (an int may be dumped as int2 or
    # int8 by its size; None leaves the type to the server), as psycopg's cursor does.
    types = tuple(transformer.types)
    name = kept.names.get((statement.sql, types))
    pgconn = dbapi_connection.pgconn
    if name is None:
        name = b"borgerblik_%d" % len(kept.names)
        _check(pgconn.prepare(name, statement.sql, types), pq.ExecStatus.COMMAND_OK, pgconn)
        kept.names[(statement.sql, types)] = name
    result = pgconn.exec_prepared(name, parameters)
    _check(result, pq.ExecStatus.TUPLES_OK, pgconn)
    transformer.set_pgresult(result)
    return transformer.load_rows(0, result.ntuples, tuple)


def _check(result: Any, expected: pq.ExecStatus, pgconn: Any) -> None:
    if result.status == expected:
        return
    encoding = _PYTHON_CODECS.get(pgconn.parameter_status(b"client_encoding") or b"UTF8", "utf-8")
    if pgconn.status == pq.ConnStatus.BAD:
        # The server went away ("server closed the connection unexpectedly" carries no
        # SQLSTATE, so error_from_result would say DatabaseError): OperationalError, as
        # psycopg's cursor raises it, which the error pages answer with 503.
        message = (result.error_message or b"").decode(encoding, "replace").strip()
        raise errors.OperationalError(f"the connection was lost: {message}")
    raise errors.error_from_result(result, encoding=encoding)


# The server's names of the encodings a client may ask for, as Python knows them (the
# common ones; an error text in any other is read as UTF-8).
_PYTHON_CODECS = {b"UTF8": "utf-8", b"LATIN1": "latin-1", b"SQL_ASCII": "ascii"}
