#!/usr/bin/env python3
"""The June report of a round of 100,000 responses: time per format against the comparison.

    .venv/bin/python bench/report.py                  # 100,000 responses, and 100,000 before
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/report.py
    .venv/bin/python bench/report.py --quick          # 300 and 200: the smoke test's run
    .venv/bin/python bench/report.py --quick --json   # the same figures as one JSON object

What it does, in one run:

1. A throwaway database and two Odense rounds of 25 items (the KL questionnaire and six
   local questions), made and loaded exactly as bench/analysis.py does (imported from
   it): bulk inserts, executemany on SQLite, COPY on PostgreSQL, then ANALYZE. The
   current round (spring 2026) gets --responses completed responses, the earlier one
   (spring 2025) --earlier. Then what completing them would have kept for the comparison
   (survey.comparison.summaries) is written in bulk, and the rounds' answers counted once
   into their tallies as a round's first comparison does (survey.comparison.tallies),
   timed together on their own ("summaries").
2. In the same process and on the same data, each --repeat times (median reported):
   the comparison alone, `build_comparison(round, against, by)`, which every format
   starts from; the report's data alone, `build_report` (the comparison, trends, response
   rate, targets; its SVG charts are drawn when the HTML or the PDF first shows them, so
   they count in those formats' rendering); and each format end to end as `flask report`
   builds it, `build_report` then `render_report` (html, pdf, xlsx, docx), with the
   rendering alone beside it (of report data built afresh, untimed, before each run).
3. A check that the report speaks of the rounds loaded (completed counts, every format
   non-empty and of its kind). Exit status 0 only when it does.

Beside each wall time, the CPU time of this process (median too): the database's own work
is not in it, nor that of other programs on a shared machine, so it is the figure to compare
a rendering change by. Figures are printed, never asserted. With --json, stdout is one JSON object with the
same figures per step (the comparison alone being the same-run baseline) and the check.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analysis import (  # noqa: E402 - after the path is set
    CHUNK,
    ITEMS_PER_ROUND,
    Database,
    bulk_insert,
    generate,
    keep_summaries,
    make_rounds,
)

FORMATS = ("html", "pdf", "xlsx", "docx")
MAGIC = {"html": b"<!doctype html>", "pdf": b"%PDF-", "xlsx": b"PK", "docx": b"PK"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 200 responses, once")
    parser.add_argument("--responses", type=int, default=None, help="current round (100,000)")
    parser.add_argument("--earlier", type=int, default=None, help="earlier round (as many)")
    parser.add_argument(
        "--by", default="benefit_group", help="split the report by this variable ('none': no split)"
    )
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the figures, no table"
    )
    args = parser.parse_args(argv)
    if args.responses is None:
        args.responses = 300 if args.quick else 100_000
    if args.earlier is None:
        args.earlier = 200 if args.quick else args.responses
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.by == "none":
        args.by = None
    if args.responses < 1 or args.earlier < 1 or args.repeat < 1:
        parser.error("--responses, --earlier and --repeat must be at least 1")
    return args


def load_round(db, database, rng, round_id: int, items, count: int, day: date, serial) -> int:
    """`count` completed responses for one round, in bench/analysis.py's chunks; answers added."""
    added = 0
    for start in range(0, count, CHUNK):
        responses, answers = generate(rng, round_id, items, min(CHUNK, count - start), day, serial)
        bulk_insert(db, database, responses, answers)
        added += len(answers)
    return added


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median wall and median CPU seconds of this process (the database's own work is not
    in the CPU figure, nor other programs' on a shared machine), and the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), result


def timed_after(prepare, function, repeat: int) -> tuple[float, float, object]:
    """As `timed`, of `function(prepare())` with only `function` timed: `prepare` afresh
    before each run, so that nothing the first run computed is reused by the next."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        prepared = prepare()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function(prepared)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), result


def size(count: int) -> str:
    return f"{count / 1024:,.0f} KiB" if count < 1024 * 1024 else f"{count / 1024 / 1024:,.1f} MiB"


def report_json(
    args, database, answers: int, load_seconds: float, summaries_seconds: float, rows, problems
) -> int:
    """The table's figures as one JSON object on stdout; problems also on stderr."""
    base = rows[0][1]  # the comparison alone: the baseline every step is set against
    report = {
        "benchmark": "bench/report.py",
        "database": database.label,
        "python": f"{platform.python_version()} on {platform.machine()}",
        "responses": args.responses,
        "earlier": args.earlier,
        "answers": answers,
        "items_per_round": ITEMS_PER_ROUND,
        "load_seconds": load_seconds,
        "summaries_seconds": summaries_seconds,
        "split": args.by,
        "repeat": args.repeat,
        "baseline": {"step": rows[0][0], "seconds": base},
        "steps": [
            {
                "step": name,
                "seconds": total,
                "render_seconds": render,
                "times_baseline": total / base if base else None,
                "bytes": length,
                "cpu_seconds": total_cpu,
                "render_cpu_seconds": render_cpu,
            }
            for name, total, render, length, total_cpu, render_cpu in rows
        ],
        "checked": not problems,
        "problems": problems,
    }
    print(json.dumps(report, ensure_ascii=False, allow_nan=False))
    for problem in problems:
        print(f"PROBLEM with the report built: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    database = Database()
    from flask_migrate import upgrade
    from sqlalchemy import text

    from survey import create_app
    from survey.core.extensions import db

    app = create_app(database.config())
    problems: list[str] = []
    rows: list[tuple] = []
    with app.app_context():
        database.create(db)
        try:
            upgrade()
            from survey.comparison.service import build_comparison
            from survey.models import Round
            from survey.reporting.builder import build_report
            from survey.reporting.render import render_report
            from survey.rounds.definition import round_definition

            earlier_id, current_id = make_rounds(db)
            items = [
                (item.code, item.type)
                for item in round_definition(db.session.get(Round, current_id)).items
            ]
            # No open read transaction while loading: on SQLite it pins the WAL, which then
            # grew to tens of gigabytes and made every later read slow.
            db.session.remove()
            rng = random.Random(args.seed)
            serial = [0]
            start = time.perf_counter()
            answers = load_round(
                db, database, rng, earlier_id, items, args.earlier, date(2025, 3, 1), serial
            )
            answers += load_round(
                db, database, rng, current_id, items, args.responses, date(2026, 3, 1), serial
            )
            with db.engine.begin() as connection:
                # Our own tables only: a bare ANALYZE on PostgreSQL visits every schema in the
                # database, including those other test sessions are creating and dropping.
                for table in ("survey_round", "response", "answer"):
                    connection.execute(text(f"ANALYZE {table}"))
            if not database.postgres:
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            load_seconds = time.perf_counter() - start
            # What the citizens' completions would have kept for the comparison, in bulk
            summaries_seconds = keep_summaries(db, database, (earlier_id, current_id))

            def rounds():
                db.session.remove()
                return db.session.get(Round, current_id), db.session.get(Round, earlier_id)

            def comparison():
                current, against = rounds()
                return build_comparison(current, against, args.by)

            def report():
                current, against = rounds()
                return build_report(current, against, args.by)

            # Warm-up outside the measurements: imports (scipy, matplotlib, WeasyPrint's
            # Pango, openpyxl, python-docx), font lookup and the templates' compilation.
            data = report()
            for fmt in FORMATS:
                render_report(data, fmt)

            base, base_cpu, compared = timed(comparison, args.repeat)
            rows.append(("comparison alone", base, None, None, base_cpu, None))
            gathered, gathered_cpu, data = timed(report, args.repeat)
            rows.append(("report data", gathered, None, None, gathered_cpu, None))
            if compared.round.completed != args.responses:
                problems.append(f"current round: {compared.round.completed} completed")
            if compared.against.completed != args.earlier:
                problems.append(f"earlier round: {compared.against.completed} completed")
            for fmt in FORMATS:
                total, total_cpu, body = timed(
                    lambda fmt=fmt: render_report(report(), fmt), args.repeat
                )
                render, render_cpu, _same = timed_after(
                    report, lambda data, fmt=fmt: render_report(data, fmt), args.repeat
                )
                rows.append((fmt, total, render, len(body), total_cpu, render_cpu))
                if not body.startswith(MAGIC[fmt]):
                    problems.append(f"{fmt}: does not start with {MAGIC[fmt]!r}")
                if fmt == "html" and f"<dd>{args.responses}</dd>".encode() not in body:
                    problems.append("html: the completed count is not on the front page")
        finally:
            database.drop(db)

    if args.json:
        return report_json(args, database, answers, load_seconds, summaries_seconds, rows, problems)
    print(f"database            {database.label}")
    print(f"python              {platform.python_version()} on {platform.machine()}")
    print(
        f"rounds              {args.responses:,} completed responses against {args.earlier:,} "
        f"({answers:,} answers, {ITEMS_PER_ROUND} items), loaded in {load_seconds:.1f}s"
    )
    print(
        f"summaries           kept for the loaded sheets in {summaries_seconds:.1f}s (what "
        "completing them keeps, written in bulk, and the rounds' tallies)"
    )
    print(f"split               {args.by or 'none'}")
    print(f"timed runs          {args.repeat} per figure, median")
    print(
        f"{'step':<18} {'total':>9} {'render only':>12} {'x comparison':>13} {'output':>10}"
        f" {'CPU total':>10} {'CPU render':>11}"
    )
    for name, total, render, length, total_cpu, render_cpu in rows:
        print(
            f"{name:<18} {total:>8.3f}s "
            f"{(f'{render:.3f}s' if render is not None else '–'):>12} "
            f"{total / base:>12.1f}x {(size(length) if length else '–'):>10}"
            f" {total_cpu:>9.3f}s {(f'{render_cpu:.3f}s' if render_cpu is not None else '–'):>11}"
        )
    if problems:
        print("PROBLEM with the report built:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("checked             completed counts and every format's kind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
