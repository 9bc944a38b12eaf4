"""bench/analysis.py still works: a tiny run compares two rounds and checks its counts.

Not a timing test: the benchmark's figures are read from its --json output and only
checked to be there, never for speed. The run uses DATABASE_URL when set (its own
PostgreSQL schema, dropped afterwards), otherwise a temporary SQLite file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "analysis.py"


@pytest.mark.server
def test_quick_analysis_bench_runs_and_its_counts_agree():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    figures = json.loads(done.stdout)
    assert figures["counts_checked"] is True and figures["mismatches"] == [], output
    assert figures["items_per_round"] == 25 and figures["repeat"] == 1
    # one set of figures per size, each with the same-run baseline and both memory figures
    sizes = figures["sizes"]
    assert [size["responses"] for size in sizes] == [200, 1000]
    for size in sizes:
        assert size["answers"] > 0 and size["frequency_rows"] > 0
        for name in (
            "comparison_seconds",
            "baseline_seconds",
            "ratio",
            "load_seconds",
            "summaries_seconds",
        ):
            assert isinstance(size[name], float) and size[name] >= 0, (name, size)
        assert size["ratio"] == pytest.approx(size["comparison_seconds"] / size["baseline_seconds"])
        for name in ("tracemalloc_peak_bytes", "maxrss_growth_bytes", "maxrss_total_bytes"):
            assert isinstance(size[name], int), (name, size)
        assert size["tracemalloc_peak_bytes"] > 0
