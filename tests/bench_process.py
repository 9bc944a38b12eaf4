"""Run bench/load.py as a child process, stopped with its gunicorns if it takes too long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "bench" / "load.py"


def run_load(*args: str, timeout: float, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit status and output (stdout, then stderr) of `bench/load.py *args`."""
    # A process group of its own, so a timeout stops the benchmark and its gunicorns too.
    bench = subprocess.Popen(
        [sys.executable, str(LOAD), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = bench.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(bench.pid, signal.SIGTERM)  # the benchmark stops its servers, drops its schema
        try:
            stdout, stderr = bench.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(bench.pid, signal.SIGKILL)
            stdout, stderr = bench.communicate()
        pytest.fail(f"bench/load.py {' '.join(args)} took over {timeout} s:\n{stdout}\n{stderr}")
    return bench.returncode, stdout + stderr
