#!/usr/bin/env python3
"""A full comparison of two large rounds, beside the bare GROUP BY it is built on.

    .venv/bin/python bench/analysis.py                 # 10,000 then 100,000 responses, SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/analysis.py
    .venv/bin/python bench/analysis.py --quick         # 200 then 1,000: the smoke test's run
    .venv/bin/python bench/analysis.py --quick --json  # the same figures as one JSON object

What it does, in one run:

1. A throwaway database: a temporary SQLite file, or, when DATABASE_URL names PostgreSQL,
   a schema of its own (search_path) that is dropped at the end; nothing else is touched.
   Migrated with Flask-Migrate; two Odense rounds (spring 2025, spring 2026) of the KL
   questionnaire (19 items) plus 6 local questions: 25 items.
2. Completed responses split evenly over the two rounds, answering every item (5 % "ved
   ikke", a unique comment from 1 in 10), with a benefit group and an age band; loaded by
   bulk inserts (executemany on SQLite, COPY on PostgreSQL), then ANALYZE. First the
   smaller size, then the rest is added to reach the larger one.
   Then what citizens' completions keep for the comparison (each respondent's theme sums
   and headline answer, survey.comparison.summaries) is written for the loaded responses
   in bulk, as the first comparison after an import would, and the rounds' answers are
   counted once into their tallies (survey.comparison.tallies), as a round's first
   comparison does; both timed together on their own ("summaries"): answers loaded in
   bulk skip the completion that keeps the first, and every comparison after the first
   reads the second.
3. At each size, in the same process and on the same data: the full comparison every
   consumer uses, `build_comparison(round, against, by="benefit_group")` inside an app
   context, and the bare `SELECT round_id, item_code, benefit_group, value, count(*) ...
   GROUP BY ...` it rests on, each run --repeat times (median reported), and their ratio.
   Peak memory of one comparison: tracemalloc's peak (Python allocations during the call)
   and the growth of the process's maximum resident set size (getrusage ru_maxrss).
4. A check that the comparison's counts equal the bare query's, so the figures timed are
   the right ones. Exit status 0 only when they do.

Figures are printed, never asserted. With --json, stdout is one JSON object with the
same figures per size (the bare GROUP BY being the same-run baseline) and the check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ITEMS_PER_ROUND = 25
LOCAL_QUESTIONS = 6
CHUNK = 5_000  # responses per bulk insert
BENEFIT_GROUPS = (
    ("kontanthjaelp", 45),
    ("dagpenge", 25),
    ("sygedagpenge", 20),
    ("jobafklaring", 9),
)
AGE_BANDS = ("18-29", "30-49", "50-64", "65-")
BARE_QUERY = """
SELECT r.round_id, a.item_code, r.benefit_group, a.value, count(*)
FROM answer a JOIN response r ON r.id = a.response_id
WHERE r.round_id IN (:first, :second) AND r.completed = :done
GROUP BY r.round_id, a.item_code, r.benefit_group, a.value
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 then 1,000 responses, once")
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated total responses (both rounds), ascending; default 10000,100000",
    )
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the figures, no table"
    )
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = "200,1000" if args.quick else "10000,100000"
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    if args.sizes != sorted(args.sizes) or any(size < 2 for size in args.sizes):
        parser.error("--sizes must be ascending, each at least 2")
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    return args


# --- a throwaway database -----------------------------------------------------------------


class Database:
    """A temporary SQLite file, or a PostgreSQL schema of our own named by search_path."""

    def __init__(self, url: str | None = None, schema: str | None = None):
        """A new throwaway database, or (url and schema given) the one a parent made."""
        self.tmp = None
        if url is not None:
            self.url, self.schema = url, schema
            self.postgres = url.startswith("postgresql")
            return
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres", "postgresql"))
        self.schema = "bench_analysis_" + uuid.uuid4().hex[:10]
        if self.postgres:
            from survey.core.config import normalise_database_url

            self.url = normalise_database_url(url)
        else:
            self.tmp = tempfile.TemporaryDirectory(prefix="bench-analysis-")
            self.url = f"sqlite:///{self.tmp.name}/bench.sqlite"

    def config(self) -> dict:
        config = {
            "SECRET_KEY": "bench-analysis-secret",
            "TOKEN_KEY": "bench-analysis-token",
            "CONTACT_KEY": "bench-analysis-contacts",
            "SQLALCHEMY_DATABASE_URI": self.url,
            "PUBLIC_BASE_URL": "http://localhost",
        }
        if self.postgres:
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "pool_pre_ping": True,
                "connect_args": {"options": f"-c search_path={self.schema}"},
            }
        return config

    def create(self, db) -> None:
        from sqlalchemy import text

        if self.postgres:
            with db.engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {self.schema}"))

    def drop(self, db) -> None:
        from sqlalchemy import text

        db.session.remove()
        if self.postgres:
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
        db.engine.dispose()
        if self.tmp is not None:
            self.tmp.cleanup()

    @property
    def label(self) -> str:
        return "PostgreSQL (own schema)" if self.postgres else "SQLite (temporary file)"


