"""bench/load.py still works: a tiny run through gunicorn loses no answer.

Not a timing test: the benchmark's figures are read from its --json output and never
asserted here; only what it counted (citizens, responses, answers, failures) is.
The run uses DATABASE_URL when set (its own PostgreSQL schema, dropped afterwards),
otherwise a temporary SQLite file.
"""

from __future__ import annotations

import pytest
from bench_process import run_load_json

TIMEOUT = 240  # seconds; a quick run takes 10-60 s depending on how busy the machine is


@pytest.mark.server
def test_quick_bench_run_finishes_every_citizen_and_loses_no_answer():
    status, figures, output = run_load_json("--quick", timeout=TIMEOUT)
    assert status == 0, output
    assert figures["ok"] is True and figures["failures"] == [], output
    (run,) = figures["runs"]
    survey, answers, baseline = run["survey"], run["answers"], figures["baseline"]
    assert answers["lost_answers"] == 0
    assert survey["completed_citizens"] == baseline["completed_citizens"] == 20
    # Both ways in: ten citizens by invitation, ten by the open link, one sheet each.
    assert (
        answers["citizens_finished"],
        answers["citizens_finished_by_invitation"],
        answers["citizens_finished_by_open_link"],
    ) == (20, 10, 10)
    assert answers["responses"] == 20
    assert answers["responses_by_channel"] == {"invitation": 10, "open": 10}
    assert answers["duplicate_responses"] == 0
    assert answers["answers_stored"] == answers["answers_acknowledged"] > 0
    assert survey["failed_tries_outside_fault"] == 0
    # The same-run baseline: the same number of requests against bare Flask.
    assert baseline["requests"] == survey["requests"] > 0
    for side in (survey, baseline):
        for figure in ("wall_seconds", "requests_per_second", "server_cpu_per_request_ms"):
            assert isinstance(side[figure], int | float), (figure, side)
    # The question page against the bare page, by turns: the page answered (with the
    # citizen's cookie, no redirect or error), and the ratio is that of the rounds' rates.
    page = run["wrk_question_page"]
    assert page["rounds"] == 1, page
    assert page["non_2xx_3xx"] == 0 and page["requests"] > 0, page
    bare_page = page["bare_by_turns"]
    assert bare_page["requests"] > 0, page
    assert page["ratio_to_bare"] == pytest.approx(
        page["requests_per_second"] / bare_page["requests_per_second"]
    )
