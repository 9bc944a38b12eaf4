"""Writers of one SQLite file take turns in arrival order, woken when the turn before ends.

SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms... between tries, so a writer that has
waited a while sleeps on long after the lock is free, and one that came later, still
polling every few milliseconds, gets in first. Under bench/load.py (60 citizens, 4
workers) the lock stood free for 10.9 s of a 28.4 s run while writers slept, and 78 % of
overlapping waiters were served out of arrival order: a page POST waited 153 ms at p95
and 613 ms at p99 for a lock held 26 ms at p95.

So before BEGIN IMMEDIATE a writer takes an exclusive flock on a file beside the
database (`<database>-writers`), and lets it go when its transaction ends (commit,
rollback, close of the connection, a failed BEGIN). The kernel queues flock's waiters
behind one another (Linux since 4.19) and wakes the next as the lock is let go; it works
across gunicorn's workers and the delivery worker, and releases the lock of a process
that dies (SIGKILL) with it. A turn is bounded by the same budget as the busy timeout;
after it the writer fails as it would have with "database is locked". The busy timeout
stays for writers outside the queue (migrations, the sqlite3 shell, a deferred
transaction that comes to write).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any


class WriteQueueTimeout(sqlite3.OperationalError):
    """The turn did not come within the budget (as "database is locked" after the busy
    timeout)."""


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that ends its turn in the writers' queue whenever its
    transaction ends: after commit and rollback (the pool's reset on return included),
    and on close (a connection discarded or invalidated)."""

    write_queue_path: str | None = None  # set on connect for a database file
    _turn: int | None = None  # the locked file's descriptor while this writer's turn lasts

    def take_turn(self, timeout: float) -> None:
        """Wait for this connection's turn to write (no-op for an in-memory database)."""
        if self.write_queue_path is None or self._turn is not None:
            return
        self._turn = wait_for_turn(self.write_queue_path, timeout)

    def end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            os.close(turn)  # closing the only descriptor lets the lock go

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def database_file(connection: sqlite3.Connection) -> str | None:
    """The main database's file, or None for an in-memory or temporary database."""
    for _seq, name, path in connection.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def queue_path(database: str) -> str:
    return database + "-writers"


def wait_for_turn(path: str, timeout: float) -> int:
    """Open the queue's file and hold an exclusive flock on it; return the descriptor.

    Uncontended, one try without blocking. Contended, a helper thread blocks in flock
    (the kernel's queue, woken on release) while this thread waits for it with a timeout,
    which flock itself lacks; a helper whose waiter gave up closes its descriptor as soon
    as it gets the lock, so the turn passes on.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor
    except BlockingIOError:
        pass
    except BaseException:
        os.close(descriptor)
        raise
    waiter = _Waiter(descriptor)
    threading.Thread(target=waiter.run, name="sqlite-write-queue", daemon=True).start()
    return waiter.result(timeout)


class _Waiter:
    """One blocking flock in a helper thread, which the waiting thread may give up on."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.done = threading.Event()
        self.decided = threading.Lock()
        self.got_it = False
        self.abandoned = False
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            with self.decided:
                self.error = error
                if self.abandoned:
                    os.close(self.descriptor)
            self.done.set()
            return
        with self.decided:
            if self.abandoned:
                os.close(self.descriptor)  # the waiter left: pass the turn on
            else:
                self.got_it = True
        self.done.set()

    def result(self, timeout: float) -> int:
        self.done.wait(timeout)
        with self.decided:
            if self.got_it:
                return self.descriptor
            if self.error is not None:
                os.close(self.descriptor)
                raise self.error
            self.abandoned = True  # the helper closes the descriptor when flock returns
        raise WriteQueueTimeout(f"database is locked (no turn to write within {timeout:g} s)")


def connect_arguments() -> dict[str, Any]:
    """sqlite3.connect's arguments that make its connections QueuedConnection."""
    return {"factory": QueuedConnection}
