"""Run bench/load.py --json as a child process, stopped with its gunicorns if it takes too
long, and read its figures from the one JSON object it prints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "bench" / "load.py"


def run_load_json(*args: str, timeout: float, env: dict[str, str] | None = None):
    """Exit status, the figures (`bench/load.py --json *args`: one JSON object on stdout)
    and the whole output for messages."""
    status, stdout, stderr = _run(("--json", *args), timeout, env)
    output = stdout + stderr
    try:
        figures = json.loads(stdout)
    except ValueError:
        pytest.fail(f"bench/load.py --json printed no JSON object (exit {status}):\n{output}")
    return status, figures, output


def _run(args, timeout: float, env) -> tuple[int, str, str]:
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
    return bench.returncode, stdout, stderr
