"""bench/delivery.py still works: a small send is queued and every message delivered once.

Not a timing test: the figures are printed by the benchmark and never asserted here.
The run uses a temporary SQLite file, or the PostgreSQL of DATABASE_URL (a schema of its
own, dropped afterwards).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "delivery.py"
COUNT = 300
KEYS = {
    "database",
    "count",
    "queued",
    "queue_seconds",
    "queued_per_second",
    "queue_peak_rss_mib",
    "delivered",
    "deliver_seconds",
    "delivered_per_second",
    "deliver_peak_rss_mib",
    "command_startup_seconds",
    "baseline_posts",
    "baseline_seconds",
    "baseline_per_second",
    "gateway_attempts",
    "gateway_duplicates",
    "outbox_states",
    "contacts_left",
    "send_last_line",
    "work_last_line",
    "checks",
    "ok",
    "python",
}


@pytest.mark.server
def test_small_delivery_bench_delivers_every_message_once():
    command = [sys.executable, str(BENCH), "--count", str(COUNT), "--json"]
    database = os.environ.get("DATABASE_URL", "")
    if database.startswith(("postgres", "postgresql")):
        command += ["--database", database]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert done.stdout.count("\n") == 1, output  # one JSON object on one line
    result = json.loads(done.stdout)
    assert set(result) == KEYS
    assert result["database"] == ("postgresql" if "--database" in command else "sqlite")
    assert result["ok"] is True and all(result["checks"].values()), result["checks"]
    assert result["count"] == result["queued"] == result["delivered"] == COUNT
    assert result["baseline_posts"] == result["gateway_attempts"] == COUNT
    assert result["gateway_duplicates"] == 0 and result["contacts_left"] == 0
    assert result["outbox_states"] == {"sent": COUNT}
    assert result["send_last_line"] == f"queued {COUNT} sms, 0 e-mail"
    assert result["work_last_line"] == f"delivered {COUNT}, failed 0, waiting 0"
    for key in ("queued_per_second", "delivered_per_second", "baseline_per_second"):
        assert isinstance(result[key], int | float) and result[key] > 0, key
    for key in ("queue_peak_rss_mib", "deliver_peak_rss_mib"):
        assert result[key] > 0, key
