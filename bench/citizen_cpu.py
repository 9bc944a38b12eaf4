#!/usr/bin/env python3
"""CPU per citizen request, in process, beside a bare Flask page in the same run.

    .venv/bin/python bench/citizen_cpu.py                 # SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/citizen_cpu.py
    .venv/bin/python bench/citizen_cpu.py --json          # one JSON object on stdout
    .venv/bin/python bench/citizen_cpu.py --profile get   # where a question page GET goes

The app runs in production mode (no demo, no debug, JSON logs to a discarded stream) on a
throwaway database (SQLite file or a PostgreSQL schema of its own), with the Odense round
that bench/load.py uses. One citizen opens an invitation link and starts; then each kind
of request is repeated and its process CPU time measured (Flask's test client, so the
figure is the app's own work plus the test client's, the same for the bare page):

- `get`: the question page with the citizen's cookie;
- `post`: the first page posted with answers (an idempotent save and a redirect);
- `unknown`: an invitation link that does not exist (HMAC, one look-up, a 404 page);
- `bare`: bench/bare_app.py's page.

Beside CPU it counts what reaches the database per request: statements (on SQLite our
explicit BEGIN among them), and transaction round trips (BEGIN, COMMIT or ROLLBACK, which
psycopg sends as queries of their own; none for reads without a transaction).
Figures are printed, never asserted; gunicorn and wrk figures are bench/load.py's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from load import BenchDatabase, make_app, migrate, prepare_round, server_env  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = ("get", "post", "unknown", "bare")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", choices=KINDS, help="print a cProfile of one kind")
    return parser.parse_args(argv)


class Counter:
    """Statements and transaction round trips seen by the engine during a block."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.statements = 0
        self.transactions = 0  # BEGIN + COMMIT/ROLLBACK actually sent
        self.checkouts = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._transaction)
        event.listen(engine, "commit", self._transaction)
        event.listen(engine, "rollback", self._transaction)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, *_args, **_kwargs) -> None:
        self.statements += 1

    def _transaction(self, connection, *_args, **_kwargs) -> None:
        # Autocommit reads send neither BEGIN nor ROLLBACK (psycopg sends nothing for a
        # rollback outside a transaction; on SQLite our "begin" hook skips the BEGIN).
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT" or options.get(
            "borgerblik_autocommit_reads"
        ):
            return
        self.transactions += 1

    def _checkout(self, *_args, **_kwargs) -> None:
        self.checkouts += 1

    def snapshot(self) -> tuple[int, int, int]:
        return self.statements, self.transactions, self.checkouts


def citizen(client, token: str) -> tuple[str, str]:
    """Open the invitation, start; return the first page's path and its CSRF token."""
    entered = client.get(f"/s/{token}")
    assert entered.status_code == 303, entered.status_code
    landing = client.get("/svar")
    csrf = CSRF_RE.search(landing.get_data(as_text=True)).group(1)
    started = client.post("/svar/start", data={"csrf_token": csrf})
    assert started.status_code == 302, started.status_code
    path = started.headers["Location"]
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return path, CSRF_RE.search(page.get_data(as_text=True)).group(1)


def first_page_answers(app, path: str) -> dict[str, str]:
    """A valid answer for every item of the first page (the middle option)."""
    from survey.core.extensions import db
    from survey.models import Round

    key = path.rsplit("/", 1)[1]
    with app.app_context():
        snapshot = db.session.scalars(db.select(Round.snapshot)).first()
        db.session.remove()
    page = next(p for p in snapshot["pages"] if p["key"] == key)
    answers = {}
    for item in page["items"]:
        if item["type"] in {"single", "scale"} or item.get("options"):
            options = item.get("options") or [{"value": 3}]
            answers[item["code"]] = str(options[len(options) // 2]["value"])
    return answers


def measure(send, count: int, counter: Counter | None) -> dict:
    send()  # warm: first use of templates, statement caches, connections
    before = counter.snapshot() if counter else (0, 0, 0)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        send()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = counter.snapshot() if counter else (0, 0, 0)
    return {
        "cpu_ms": round(cpu * 1000 / count, 3),
        "wall_ms": round(wall * 1000 / count, 3),
        "statements": round((after[0] - before[0]) / count, 2),
        "transaction_trips": round((after[1] - before[1]) / count, 2),
        "checkouts": round((after[2] - before[2]) / count, 2),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="borgerblik-cpu-"))
    keys = {
        "SECRET_KEY": secrets.token_hex(32),
        "TOKEN_KEY": secrets.token_hex(32),
        "CONTACT_KEY": secrets.token_hex(32),
    }
    db = BenchDatabase(workdir, os.environ.get("DATABASE_URL", ""))
    try:
        db.create()
        env = server_env(db, keys)
        migrate(env, timeout=180)
        os.environ.update({k: env[k] for k in ("INSECURE_COOKIES", "JSON_LOGS") if k in env})
        _round_id, _open_code, tokens = prepare_round(make_app(db, keys), 2)
        app = make_app(db, keys)
        logging.getLogger(app.logger.name).handlers = [logging.StreamHandler(io.StringIO())]
        import bare_app

        from survey.core.extensions import db as sqla

        with app.app_context():
            counter = Counter(sqla.engine)
        client = app.test_client()
        path, csrf = citizen(client, tokens[0])
        answers = first_page_answers(app, path)
        form = {"csrf_token": csrf, "page": path.rsplit("/", 1)[1], "action": "next", **answers}

        def get():
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        def post():
            response = client.post(path, data=form)
            assert response.status_code == 302, (response.status_code, response.text[:500])

        stranger = app.test_client()

        def unknown():
            response = stranger.get(f"/s/{secrets.token_urlsafe(20)}")
            assert response.status_code == 404, response.status_code

        bare_client = bare_app.app.test_client()

        def bare():
            bare_client.get("/")

        sends = {"get": get, "post": post, "unknown": unknown, "bare": bare}
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
            sends[args.profile]()
            profiler.enable()
            for _ in range(args.requests):
                sends[args.profile]()
            profiler.disable()
            if os.environ.get("PROFILE_OUT"):  # for pstats or snakeviz
                profiler.dump_stats(os.environ["PROFILE_OUT"])
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            stats.print_callees("preprocess_request|process_response|do_teardown")
            return 0
        # The bare page first and last, its figure the lower: a figure taken after the
        # survey's requests can carry their garbage collection and cache misses.
        first = measure(bare, args.requests, None)
        figures = {
            kind: measure(send, args.requests, None if kind == "bare" else counter)
            for kind, send in sends.items()
        }
        print(f"bare first {first['cpu_ms']} last {figures['bare']['cpu_ms']}", file=sys.stderr)
        figures["bare"] = min(first, figures["bare"], key=lambda f: f["cpu_ms"])
        version = db.version()
    finally:
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    bare_cpu = figures["bare"]["cpu_ms"]
    for kind in KINDS:
        figures[kind]["cpu_x_bare"] = round(figures[kind]["cpu_ms"] / bare_cpu, 1)
    if args.json:
        print(json.dumps({"database": version, "requests": args.requests, "kinds": figures}))
        return 0
    print(f"{version}; {args.requests} requests per kind; in process (Flask test client)")
    print(f"{'kind':<9}{'CPU ms':>9}{'× bare':>9}{'wall ms':>9}{'stmts':>8}{'tx trips':>10}")
    for kind in KINDS:
        f = figures[kind]
        print(
            f"{kind:<9}{f['cpu_ms']:>9.3f}{f['cpu_x_bare']:>9.1f}{f['wall_ms']:>9.3f}"
            f"{f['statements']:>8.2f}{f['transaction_trips']:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
