"""bench/load.py still works: a tiny run through gunicorn loses no answer.

Not a timing test: the figures are printed by the benchmark and never asserted here.
The run uses DATABASE_URL when set (its own PostgreSQL schema, dropped afterwards),
otherwise a temporary SQLite file.
"""

from __future__ import annotations

import re

import pytest
from bench_process import run_load

TIMEOUT = 240  # seconds; a quick run takes 10-60 s depending on how busy the machine is


@pytest.mark.server
def test_quick_bench_run_finishes_every_citizen_and_loses_no_answer():
    status, output = run_load("--quick", timeout=TIMEOUT)
    assert status == 0, output
    assert re.search(r"^lost answers\s+0$", output, re.MULTILINE), output
    assert re.search(r"completed citizens\s+20\s+20\b", output), output
    # Both ways in: ten citizens by invitation, ten by the open link, one sheet each.
    assert re.search(r"citizens finished \(invitation \+ open link\)\s+20 \(10 \+ 10\)", output), (
        output
    )
    assert re.search(
        r"responses in the database \(invitation \+ open link\)\s+20 \(10 \+ 10\)", output
    ), output
    assert re.search(r"failed tries outside a fault\s+0\s", output), output
