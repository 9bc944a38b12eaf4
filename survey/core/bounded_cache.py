"""A per-process cache of at most `kept` entries, the least recently used dropped first.

Shared by the citizen path's caches (parsed snapshots, question fragments, empty pages):
each is read by many threads of a gunicorn worker, so reads and writes take a lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(OrderedDict[K, V], Generic[K, V]):
    def __init__(self, kept: int) -> None:
        super().__init__()
        self.kept = kept
        self._lock = threading.Lock()

    def recall(self, key: K) -> V | None:
        """The value kept for `key`, now the most recently used; None when there is none."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def keep(self, key: K, value: V) -> None:
        with self._lock:
            self[key] = value
            while len(self) > self.kept:
                self.popitem(last=False)
