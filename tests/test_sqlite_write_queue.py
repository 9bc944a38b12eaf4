"""SQLite writers wait their turn in the write queue (survey.core.sqlite_write_queue).

Real SQLite files, real processes: writers in processes of their own, as gunicorn's
workers and the delivery worker are, each through an engine with the app's settings. The queue's
lock is looked at from outside with a non-blocking flock on its file, as another writer
would see it.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from survey import create_app
from survey.core.extensions import db
from survey.core.sqlite_write_queue import queue_path

TIMEOUT = 20  # seconds for any one wait

# One writer: an engine with the app's settings (survey.core.database) on the file; waits
# for "go" on stdin, begins its write transaction as a writing request does (BEGIN
# IMMEDIATE, execution option sqlite_immediate), records its name, holds the transaction
# `hold` seconds (an hour when negative) and commits. (Not a whole app: create_app takes
# seconds on a busy machine, and five of them at once most of a minute.)
WRITER = """
import sys, time
from sqlalchemy import create_engine
from survey.core.database import configure_engine

path, name, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
engine = create_engine("sqlite:///" + path)
configure_engine(engine)
with engine.connect() as connection:
    connection.execution_options(sqlite_immediate=True)
    print("ready", flush=True)
    sys.stdin.readline()
    connection.begin()
    connection.exec_driver_sql("INSERT INTO served (name) VALUES (?)", (name,))
    print("writing", flush=True)
    time.sleep(hold if hold >= 0 else 3600)
    connection.commit()
"""


def make_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE served (n INTEGER PRIMARY KEY, name TEXT NOT NULL)")


def served(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM served ORDER BY n")]


class Writer:
    """A writer in a process of its own; ready() once its app is made, before it asks."""

    def __init__(self, path: Path, name: str, hold: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(hold)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ready(self) -> None:
        assert self.line() == "ready"

    def line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> int:
        return self.process.wait(TIMEOUT)

    def kill(self) -> None:
        """Kill it if still running, and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=TIMEOUT)


def turn_is_free(path: Path) -> bool:
    """Whether another writer would get its turn at once."""
    descriptor = os.open(queue_path(str(path)), os.O_RDONLY | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "queue.sqlite"
    make_database(path)
    return path


@pytest.fixture
def sqlite_app(database):
    own = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "queue-secret",
            "TOKEN_KEY": "queue-token-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    with own.app_context():
        yield own
        db.session.remove()
        db.engine.dispose()


def test_writers_of_other_processes_are_served_in_arrival_order(database):
    """Four writers ask while a fifth holds the lock, a while apart: they write in the
    order they asked. In SQLite's busy handler the early ones sleep up to 100 ms between
    tries while the latest poll every few ms, so the latest tend to get in first."""
    names = ["first", "second", "third", "fourth"]
    holder = Writer(database, "holder", 1.2)
    waiters = [Writer(database, name, 0) for name in names]
    try:
        for writer in [holder, *waiters]:
            writer.ready()
        holder.go()
        assert holder.line() == "writing"
        for waiter, pause in zip(waiters, (0.1, 0.37, 0.21, 0.13), strict=True):
            waiter.go()
            time.sleep(pause)  # each is waiting before the next asks
        assert [holder.finish()] + [waiter.finish() for waiter in waiters] == [0] * 5
    finally:
        for writer in [holder, *waiters]:
            writer.kill()
    assert served(database) == ["holder", *names]


def test_a_killed_writer_does_not_block_the_next(database, sqlite_app):
    holder = Writer(database, "killed", -1)
    try:
        holder.ready()
        holder.go()
        assert holder.line() == "writing"
        assert not turn_is_free(database)
        os.kill(holder.process.pid, signal.SIGKILL)
        holder.process.wait(TIMEOUT)
    finally:
        holder.kill()
    assert turn_is_free(database)
    with db.engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        connection.begin()
        connection.exec_driver_sql("INSERT INTO served (name) VALUES ('next')")
        connection.commit()
    assert served(database) == ["next"]  # the killed writer's row went with its transaction


def immediate(connection):
    connection.execution_options(sqlite_immediate=True)
    connection.begin()
    connection.exec_driver_sql("INSERT INTO served (name) VALUES ('x')")
    assert not turn_is_free(Path(db.engine.url.database))


def test_the_turn_lasts_the_transaction_and_ends_with_commit(database, sqlite_app):
    with db.engine.connect() as connection:
        assert turn_is_free(database)
        immediate(connection)
        connection.commit()
        assert turn_is_free(database)


def test_the_turn_ends_with_a_rollback_after_an_error(database, sqlite_app):
    with db.engine.connect() as connection:
        immediate(connection)
        with pytest.raises(OperationalError):
            connection.exec_driver_sql("INSERT INTO missing (name) VALUES ('x')")
        connection.rollback()
        assert turn_is_free(database)
    assert served(database) == []


def test_the_turn_ends_when_the_connection_goes_back_to_the_pool(database, sqlite_app):
    with db.engine.connect() as connection:
        immediate(connection)
    assert turn_is_free(database)  # the pool's reset on return rolled back
    with db.engine.connect() as connection:
        immediate(connection)
        connection.invalidate()  # a connection found broken: closed, not reset
    assert turn_is_free(database)
    assert served(database) == []


def test_the_turn_ends_when_begin_fails(database, sqlite_app):
    """A writer outside the queue (the sqlite3 shell, a migration) holds SQLite's lock: BEGIN
    IMMEDIATE fails after the busy timeout, and the queue moves on."""
    outsider = sqlite3.connect(database, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    try:
        with db.engine.connect() as connection:
            connection.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")
            connection.execution_options(sqlite_immediate=True)
            with pytest.raises(OperationalError, match="database is locked"):
                connection.begin()
                connection.exec_driver_sql("SELECT 1")
            assert turn_is_free(database)
    finally:
        outsider.rollback()
        outsider.close()