# --- rounds and answers -------------------------------------------------------------------


def make_rounds(db) -> tuple[int, int]:
    """Two Odense rounds of 25 items: the KL questionnaire plus six local questions."""
    from survey.models import LocalQuestion, Municipality, Round
    from survey.rounds.definition import round_definition
    from survey.rounds.lifecycle import open_round
    from survey.rounds.placement import add_local_question

    odense = db.session.get(Municipality, 461)
    questions = []
    for number in range(1, LOCAL_QUESTIONS + 1):
        code = f"local.m461.bench_{number}"
        question = LocalQuestion(
            municipality_code=461,
            code=code,
            version=1,
            type="likert5",
            texts={"da": f"Lokalt udsagn nummer {number}.", "en": f"Local statement {number}."},
            compare_key=code,
        )
        db.session.add(question)
        questions.append(question)
    ids = []
    for title, opens_on in (("Forår 2025", date(2025, 3, 1)), ("Forår 2026", date(2026, 3, 1))):
        survey_round = Round(
            municipality=odense,
            title=title,
            questionnaire_key="kl-beskaeftigelse",
            questionnaire_version=1,
            languages=["da", "en"],
            opens_on=opens_on,
        )
        db.session.add(survey_round)
        for question in questions:
            add_local_question(survey_round, question)
        db.session.flush()
        open_round(survey_round)
        survey_round.state = "closed"
        db.session.flush()
        count = len(round_definition(survey_round).items)
        if count != ITEMS_PER_ROUND:
            raise SystemExit(f"expected {ITEMS_PER_ROUND} items in a round, found {count}")
        ids.append(survey_round.id)
    db.session.commit()
    return ids[0], ids[1]


def generate(rng: random.Random, round_id: int, items, count: int, day: date, serial: list[int]):
    """`count` completed responses with answers to every item, as plain tuples."""
    groups, weights = zip(*BENEFIT_GROUPS, strict=True)
    responses, answers = [], []
    positive_share = 0.62 if day.year == 2026 else 0.55
    for _ in range(count):
        serial[0] += 1
        response_id = uuid.UUID(int=rng.getrandbits(128)).hex
        group = rng.choices(groups, weights)[0] if rng.random() > 0.01 else None
        done = day + timedelta(days=rng.randrange(28))
        responses.append(
            (response_id, round_id, "open", "da", True, done, done, group, rng.choice(AGE_BANDS))
        )
        share = positive_share - (0.08 if group == "kontanthjaelp" else 0)
        for code, item_type in items:
            if item_type == "likert5":
                roll = rng.random()
                if roll < 0.05:
                    value = "0"
                elif rng.random() < share:
                    value = "4" if roll < 0.55 else "5"
                else:
                    value = "123"[int(roll * 1000) % 3]
            elif item_type == "yesno":
                value = "1" if rng.random() < 0.35 else "2"
            else:
                if rng.random() >= 0.1:
                    continue
                value = f"Kommentar {serial[0]}: tak for hjælpen."
            answers.append((response_id, code, value))
    return responses, answers


RESPONSE_COLUMNS = (
    "id, round_id, channel, ui_language, completed, started_on, completed_on, "
    "benefit_group, age_band"
)


def bulk_insert(db, database: Database, responses, answers) -> None:
    answers.sort()  # in key order: far fewer pages touched per chunk
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if not database.postgres:
            cursor.execute("PRAGMA synchronous = OFF")  # a throwaway file
        if database.postgres:
            with cursor.copy(f"COPY response ({RESPONSE_COLUMNS}) FROM STDIN") as copy:
                for row in responses:
                    copy.write_row(row)
            with cursor.copy("COPY answer (response_id, item_code, value) FROM STDIN") as copy:
                for row in answers:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO response ({RESPONSE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r[:4], 1, r[5].isoformat(), r[6].isoformat(), *r[7:]) for r in responses],
            )
            cursor.executemany(
                "INSERT INTO answer (response_id, item_code, value) VALUES (?, ?, ?)", answers
            )
        connection.commit()
    finally:
        connection.close()


