"""Rendering a report pauses Python's cyclic garbage collector, and always turns it back on."""

from __future__ import annotations

import gc

import pytest

from survey.reporting.render import collector_paused


def test_the_collector_is_off_while_a_report_renders_and_on_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_renderings_turn_it_on_when_the_last_ends():
    """Two reports in two of gunicorn's threads: the first to end leaves it off."""
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failed_rendering_turns_it_back_on():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a chart could not be drawn")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
