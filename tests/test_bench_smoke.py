"""bench/respond.py still works: a tiny run through gunicorn loses no answer.

Not a timing test: the figures are printed by the benchmark and never asserted here.
The run uses DATABASE_URL when set (its own PostgreSQL schema, dropped afterwards),
otherwise a temporary SQLite file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "respond.py"
TIMEOUT = 240  # seconds; a quick run takes 10-60 s depending on how busy the machine is


@pytest.mark.server
def test_quick_bench_run_finishes_every_citizen_and_loses_no_answer():
    # A process group of its own, so a timeout stops the benchmark and its gunicorns too.
    bench = subprocess.Popen(
        [sys.executable, str(BENCH), "--quick"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = bench.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(bench.pid, signal.SIGTERM)  # the benchmark stops its servers, drops its schema
        try:
            stdout, stderr = bench.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(bench.pid, signal.SIGKILL)
            stdout, stderr = bench.communicate()
        pytest.fail(f"bench/respond.py --quick took over {TIMEOUT} s:\n{stdout}\n{stderr}")
    output = stdout + stderr
    assert bench.returncode == 0, output
    assert re.search(r"^lost answers\s+0$", stdout, re.MULTILINE), output
    assert re.search(r"completed citizens\s+20\s+20\b", stdout), output
