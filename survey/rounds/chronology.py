"""Rounds in the order they ran, for the lists that offer a round and the one before it."""

from __future__ import annotations

from collections.abc import Iterable

from survey.models import Round


def newest_first(rounds: Iterable[Round]) -> list[Round]:
    """The rounds by the time they ran, the latest first. Not by id: a spring 2025 round
    entered after the autumn 2026 one has the higher id, and the start page offered to
    compare 2025 against 2026."""
    return sorted(rounds, key=lambda r: r.chronology, reverse=True)
