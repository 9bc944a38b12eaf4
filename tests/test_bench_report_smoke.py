"""bench/report.py still works: a tiny run builds every format of the report and checks it.

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
BENCH = ROOT / "bench" / "report.py"


@pytest.mark.server
def test_quick_report_bench_builds_every_format_and_prints_one_table():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "checked" in done.stdout and "PROBLEM" not in output, output
    assert re.search(r"^rounds\s+300 completed responses against 200 ", done.stdout, re.M), output
    figure = r"\s+\d+\.\d{3}s"
    assert re.search(rf"^comparison alone{figure}\s+–\s+1\.0x", done.stdout, re.M), output
    assert re.search(rf"^report data{figure}\s+–\s+\d+\.\dx", done.stdout, re.M), output
    for fmt in ("html", "pdf", "xlsx", "docx"):
        line = re.search(rf"^{fmt}{figure}{figure}\s+\d+\.\dx\s+[\d,.]+ [KM]iB$", done.stdout, re.M)
        assert line, (fmt, output)
