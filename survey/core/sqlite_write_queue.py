"""Writers of one SQLite file wait their turn in a queue, woken when the turn before ends.

SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms... between tries, so a writer that has
waited a while sleeps on long after the lock is free, and one that came later, still
polling every few milliseconds, gets in first. Under bench/load.py (300 citizens, 60 at a
time, 4 workers, on a shared 2-core machine at load 6-12) 75-81 % of overlapping waiting
writers were served out of arrival order, and a writing request waited 4-13 ms at p50
but 551-942 ms at p99 and up to 2.7 s, for a lock held 16-33 ms at p95.

So before BEGIN IMMEDIATE a writer takes an exclusive flock on a file beside the
database (`<database>-writers`), and lets it go when its transaction ends (commit,
rollback, close of the connection, a failed BEGIN). The kernel queues flock's waiters
behind one another (Linux since 4.19) and wakes the next as the lock is let go (a
newcomer can still slip in before the woken waiter runs); it works across gunicorn's
workers and the delivery worker, and the lock of a process that dies (SIGKILL) goes with
it. In five runs made among those, 25-31 % were served out of order, and a writer waited
20-43 ms at p50, 123-285 ms at p99 and at most 0.8 s: the same mean wait (24-59 ms
against 35-52 ms) shared fairly. The busy timeout stays for writers outside the queue
(migrations, the sqlite3 shell, a deferred transaction that comes to write).

The wait has no time limit (flock has none): a writer that holds its turn and never
ends its transaction stalls the writers behind it, where the busy timeout would have
failed them after 15 s.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from typing import Any


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that ends its turn in the writers' queue whenever its
    transaction ends: after commit and rollback (the pool's reset on return included),
    and on close (a connection discarded or invalidated)."""

    write_queue_path: str | None = None  # set on connect for a database file
    _turn: int | None = None  # the locked file's descriptor while this writer's turn lasts

    def take_turn(self) -> None:
        """Wait for this connection's turn to write (no-op for an in-memory database)."""
        if self.write_queue_path is None or self._turn is not None:
            return
        self._turn = wait_for_turn(self.write_queue_path)

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


def wait_for_turn(path: str) -> int:
    """Open the queue's file and hold an exclusive flock on it; return the descriptor.

    The wait blocks in the calling thread (the GIL let go): a helper thread that waited
    instead, so that the wait could time out, made each hand-over cost two GIL hand-overs
    and doubled the time the lock stood free between writers (bench/load.py).
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def connect_arguments() -> dict[str, Any]:
    """sqlite3.connect's arguments that make its connections QueuedConnection."""
    return {"factory": QueuedConnection}
