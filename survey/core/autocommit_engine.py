"""PostgreSQL's autocommit reads on a pool of their own, whose connections are put in
autocommit once, when they are made.

A citizen's page GET is one SELECT with no transaction around it (survey.core.transaction).
On the app's pool that meant asking for the AUTOCOMMIT isolation level on every checkout:
SQLAlchemy set psycopg's autocommit on, and on return set it off and reset the isolation
level again, each step a call into psycopg. That was 70,000 of a page GET's 2.68 million
instructions and 124,000 of a page POST's 4.19 million (3 %, counted with callgrind by
bench/citizen_cpu.py). Here the connections of a second pool stay in autocommit for
life, so a checkout is only a checkout; and a read's connection is not even checked back
in, but kept for the next read (survey.core.idle_connections).

The engine is the app's engine in all else: the same dialect, the same way of connecting
(the pool is the app pool's copy, with its connect listeners), and the app engine's
statement listeners, as an engine made by `execution_options` shares them. Disposing of
the app's engine disposes of this one's pool too (tests and benches do so to close every
connection). It closes them even when the app's engine is disposed with close=False, as a
forked process would to leave its parent's connections alone: nothing here forks with an
engine made (gunicorn loads the app in each worker, preload_app is off).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.pool import Pool

from survey.core.idle_connections import IdleConnections

# Kept on the app's engine itself: the two live and go together. (In a table keyed by
# engine, each twin would keep its parent alive, the tests' engines with it.)
_TWIN = "_borgerblik_autocommit_engine"
_making = threading.Lock()  # two threads' first reads make one twin, not two pools


def autocommit_engine(engine: Engine) -> Engine:
    """The PostgreSQL engine's autocommit twin, made once per engine."""
    made = engine.__dict__.get(_TWIN)
    if made is None:
        with _making:
            made = engine.__dict__.get(_TWIN)
            if made is None:
                made = engine.__dict__[_TWIN] = _AutocommitEngine(engine)
    return made


def idle_connections(engine: Engine) -> IdleConnections | None:
    """The connections an autocommit twin keeps between its reads; None for any other
    engine (SQLite's reads check theirs out of the app's pool)."""
    return engine.idle if isinstance(engine, _AutocommitEngine) else None


class _AutocommitEngine(OptionEngine):
    """An engine sharing its parent's dialect and statement listeners (as OptionEngine
    does), with a pool of its own in autocommit."""

    def __init__(self, parent: Engine) -> None:
        super().__init__(parent, {})
        self._own_pool = _autocommit_pool(parent.pool)
        # Its reads' connections, kept out of the pool between reads.
        self.idle = IdleConnections(self._own_pool)
        # Any listener on an engine marks it as having events, and from then on each of its
        # connections (the twin's too) dispatches every begin and rollback, to nobody in
        # production. Engine.dispose tells its listeners whether marked or not, so the
        # mark is put back as it was.
        had_events = parent._has_events
        event.listen(parent, "engine_disposed", self._parent_disposed)
        parent._has_events = had_events

    # OptionEngine's pool is its parent's: this one has its own.
    @property
    def pool(self) -> Pool:
        return self._own_pool

    @pool.setter
    def pool(self, pool: Pool) -> None:
        self._own_pool = pool
        if hasattr(self, "idle"):  # OptionEngine's own __init__ sets the pool first
            self.idle.close()
            self.idle = IdleConnections(pool)

    def dispose(self, close: bool = True) -> None:
        """A fresh pool, as Engine.dispose, without telling the listeners: they are the
        parent's (which disposes of this one when it is disposed of itself). The idle
        connections go back to the old pool first, to be closed with it."""
        self.idle.close()
        if close:
            self._own_pool.dispose()
        self._own_pool = self._own_pool.recreate()
        self.idle = IdleConnections(self._own_pool)

    def _parent_disposed(self, _engine: Engine) -> None:
        self.dispose()


def _autocommit_pool(pool: Pool) -> Pool:
    """A copy of the pool (its size, timeouts, way of connecting and connect listeners)
    whose new connections are put in autocommit."""
    made = pool.recreate()
    event.listen(made, "connect", _into_autocommit)
    return made


def _into_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # psycopg: set on an idle connection, it sends nothing; statements then run alone.
    dbapi_connection.autocommit = True