def load(db, database, rng, rounds, items, count: int, serial: list[int]) -> int:
    """Add `count` responses, split evenly over the two rounds; returns answers added."""
    # No open read transaction may hold back SQLite's WAL checkpoints while loading.
    db.session.remove()
    added = 0
    for round_id, day, share in (
        (rounds[0], date(2025, 3, 1), count // 2),
        (rounds[1], date(2026, 3, 1), count - count // 2),
    ):
        for start in range(0, share, CHUNK):
            responses, answers = generate(
                rng, round_id, items, min(CHUNK, share - start), day, serial
            )
            bulk_insert(db, database, responses, answers)
            added += len(answers)
    from sqlalchemy import text

    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if not database.postgres:
        raw = db.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return added


def keep_summaries(db, database, rounds) -> float:
    """What completing the loaded sheets would have kept, written in bulk, and the rounds'
    answers counted once into their tallies, as their first comparison would; seconds
    taken. Later comparisons read these (survey.comparison.summaries and .tallies)."""
    from sqlalchemy import text

    from survey.comparison.upkeep import keep_up
    from survey.models import Round

    db.session.remove()
    start = time.perf_counter()
    loaded = [db.session.get(Round, round_id) for round_id in rounds]
    keep_up(loaded)
    db.session.commit()
    seconds = time.perf_counter() - start
    db.session.remove()
    if not database.postgres:  # PostgreSQL's statistics were taken by summarise
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return seconds


# --- measuring ----------------------------------------------------------------------------


def maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def run_comparison(db, rounds):
    from survey.comparison.service import build_comparison
    from survey.models import Round

    db.session.remove()
    current = db.session.get(Round, rounds[1])
    against = db.session.get(Round, rounds[0])
    return build_comparison(current, against, by="benefit_group")


def run_bare(db, rounds) -> list:
    from sqlalchemy import text

    db.session.remove()
    return db.session.execute(
        text(BARE_QUERY), {"first": rounds[0], "second": rounds[1], "done": True}
    ).all()


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check(comparison, bare_rows, rounds, size: int) -> list[str]:
    """The comparison's counts must be the bare query's: otherwise the timing means nothing."""
    from analysis.results import answered  # a hidden side gives no n

    problems = []
    counted: dict[tuple, int] = {}
    for round_id, code, group, value, count in bare_rows:
        counted[(round_id, code, value)] = counted.get((round_id, code, value), 0) + count
        counted[(round_id, code, group, value)] = count
    if comparison.round.completed + comparison.against.completed != size:
        problems.append(f"completed {comparison.round.completed} + {comparison.against.completed}")
    for item in comparison.items:
        if item.type != "likert5":
            continue
        for round_id, side in ((rounds[1], item.current), (rounds[0], item.previous)):
            n = sum(counted.get((round_id, item.code, v), 0) for v in "12345")
            positive = sum(counted.get((round_id, item.code, v), 0) for v in "45")
            if answered(side) != n or (not side.suppressed and side.positive != positive):
                problems.append(f"{item.code} round {round_id}: {answered(side)}/{side.positive}")
        for group in item.groups:
            n = sum(counted.get((rounds[1], item.code, group.value, v), 0) for v in "12345")
            if answered(group.current) != n:
                problems.append(f"{item.code} {group.value}: {answered(group.current)} != {n}")
    return problems


def mib(size: float) -> str:
    return f"{size / 1024 / 1024:,.1f} MiB"


def measure(spec: dict) -> dict:
    """In a fresh process: one comparison's memory, then both timings, on the parent's data.

    A fresh process, so that the growth of its maximum resident set size is the
    comparison's own and not the loading's.
    """
    from survey import create_app
    from survey.core.extensions import db

    database = Database(spec["url"], spec["schema"])
    app = create_app(database.config())
    rounds = spec["rounds"]
    with app.app_context():
        rss_before = maxrss_bytes()
        comparison = run_comparison(db, rounds)
        rss_growth = maxrss_bytes() - rss_before
        bare_rows = run_bare(db, rounds)
        problems = check(comparison, bare_rows, rounds, spec["size"])

        tracemalloc.start()
        run_comparison(db, rounds)
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        full = timed(lambda: run_comparison(db, rounds), spec["repeat"])
        bare = timed(lambda: run_bare(db, rounds), spec["repeat"])
        db.session.remove()
        db.engine.dispose()
    return {
        "rows": len(bare_rows),
        "full": full,
        "bare": bare,
        "traced": traced_peak,
        "rss": rss_growth,
        "rss_total": maxrss_bytes(),
        "problems": problems,
    }


def measure_in_child(database: Database, rounds, size: int, repeat: int) -> dict:
    spec = {
        "url": database.url,
        "schema": database.schema,
        "rounds": list(rounds),
        "size": size,
        "repeat": repeat,
    }
    done = subprocess.run(
        [sys.executable, __file__, "--measure", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"measuring {size:,} responses failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_json(args, database: Database, results: list[dict], failures: list[str]) -> int:
    """The table's figures as one JSON object on stdout; mismatches also on stderr."""
    report = {
        "benchmark": "bench/analysis.py",
        "database": database.label,
        "python": f"{platform.python_version()} on {platform.machine()}",
        "items_per_round": ITEMS_PER_ROUND,
        "split": "benefit_group",
        "repeat": args.repeat,
        "baseline": "bare GROUP BY (the query the comparison rests on), same run and data",
        "sizes": [
            {
                "responses": r["size"],
                "answers": r["answers"],
                "frequency_rows": r["rows"],
                "load_seconds": r["load"],
                "summaries_seconds": r["summaries"],
                "comparison_seconds": r["full"],
                "baseline_seconds": r["bare"],
                "ratio": r["full"] / r["bare"] if r["bare"] else None,
                "tracemalloc_peak_bytes": r["traced"],
                "maxrss_growth_bytes": r["rss"],
                "maxrss_total_bytes": r["rss_total"],
            }
            for r in results
        ],
        "counts_checked": not failures,
        "mismatches": failures,
    }
    print(json.dumps(report, allow_nan=False))
    for failure in failures[:20]:
        print(f"MISMATCH: {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--measure"]:
        print(json.dumps(measure(json.loads(argv[1]))))
        return 0
    args = parse_args(argv)
    # Stopped from outside: still drop the schema and delete the temporary file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database = Database()
    from flask_migrate import upgrade

    from survey import create_app
    from survey.core.extensions import db
    from survey.models import Round
    from survey.rounds.definition import round_definition

    app = create_app(database.config())
    results = []
    with app.app_context():
        database.create(db)
        try:
            upgrade()
            rounds = make_rounds(db)
            definition = round_definition(db.session.get(Round, rounds[1]))
            items = [(item.code, item.type) for item in definition.items]
            rng = random.Random(args.seed)
            serial = [0]
            loaded = answers = 0
            for size in args.sizes:
                start = time.perf_counter()
                answers += load(db, database, rng, rounds, items, size - loaded, serial)
                load_seconds = time.perf_counter() - start
                loaded = size
                summary_seconds = keep_summaries(db, database, rounds)
                figures = measure_in_child(database, rounds, size, args.repeat)
                results.append(
                    {
                        "size": size,
                        "answers": answers,
                        "load": load_seconds,
                        "summaries": summary_seconds,
                        **figures,
                    }
                )
        finally:
            database.drop(db)

    failures = [problem for r in results for problem in r["problems"]]
    if args.json:
        return report_json(args, database, results, failures)
    print(f"database            {database.label}")
    print(f"python              {platform.python_version()} on {platform.machine()}")
    print(f"items per round     {ITEMS_PER_ROUND} (split by benefit_group, two rounds)")
    print(f"timed runs          {args.repeat} per figure, median, in a fresh process per size")
    header = (
        f"{'responses':>10} {'answers':>11} {'freq rows':>9} {'load':>8} {'summaries':>9} "
        f"{'comparison':>11} {'bare GROUP BY':>13} {'ratio':>6} "
        f"{'tracemalloc peak':>16} {'maxrss growth':>13}"
    )
    print(header)
    for r in results:
        print(
            f"{r['size']:>10,} {r['answers']:>11,} {r['rows']:>9,} {r['load']:>7.1f}s "
            f"{r['summaries']:>8.1f}s "
            f"{r['full']:>10.3f}s {r['bare']:>12.3f}s {r['full'] / r['bare']:>5.2f}x "
            f"{mib(r['traced']):>16} {mib(r['rss']):>13}"
        )
    print(
        "maxrss growth       from before the first comparison to after it; the process's "
        "whole peak: " + ", ".join(mib(r["rss_total"]) for r in results)
    )
    if failures:
        print("MISMATCH between the comparison and the bare query:", file=sys.stderr)
        for failure in failures[:20]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print("counts checked      the comparison's counts equal the bare GROUP BY's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
