#!/usr/bin/env python3
"""CPU per citizen request, in process, beside a bare Flask page in the same run.

    .venv/bin/python bench/citizen_cpu.py                 # SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/citizen_cpu.py
    .venv/bin/python bench/citizen_cpu.py --json          # one JSON object on stdout
    .venv/bin/python bench/citizen_cpu.py --profile get   # where a question page GET goes
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/cg.%p \
        .venv/bin/python bench/citizen_cpu.py --callgrind /tmp/cg --requests 40
                                                         # instructions per request

The app runs in production mode (no demo, no debug, JSON logs to a discarded stream) on a
throwaway database (SQLite file or a PostgreSQL schema of its own), with the Odense round
that bench/load.py uses. One citizen opens an invitation link and starts; then each kind
of request is repeated and its process CPU time measured (Flask's test client, so the
figure is the app's own work plus the test client's, the same for the bare page). Each
kind's request alone is timed; what it needs first (a fresh browser that has entered) is
made untimed:

- `open`: the open link (/o/<code>) from a fresh browser: a state cookie and a 303;
- `invitation`: an invitation link (/s/<token>) from a fresh browser (HMAC, a look-up, 303);
- `landing`: the landing page (/svar) of a citizen who has entered;
- `start`: "Start" posted (/svar/start): the sheet made, a 302 to its first page;
- `get`: the question page with the citizen's cookie;
- `post`: the first page posted with answers (an idempotent save and a redirect);
- `thanks`: the thank-you page of a citizen who has sent the sheet;
- `unknown`: an invitation link that does not exist (HMAC, one look-up, a 404 page);
- `flow`: whole citizens as bench/load.py runs them (half by invitation, half by the open
  link: entry, landing, start, every page shown and posted, the thank-you page), CPU per
  request; the sending of the sheet, which no other kind measures, is in it;
- `bare`: bench/bare_app.py's page.

Beside CPU it counts what reaches the database per request: statements (on SQLite our
explicit BEGIN among them), and transaction round trips (BEGIN, COMMIT or ROLLBACK, which
psycopg sends as queries of their own; none for reads without a transaction).
Figures are printed, never asserted; gunicorn and wrk figures are bench/load.py's.

Under callgrind (--callgrind DIR, as above) it counts instructions instead, which another
process on the machine does not change: for each kind, what its requests need first is
made, then the counts are zeroed (callgrind_control) and dumped after its requests, the
dump's total divided by their number. (Turning instrumentation on and off instead gave
totals that wrapped around.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from load import (  # noqa: E402
    MAX_PAGES,
    BenchDatabase,
    choose_answers,
    form_fields,
    make_app,
    migrate,
    prepare_round,
    read_form,
    server_env,
)

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = (
    "open",
    "invitation",
    "landing",
    "start",
    "get",
    "post",
    "thanks",
    "unknown",
    "flow",
    "bare",
)
FLOW_SHARE = 20  # whole citizens in `flow`: one per this many requests of the other kinds


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", choices=KINDS, help="print a cProfile of one kind")
    parser.add_argument("--kinds", help="only these kinds, comma-separated (bare always)")
    parser.add_argument(
        "--callgrind", metavar="DIR", help="count instructions (run under callgrind, see above)"
    )
    return parser.parse_args(argv)


class Counter:
    """Statements and transaction round trips seen by the engine during a block."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        from survey.core import cursor_reads

        self.statements = 0
        self.transactions = 0  # BEGIN + COMMIT/ROLLBACK actually sent
        self.checkouts = 0
        cursor_reads.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._transaction)
        event.listen(engine, "commit", self._transaction)
        event.listen(engine, "rollback", self._transaction)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, *_args, **_kwargs) -> None:
        self.statements += 1

    def _transaction(self, connection, *_args, **_kwargs) -> None:
        # Autocommit reads send neither BEGIN nor ROLLBACK (psycopg sends nothing for a
        # rollback outside a transaction; on SQLite our "begin" hook skips the BEGIN). On
        # PostgreSQL their connections are in autocommit for life (their own pool,
        # survey.core.autocommit_engine), so ask the connection itself.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT" or options.get(
            "borgerblik_autocommit_reads"
        ):
            return
        if connection.dialect.name == "postgresql" and getattr(
            connection.connection.dbapi_connection, "autocommit", False
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


def whole_citizen(client, entry: str, seed: int) -> int:
    """One citizen through the whole flow, as bench/load.py's; the requests it made."""
    import random

    from werkzeug.datastructures import MultiDict

    rng = random.Random(seed)
    assert client.get(entry).status_code == 303
    landing = client.get("/svar")
    csrf = CSRF_RE.search(landing.get_data(as_text=True)).group(1)
    started = client.post("/svar/start", data={"csrf_token": csrf})
    assert started.status_code == 302, started.status_code
    location, requests = started.headers["Location"], 3
    for _ in range(MAX_PAGES):
        page = client.get(location)
        assert page.status_code == 200, page.status_code
        csrf, key, items = read_form(page.get_data(as_text=True))
        answers = choose_answers(items, rng, internship_yes=seed % 2 == 0)
        posted = client.post(location, data=MultiDict(form_fields(csrf, key, answers)))
        assert posted.status_code == 302, posted.status_code
        location, requests = posted.headers["Location"], requests + 2
        if location.rstrip("/").endswith("/svar/tak"):
            break
    else:
        raise AssertionError(f"no thank-you page after {MAX_PAGES} pages")
    assert client.get(location).status_code == 200
    return requests + 1


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


def callgrind(*command: str) -> None:
    # Waited for while blocked: callgrind takes the command at once, and counts nothing
    # of a busy wait.
    subprocess.run(
        ["callgrind_control", *command, str(os.getpid())], check=True, capture_output=True
    )


def count_instructions(kind: str, send, count: int, prepare, folder: str) -> int:
    """Instructions per request of `send(prepare())`, `prepare` made before counting."""
    send(prepare() if prepare else None)  # warm
    made = [prepare() if prepare else None for _ in range(count)]
    callgrind("--zero")
    requests = sum(send(one) or 1 for one in made)
    callgrind("--dump", kind)
    for path in Path(folder).glob(f"*{os.getpid()}*"):
        text = path.read_text(errors="replace")
        if f"\ndesc: Trigger: dump {kind}\n" in text:
            total = int(re.search(r"^summary: (\d+)", text, re.MULTILINE).group(1))
            return total // requests
    raise SystemExit(f"bench: no callgrind dump of {kind} in {folder}")


def measure(send, count: int, counter: Counter | None, prepare=None) -> dict:
    """`send(prepare())` timed `count` times, `prepare` not; per request (`send` returns
    how many requests it made when not one)."""
    send(prepare() if prepare else None)  # warm: templates, statement caches, connections
    cpu = wall = 0.0
    requests, seen = 0, [0, 0, 0]
    for _ in range(count):
        made = prepare() if prepare else None
        before = counter.snapshot() if counter else (0, 0, 0)
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        sent = send(made)
        cpu += time.process_time() - cpu_start
        wall += time.perf_counter() - wall_start
        after = counter.snapshot() if counter else (0, 0, 0)
        requests += sent or 1
        seen = [total + a - b for total, a, b in zip(seen, after, before, strict=True)]
    return {
        "cpu_ms": round(cpu * 1000 / requests, 3),
        "wall_ms": round(wall * 1000 / requests, 3),
        "statements": round(seen[0] / requests, 2),
        "transaction_trips": round(seen[1] / requests, 2),
        "checkouts": round(seen[2] / requests, 2),
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
        names = ("INSECURE_COOKIES", "JSON_LOGS", "OPEN_LINK_COMPLETIONS_PER_ADDRESS")
        os.environ.update({k: env[k] for k in names if k in env})
        flow_citizens = max(2, args.requests // FLOW_SHARE)
        _round_id, open_code, tokens = prepare_round(make_app(db, keys), 3 + flow_citizens)
        app = make_app(db, keys)
        for handler in app.logger.handlers:  # the production handler, its lines kept aside
            handler.setStream(io.StringIO())
        import bare_app

        from survey.core.extensions import db as sqla

        with app.app_context():
            counter = Counter(sqla.engine)
        client = app.test_client()
        path, csrf = citizen(client, tokens[0])
        answers = first_page_answers(app, path)
        form = {"csrf_token": csrf, "page": path.rsplit("/", 1)[1], "action": "next", **answers}

        def expect(response, status: int):
            assert response.status_code == status, (response.status_code, response.text[:500])

        def entered():
            fresh = app.test_client()
            expect(fresh.get(f"/o/{open_code}"), 303)
            return fresh

        lander = entered()
        finisher = app.test_client()
        whole_citizen(finisher, f"/s/{tokens[1]}", seed=1)

        def started():
            fresh = entered()
            landing = fresh.get("/svar").get_data(as_text=True)
            return fresh, CSRF_RE.search(landing).group(1)

        stranger = app.test_client()
        bare_client = bare_app.app.test_client()
        entries = iter(
            [f"/s/{token}" for token in tokens[3:]] + [f"/o/{open_code}"] * (flow_citizens + 1)
        )
        seeds = iter(range(10**9))

        def flow(_made):
            # Alternating: an invitation, then the open link, as bench/load.py plans them.
            seed = next(seeds)
            entry = next(entries) if seed % 2 == 0 else f"/o/{open_code}"
            return whole_citizen(app.test_client(), entry, seed)

        sends = {
            "open": (lambda fresh: expect(fresh.get(f"/o/{open_code}"), 303), app.test_client),
            "invitation": (
                lambda fresh: expect(fresh.get(f"/s/{tokens[2]}"), 303),
                app.test_client,
            ),
            "landing": (lambda _: expect(lander.get("/svar"), 200), None),
            "start": (
                lambda made: expect(made[0].post("/svar/start", data={"csrf_token": made[1]}), 302),
                started,
            ),
            "get": (lambda _: expect(client.get(path), 200), None),
            "post": (lambda _: expect(client.post(path, data=form), 302), None),
            "thanks": (lambda _: expect(finisher.get("/svar/tak"), 200), None),
            "unknown": (
                lambda _: expect(stranger.get(f"/s/{secrets.token_urlsafe(20)}"), 404),
                None,
            ),
            "flow": (flow, None),
            "bare": (lambda _: expect(bare_client.get("/"), 200), None),
        }
        counts = {"flow": flow_citizens}
        chosen = [k for k in KINDS if not args.kinds or k in args.kinds.split(",") or k == "bare"]
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
            send, prepare = sends[args.profile]
            send(prepare() if prepare else None)
            made = [prepare() if prepare else None for _ in range(args.requests)]
            profiler.enable()
            for one in made[: counts.get(args.profile, args.requests)]:
                send(one)
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
        if args.callgrind:
            version = db.version()
            print(f"{version}; instructions per request (callgrind), {args.requests} per kind")
            for kind in chosen:
                send, prepare = sends[kind]
                count = counts.get(kind, args.requests)
                print(
                    f"{kind:<11}{count_instructions(kind, send, count, prepare, args.callgrind):>14,}"
                )
            return 0
        first = measure(sends["bare"][0], args.requests, None)
        figures = {
            kind: measure(
                sends[kind][0],
                counts.get(kind, args.requests),
                None if kind == "bare" else counter,
                sends[kind][1],
            )
            for kind in chosen
        }
        print(f"bare first {first['cpu_ms']} last {figures['bare']['cpu_ms']}", file=sys.stderr)
        figures["bare"] = min(first, figures["bare"], key=lambda f: f["cpu_ms"])
        version = db.version()
    finally:
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    bare_cpu = figures["bare"]["cpu_ms"]
    for kind in chosen:
        figures[kind]["cpu_x_bare"] = round(figures[kind]["cpu_ms"] / bare_cpu, 1)
    if args.json:
        print(json.dumps({"database": version, "requests": args.requests, "kinds": figures}))
        return 0
    print(f"{version}; {args.requests} requests per kind; in process (Flask test client)")
    print(f"{'kind':<11}{'CPU ms':>9}{'× bare':>9}{'wall ms':>9}{'stmts':>8}{'tx trips':>10}")
    for kind in chosen:
        f = figures[kind]
        print(
            f"{kind:<11}{f['cpu_ms']:>9.3f}{f['cpu_x_bare']:>9.1f}{f['wall_ms']:>9.3f}"
            f"{f['statements']:>8.2f}{f['transaction_trips']:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
