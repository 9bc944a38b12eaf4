"""bench/report.py still works: a tiny run builds every format of the report and checks it.

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
BENCH = ROOT / "bench" / "report.py"
FORMATS = ("html", "pdf", "xlsx", "docx")


@pytest.mark.server
def test_quick_report_bench_builds_every_format_and_reports_every_step():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    figures = json.loads(done.stdout)
    assert figures["checked"] is True and figures["problems"] == [], output
    assert (figures["responses"], figures["earlier"], figures["items_per_round"]) == (300, 200, 25)
    assert figures["answers"] > 0 and figures["split"] == "benefit_group"
    steps = {step["step"]: step for step in figures["steps"]}
    assert list(steps) == ["comparison alone", "report data", *FORMATS]
    # The same-run baseline: the comparison alone, against which every step is set.
    baseline = figures["baseline"]
    assert baseline == {"step": "comparison alone", "seconds": steps["comparison alone"]["seconds"]}
    assert steps["comparison alone"]["times_baseline"] == 1.0
    for name, step in steps.items():
        assert isinstance(step["seconds"], float) and step["seconds"] >= 0, step
        assert step["times_baseline"] == pytest.approx(step["seconds"] / baseline["seconds"])
        if name in FORMATS:
            assert isinstance(step["render_seconds"], float), step
            assert step["bytes"] > 0, step
        else:
            assert step["render_seconds"] is None and step["bytes"] is None, step
