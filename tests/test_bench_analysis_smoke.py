"""bench/analysis.py still works: a tiny run compares two rounds and checks its counts.

Not a timing test: the figures are printed by the benchmark and never asserted here.
The run uses DATABASE_URL when set (its own PostgreSQL schema, dropped afterwards),
otherwise a temporary SQLite file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "analysis.py"


@pytest.mark.server
def test_quick_analysis_bench_runs_and_its_counts_agree():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "counts checked" in done.stdout, output
    assert "MISMATCH" not in output
    # one line of figures per size, each with a ratio and both memory figures
    for size in ("200", "1,000"):
        line = re.search(rf"^\s*{size}\s+.*$", done.stdout, re.MULTILINE)
        assert line, output
        assert re.search(r"\d+\.\d+x\s+[\d.,]+ MiB\s+-?[\d.,]+ MiB$", line.group(0)), line.group(0)
