"""Pooled connections kept out of the pool between reads in autocommit, handed from one
read to the next.

A citizen's page GET on PostgreSQL is one read in autocommit. Checking its connection
out of SQLAlchemy's pool and back in (a new proxy each time, a weakref finaliser, the
queue's lock and condition, the reset on return: a rollback call into psycopg that does
nothing in autocommit) cost about 8 % of the request's CPU in the app, more than the
read's own work in Python. A connection in autocommit holds no transaction between
statements, so there is nothing to reset: the read takes one kept here, or from the
pool when none is, and gives it back here.

Not bound to threads (gunicorn's threads, a test's threads, the development server's
thread per request): any thread takes any idle connection, and one that ends leaves
nothing behind. At most KEPT wait here; more go back to the pool. A connection that
failed never comes back: the read closes or invalidates it, and a disconnect lets every
idle one go too (they met the same server, as SQLAlchemy's pool invalidates its own on a
disconnect). Closing (the engine disposed of) closes every idle one; one in use when that
happens is closed when it is given back.
"""

from __future__ import annotations

import weakref
from collections import deque
from contextlib import suppress
from typing import Any

from sqlalchemy.pool import Pool

KEPT = 8  # about the threads of one worker reading at once, with room to spare


class IdleConnections:
    def __init__(self, pool: Pool, kept: int = KEPT) -> None:
        self._pool = pool
        self._kept = kept
        self._idle: deque[Any] = deque()  # append and pop are atomic: no lock needed
        self._closed = False
        # Dropped without being closed (an engine nobody disposed of), the idle ones are
        # still given back, not left to the garbage collector (which SQLAlchemy warns of).
        weakref.finalize(self, _close_all, self._idle)

    def take(self) -> Any:
        """An idle connection (the pool's proxy of it), or one checked out of the pool."""
        try:
            return self._idle.pop()  # the latest given back: the warmest
        except IndexError:
            return self._pool.connect()

    def give_back(self, fairy: Any) -> None:
        """A connection whose read succeeded, kept for the next (or back to the pool)."""
        if self._closed:
            fairy.invalidate()  # its pool was disposed of: closed, not kept anywhere
        elif len(self._idle) < self._kept:
            self._idle.append(fairy)
        else:
            fairy.close()

    def let_go(self, fairy: Any, disconnected: bool) -> None:
        """A connection whose read failed: back to the pool (reset there), or already
        invalidated by the failure; after a disconnect the idle ones go as well."""
        if fairy.is_valid:
            fairy.close()
        if disconnected:
            self._drain(invalidate=True)

    def close(self) -> None:
        """Every idle connection back to the pool (before it is disposed of); any given
        back later is closed."""
        self._closed = True
        self._drain(invalidate=False)

    def __len__(self) -> int:
        return len(self._idle)

    def _drain(self, invalidate: bool) -> None:
        if invalidate:
            while self._idle:
                with suppress(IndexError):  # another thread took the last one
                    self._idle.pop().invalidate()
        else:
            _close_all(self._idle)


def _close_all(idle: deque[Any]) -> None:
    while idle:
        with suppress(IndexError):
            idle.pop().close()
