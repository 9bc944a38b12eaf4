#!/usr/bin/env python3
"""Citizens answering a round through gunicorn, with faults, against a bare Flask baseline.

    .venv/bin/python bench/load.py                     # 300 citizens, 60 at a time, SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --fault kill-worker # SIGKILL to one worker mid-run
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/load.py --fault restart-db   # PostgreSQL restarted mid-run
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/load.py --all           # SQLite and PostgreSQL, with and without
                                                       # faults, one table beside the baseline
    .venv/bin/python bench/load.py --quick             # 20 citizens: the smoke test's run
    .venv/bin/python bench/load.py --quick --json      # the same figures as one JSON object

What it does, in one run:

1. A throwaway database: a temporary SQLite file, or, when DATABASE_URL names PostgreSQL,
   a schema of its own (search_path) that is dropped at the end; nothing else is touched.
   Migrated with `flask --app wsgi db upgrade`; then an open Odense round with the KL
   questionnaire and Odense's two local questions, and one invitation per invited citizen.
2. gunicorn on 127.0.0.1 (a free port) with the project's gunicorn.conf.py (gthread) and
   --workers workers; the app in production mode (SECRET_KEY and TOKEN_KEY fixed for the
   run so every worker agrees, no demo, INSECURE_COOKIES=1 for plain http).
3. N citizens, C at a time, on one asyncio event loop, each with its own keep-alive
   connection and cookies (bench/http_client.py: a client light enough that the bench
   measures the servers rather than itself on a shared machine);
   half come through their invitation link, half through the round's open link
   (`/o/<code>`: each new session a fresh anonymous sheet). Each answers the whole round:
   link, landing page, start, every page of questions (random answers, "yes" to the
   internship for every other citizen of each channel so half get Odense's page, a comment
   for some), thank-you page. A request that fails (connection error, timeout, 5xx) is
   sent again, the same request with the same cookies, after a bounded backoff, up to
   --tries times; any other unexpected status stops the citizen. Every request is timed
   from its first try to its answer (backoff included: what the citizen waited).
4. A fault, when asked for, once half the citizens have started: `kill-worker` sends
   SIGKILL to one gunicorn worker (a child of the master, read from /proc);
   `restart-db` restarts the local PostgreSQL cluster (pg_ctlcluster). Failed tries are
   expected only while the fault lasts (plus a few seconds' grace); any other is an error.
5. Lost answers, counted from the database afterwards: every answer a citizen posted and
   got the redirect for (acknowledged) must be stored, in completed or unfinished sheets;
   no answer may be stored that no citizen sent; answers per completed sheet must match;
   and there must be one sheet per citizen (a retried start or open-link visit must not
   make a second one).
6. The same client pattern against bench/bare_app.py under the same gunicorn settings,
   and `wrk` against a survey GET (an unknown invitation link: HMAC plus a database look-up,
   404 page) and the bare page. The citizen question page (GET with a citizen's cookie) is
   measured by turns with the bare page, --wrk-rounds times each (the bare server is up,
   idle, from the start), and its ratio to the bare page is the median of the rounds'.

With --json, stdout is one JSON object with the same figures (the survey's and the
same-run bare baseline's, side by side) and the verdict; everything else goes to stderr.

Exit status 0 only when every citizen finished, no acknowledged answer was lost, no
sheet was doubled, no request failed outside a fault, and the server logged no error
other than the fault's own. Figures are printed, never asserted: the client, the servers
and wrk share the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import math
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:  # run as `python -m bench.load` rather than as a script
    sys.path.insert(0, str(BENCH_DIR))

from http_client import Connection, ProtocolError, Response  # noqa: E402

HOST = "127.0.0.1"

INTERNSHIP = "kl.progress.internship"
INTERNSHIP_YES, INTERNSHIP_NO = "1", "2"
COMMENT_SHARE = 0.3
COMMENTS = (
    "Min sagsbehandler var sød og hjælpsom.",
    "Jeg ventede længe på svar, men mødet var godt.",
    "Tak for hjælpen 😊 – især i praktikken på Østergade.",
    "Det er svært at forstå brevene fra jobcentret.",
    "<b>Ingen</b> lyttede til mig & mit helbred.",
    "الخدمة كانت جيدة",
)
DEFAULT_GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
SERVER_ERROR = re.compile(
    r'Traceback|\[(ERROR|CRITICAL)\]|"level": "(ERROR|CRITICAL)"|"status": 5\d\d'
)
MAX_PAGES = 30  # a citizen who has not reached the thank-you page by then is stuck

FAULTS = ("none", "kill-worker", "restart-db")
# Log lines a fault is expected to cause: gunicorn reporting the killed worker; the app
# failing requests (500, logged as such) while PostgreSQL is down.
FAULT_LOG_LINES = {
    "none": None,
    "kill-worker": re.compile(r"Worker \(pid:\d+\) was sent SIGKILL"),
    "restart-db": re.compile(
        r'"status": 50[03]\b|"message": "(unhandled error|database unavailable)"'
        r".*(OperationalError|e3q8)"
    ),
}
FAULT_GRACE = 3.0  # seconds after a fault in which a failed try is still put down to it
BACKOFF_FIRST, BACKOFF_MAX = 0.25, 4.0  # seconds: 0.25, 0.5, 1, 2, 4, 4, ... (jittered)

# What makes a try fail and be sent again: no connection, a reset or a closed connection
# mid-answer, a timeout, an answer that is not HTTP.
TRY_FAILURES = (OSError, EOFError, asyncio.TimeoutError, asyncio.LimitOverrunError, ProtocolError)

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")
TEXTAREA_RE = re.compile(r"<textarea\b[^>]*>")
ATTR_RE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')


# --- arguments -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=300, help="simulated citizens (300)")
    parser.add_argument("--concurrency", type=int, default=60, help="citizens at a time (60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--fault",
        choices=FAULTS,
        default="none",
        help="kill-worker: SIGKILL to one worker mid-run; restart-db: restart PostgreSQL "
        "mid-run (DATABASE_URL must name a local PostgreSQL)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="SQLite and PostgreSQL, each without and with its faults, in one summary table "
        "beside one bare baseline; PostgreSQL from --postgres-url or DATABASE_URL",
    )
    parser.add_argument(
        "--postgres-url",
        default="",
        help="PostgreSQL for --all (default: DATABASE_URL when it names PostgreSQL)",
    )
    parser.add_argument(
        "--restart-db-command",
        default="",
        help="command that restarts PostgreSQL and returns when it is back (default: "
        "pg_ctlcluster --skip-systemctl-redirect <version> main restart)",
    )
    parser.add_argument("--tries", type=int, default=8, help="tries per request (8)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument(
        "--wrk-rounds",
        type=int,
        default=None,
        help="question page and bare page measured by turns, this many times each; the ratio "
        "is the median of the rounds' ratios (3; 1 with --quick)",
    )
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1, help="seed for the citizens' answers")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny run for the smoke test: 20 citizens, 10 at a time, 2 workers",
    )
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk measurements")
    parser.add_argument(
        "--connections",
        choices=("per-request", "keep-alive"),
        default="keep-alive",
        help="keep-alive (default): each citizen keeps one connection, bound to the worker "
        "that accepted it, for the whole sheet; per-request: a new connection for each "
        "request, as gunicorn sees citizens behind a reverse proxy with nginx's default "
        "upstream settings, or a phone that comes back after the 5 s keep-alive",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the figures (and the bare baseline's) instead of tables",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (server logs) afterwards"
    )
    parser.add_argument(
        "--gunicorn-config",
        default=str(DEFAULT_GUNICORN_CONFIG) if DEFAULT_GUNICORN_CONFIG.exists() else "",
        help="gunicorn config for both servers (default: the project's gunicorn.conf.py); "
        "--workers and the loopback bind override it",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=None,
        help="override the config's worker recycling for both servers (0: never recycle)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.citizens = min(args.citizens, 20)
        args.concurrency = min(args.concurrency, 10)
        args.workers = min(args.workers, 2)
        args.wrk_seconds = 1
        args.run_timeout = min(args.run_timeout, 90.0)
    if args.citizens < 2 or args.concurrency < 1 or args.workers < 1 or args.tries < 1:
        parser.error("--citizens must be at least 2; --concurrency, --workers, --tries 1")
    if args.wrk_rounds is None:
        args.wrk_rounds = 1 if args.quick else 3
    if args.wrk_rounds < 1 or args.wrk_seconds < 1:
        parser.error("--wrk-rounds and --wrk-seconds must be at least 1")
    if args.fault == "kill-worker" and args.workers < 2:
        parser.error("--fault kill-worker needs at least 2 workers: one must go on serving")
    if args.all and args.fault != "none":
        parser.error("--all runs every fault itself; leave out --fault")
    environment_url = os.environ.get("DATABASE_URL", "").strip()
    if args.all:
        args.postgres_url = args.postgres_url or (
            environment_url if is_postgres_url(environment_url) else ""
        )
        if not args.postgres_url:
            parser.error("--all needs PostgreSQL: set DATABASE_URL or --postgres-url")
        args.runs = [
            ("", "none"),
            ("", "kill-worker"),
            (args.postgres_url, "none"),
            (args.postgres_url, "kill-worker"),
            (args.postgres_url, "restart-db"),
        ]
    else:
        if environment_url and not is_postgres_url(environment_url):
            parser.error(f"DATABASE_URL must name PostgreSQL or be unset, not {environment_url}")
        if args.fault == "restart-db" and not environment_url:
            parser.error("--fault restart-db needs DATABASE_URL naming PostgreSQL")
        args.runs = [(environment_url, args.fault)]
    return args


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "postgresql+"))


# --- the throwaway database --------------------------------------------------------------


class BenchDatabase:
    """A temporary SQLite file, or a PostgreSQL schema of our own that is dropped afterwards."""

    def __init__(self, workdir: Path, configured: str, name: str = "bench"):
        from sqlalchemy.engine import make_url

        from survey.core.config import normalise_database_url

        self.schema: str | None = None
        if not configured:
            self.kind = "sqlite"
            self.path = workdir / f"{name}.sqlite"
            self.url = f"sqlite:///{self.path}"
            self.base_url = self.url
            self.host = ""
            return
        base = make_url(normalise_database_url(configured))
        if base.get_backend_name() != "postgresql":
            raise SystemExit(f"bench: the database must be PostgreSQL or SQLite, not {base}")
        self.kind = "postgresql"
        self.host = base.host or ""
        self.base_url = base.render_as_string(hide_password=False)
        self.schema = "bb_bench_" + uuid.uuid4().hex[:10]
        url = base.update_query_dict({"options": f"-c search_path={self.schema}"})
        self.url = url.render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def create(self) -> None:
        if self.schema:
            with self._base_engine() as engine, engine.begin() as connection:
                from sqlalchemy import text

                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))

    def drop(self) -> None:
        """Drop our own schema (PostgreSQL); the SQLite file goes with the work directory."""
        if self.schema:
            with self._base_engine() as engine, engine.begin() as connection:
                from sqlalchemy import text

                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))

    def answers(self) -> bool:
        """Whether the database server takes a new connection and a query now."""
        if self.kind == "sqlite":
            return True
        from sqlalchemy import text

        try:
            with self._base_engine() as engine, engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # any failure to connect or query: not back yet
            return False
        return True

    def version(self) -> str:
        if self.kind == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        from sqlalchemy import text

        with self._base_engine() as engine, engine.connect() as connection:
            full = connection.execute(text("SELECT version()")).scalar_one()
        return " ".join(full.split()[:2]) + " (a schema of its own per run)"

    @contextmanager
    def _base_engine(self):
        from sqlalchemy import create_engine

        engine = create_engine(self.base_url, connect_args=self._connect_args())
        try:
            yield engine
        finally:
            engine.dispose()

    def _connect_args(self) -> dict:
        return {"connect_timeout": 5} if self.kind == "postgresql" else {}


def server_env(db: BenchDatabase, keys: dict[str, str]) -> dict[str, str]:
    """Production settings: no demo, no debug; fixed keys so every worker agrees."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BORGERBLIK_DEMO", "FLASK_DEBUG", "PUBLIC_BASE_URL"}
    }
    env.update(keys)
    env["PUBLIC_BASE_URL"] = "http://127.0.0.1"  # links are counted, never followed
    env["DATABASE_URL"] = db.url
    env["INSECURE_COOKIES"] = "1"  # plain http on loopback; production would keep Secure
    # Every simulated citizen comes from 127.0.0.1: no limit on open-link sheets per address.
    env["OPEN_LINK_COMPLETIONS_PER_ADDRESS"] = "1000000 per minute"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def migrate(env: dict[str, str], timeout: float) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: migration failed:\n{done.stdout}\n{done.stderr}")


def make_app(db: BenchDatabase, keys: dict[str, str]):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from survey import create_app

    # Production settings want the public address (links are counted, never followed).
    return create_app(
        {**keys, "SQLALCHEMY_DATABASE_URI": db.url, "PUBLIC_BASE_URL": "http://127.0.0.1"}
    )


def prepare_round(app, invited: int) -> tuple[int, str, list[str]]:
    """The Odense round of the demo, opened: its open-link code and `invited` invitations."""
    from survey.core.extensions import db
    from survey.demo.setup import ensure_demo_round
    from survey.invitations.issuing import issue_invitations

    groups = ("kontanthjaelp", "dagpenge", "sygedagpenge", "ressourceforloeb")
    with app.app_context():
        survey_round = ensure_demo_round()
        backgrounds = [{"benefit_group": groups[i % len(groups)]} for i in range(invited)]
        issued = issue_invitations(survey_round, backgrounds)
        db.session.commit()
        round_id, open_code = survey_round.id, survey_round.open_code
        pages = [page["key"] for page in survey_round.snapshot["pages"]]
        db.session.remove()
        db.engine.dispose()
    if "local" not in pages:
        raise SystemExit(f"bench: the round has no page of local questions: {pages}")
    if not open_code:
        raise SystemExit("bench: the open round has no open-link code")
    return round_id, open_code, [token for _number, token in issued]


@dataclass
class Stored:
    completed: int
    unfinished: int
    sheets: Counter  # channel -> responses (completed or not)
    values: Counter  # (item code, value) -> count, over every response of the round
    per_response: list[int]  # answers per completed response, sorted


def count_stored(app, round_id: int) -> Stored:
    from sqlalchemy import func, select

    from survey.core.extensions import db
    from survey.models import Answer, Response

    in_round = Response.round_id == round_id
    with app.app_context():
        completed = db.session.scalar(select(func.count()).where(in_round, Response.completed))
        unfinished = db.session.scalar(select(func.count()).where(in_round, ~Response.completed))
        sheets = db.session.execute(
            select(Response.channel, func.count()).where(in_round).group_by(Response.channel)
        ).all()
        rows = db.session.execute(
            select(Answer.item_code, Answer.value, func.count())
            .where(Answer.response_id.in_(select(Response.id).where(in_round)))
            .group_by(Answer.item_code, Answer.value)
        ).all()
        per_response = db.session.scalars(
            select(func.count(Answer.item_code))
            .select_from(Response)
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(in_round, Response.completed)
            .group_by(Response.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    values = Counter({(code, value): count for code, value, count in rows})
    return Stored(completed, unfinished, Counter(dict(sheets)), values, sorted(per_response))


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Gunicorn:
    """One gunicorn master (our own child process) serving `spec` on a free loopback port."""

    def __init__(
        self,
        spec: str,
        chdir: Path,
        env: dict[str, str],
        workers: int,
        config: Path,
        log: Path,
        extra: tuple[str, ...] = (),
    ):
        self.extra = extra
        self.spec = spec
        self.config = config
        self.chdir = chdir
        self.env = env
        self.workers = workers
        self.log_path = log
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str, timeout: float = 60.0) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(self.config),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--chdir",
            str(self.chdir),
            "--pythonpath",
            str(self.chdir),
            "--log-level",
            "info",  # gunicorn's own lines: boots and restarts of workers, errors
            "--capture-output",
            *self.extra,
            self.spec,
        ]
        log = self.log_path.open("w")
        try:
            self.process = subprocess.Popen(
                command, cwd=self.chdir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        with requests.Session() as probe:
            probe.trust_env = False  # loopback only: never through a proxy
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(
                        f"bench: gunicorn ({self.spec}) exited with {self.process.returncode}:\n"
                        + self.log_tail()
                    )
                try:
                    probe.get(self.base + ready_path, timeout=2, allow_redirects=False)
                except requests.RequestException:
                    time.sleep(0.1)
                    continue
                self.settle(deadline)
                return
        raise SystemExit(f"bench: gunicorn ({self.spec}) did not answer:\n" + self.log_tail())

    def settle(self, deadline: float) -> None:
        """Wait until every worker has booted: no request is in flight, so CPU falls idle.

        One worker answering does not mean the others have finished importing the app;
        their start-up must not be counted as the cost of the first citizens' pages.
        """
        booted = time.monotonic() + 30
        while time.monotonic() < min(deadline, booted):
            if self.log_text().count("Booting worker with pid") >= self.workers:
                break
            time.sleep(0.1)
        last, quiet = self.cpu_seconds(), 0
        while quiet < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            now = self.cpu_seconds()
            if math.isnan(now):
                return  # no /proc: nothing to wait on
            quiet = quiet + 1 if now - last < 0.02 else 0
            last = now

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """CPU time of the master and its workers so far, reaped workers included."""
        if self.process is None:
            return math.nan
        try:
            return tree_cpu_seconds(self.process.pid)
        except (OSError, ValueError, IndexError):
            return math.nan

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def worker_restarts(self) -> int:
        """Workers booted after the first ones, e.g. recycled by max_requests."""
        boots = self.log_text().count("Booting worker with pid")
        return max(0, boots - self.workers)

    def error_excerpt(self, matches: int = 5, after: int = 25, expected=None) -> str:
        """The first error lines of the log (those `expected` does not match), with what follows."""
        lines = self.log_text().splitlines()
        excerpts: list[str] = []
        shown_until = 0
        for n, line in enumerate(lines):
            if n >= shown_until and is_error_line(line, expected) and len(excerpts) < matches:
                excerpts.append("\n".join(lines[n : n + after]))
                shown_until = n + after
        return "\n...\n".join(excerpts)

    def errors_logged(self, expected: re.Pattern | None = None) -> int:
        """Lines that tell of a server error (tracebacks, gunicorn errors, JSON logs, 5xx),
        less those that `expected` matches (what a fault is bound to cause)."""
        return sum(1 for line in self.log_text().splitlines() if is_error_line(line, expected))

    def worker_pids(self) -> list[int]:
        """The master's live children, from /proc: its workers."""
        if self.process is None or self.process.poll() is not None:
            return []
        master, pids = self.process.pid, set()
        for task in Path(f"/proc/{master}/task").iterdir():
            with suppress(OSError, ValueError):
                pids.update(int(child) for child in (task / "children").read_text().split())
        if not pids:  # a kernel without the children file: scan every process's parent
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with suppress(OSError, ValueError, IndexError):
                    if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                        pids.add(int(stat.parent.name))
        live = []
        for pid in sorted(pids):
            with suppress(OSError, IndexError):  # a zombie (killed, not yet reaped) is no worker
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    live.append(pid)
        return live


def is_error_line(line: str, expected: re.Pattern | None = None) -> bool:
    return bool(SERVER_ERROR.search(line)) and not (expected and expected.search(line))


def tree_cpu_seconds(pid: int) -> float:
    """user + system time of a process, its reaped children and its live descendants."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    total = ticks / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        # A thread or worker may end between the listing and the read: then it is skipped.
        with suppress(OSError, ValueError, IndexError):
            for child in (task / "children").read_text().split():
                with suppress(OSError, ValueError, IndexError):
                    total += tree_cpu_seconds(int(child))
    return total


def postgres_cpu_seconds() -> float:
    """user + system time of every local PostgreSQL process (the database's side of a run;
    its background processes count too, so it is an upper bound). NaN without any."""
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            if "(postgres)" not in stat:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:13]) / os.sysconf("SC_CLK_TCK")
            found = True
    return total if found else math.nan


# --- the simulated clients ---------------------------------------------------------------


class Stuck(RuntimeError):
    """A citizen who got an unexpected answer from the server, or ran out of tries or time."""


@dataclass(frozen=True)
class FailedTry:
    """One try of a request that failed and was (or would have been) sent again."""

    at: float  # time.monotonic() when the failure was seen
    reason: str  # "HTTP 500", "ConnectionError", "ReadTimeout", ...
    request: str  # method and route, no token: "POST /svar/side/<key>"


@dataclass
class ClientResult:
    channel: str = "bare"  # "invitation", "open" or "bare"
    ok: bool = False
    error: str | None = None
    latencies: list[float] = field(default_factory=list)  # seconds, first try to answer
    by_request: dict[str, list[float]] = field(default_factory=dict)  # the same, per kind
    statuses: Counter = field(default_factory=Counter)  # every try's answer, 5xx included
    failed_tries: list[FailedTry] = field(default_factory=list)
    bytes_received: int = 0
    answers: Counter = field(default_factory=Counter)  # (code, value) acknowledged by a redirect
    answer_count: int = 0
    started_sheet: bool = False  # the start was acknowledged: one sheet must exist


class Browser:
    """A citizen's phone: its own cookies, no redirects followed silently, every request timed.

    A request whose try fails (no answer, a timeout, a 5xx) is sent again as it was, with
    the same cookies, after a jittered backoff, up to `tries` times: what a citizen does
    by pressing reload or "Send" again. Any other unexpected status stops the citizen.
    """

    def __init__(
        self, base: str, timeout: float, deadline: float, tries=1, seed=0.0, keep_alive=True
    ):
        self.timeout = timeout
        self.deadline = deadline
        self.tries = tries
        self.rng = random.Random(seed)
        self.connection = Connection(base, keep_alive)
        self.result = ClientResult()

    async def request(self, method: str, url: str, expect: int, data=None) -> Response:
        first = time.perf_counter()
        shown = route_of(method, url)
        for attempt in range(1, self.tries + 1):
            if time.monotonic() > self.deadline:
                raise Stuck("the run's time limit was reached")
            try:
                response = await self.connection.request(method, url, data, self.timeout)
            except TRY_FAILURES as error:
                reason = type(error).__name__
            else:
                self.result.statuses[response.status_code] += 1
                self.result.bytes_received += len(response.content)
                if response.status_code < 500:
                    if response.status_code != expect:
                        raise Stuck(f"{shown}: HTTP {response.status_code}, expected {expect}")
                    waited = time.perf_counter() - first
                    self.result.latencies.append(waited)
                    self.result.by_request.setdefault(kind_of(shown), []).append(waited)
                    return response
                reason = f"HTTP {response.status_code}"
            self.result.failed_tries.append(FailedTry(time.monotonic(), reason, shown))
            if attempt < self.tries:
                pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt - 1))
                await asyncio.sleep(pause * (0.5 + self.rng.random() / 2))
        raise Stuck(f"{shown}: {reason} on all {self.tries} tries")

    def close(self) -> None:
        self.connection.close()


def route_of(method: str, url: str) -> str:
    """Method and path with the secret parts blanked: tokens never reach the report."""
    path = url.split("?", 1)[0]
    path = re.sub(r"^(https?://[^/]+)?/(s|o)/[^/]+", r"/\2/<secret>", path)
    return f"{method} {path}"


def kind_of(route: str) -> str:
    """A request's kind for the latency breakdown: every page of questions as one."""
    return re.sub(r"/svar/side/[^/?]+", "/svar/side/<page>", route)


def read_form(page_html: str) -> tuple[str, str, dict[str, tuple[str, list[str]]]]:
    """csrf token, page key and the items of a page: code -> (input type, offered values)."""
    csrf = page = ""
    items: dict[str, tuple[str, list[str]]] = {}
    for tag in INPUT_RE.findall(page_html):
        attrs = {k: html.unescape(v) for k, v in ATTR_RE.findall(tag)}
        kind, name, value = attrs.get("type", "text"), attrs.get("name"), attrs.get("value", "")
        if not name:
            continue
        if name == "csrf_token":
            csrf = value
        elif name == "page":
            page = value
        elif kind in ("radio", "checkbox"):
            items.setdefault(name, (kind, []))[1].append(value)
    for tag in TEXTAREA_RE.findall(page_html):
        name = html.unescape(dict(ATTR_RE.findall(tag)).get("name", ""))
        if name:
            items[name] = ("textarea", [])
    return csrf, page, items


def choose_answers(
    items: dict[str, tuple[str, list[str]]], rng: random.Random, internship_yes: bool
) -> dict[str, str]:
    """Every shown item answered: a random scale value, yes or no, a comment for some."""
    answers = {}
    for code, (kind, values) in items.items():
        if code == INTERNSHIP:
            answers[code] = INTERNSHIP_YES if internship_yes else INTERNSHIP_NO
        elif kind == "radio":
            answers[code] = rng.choice(values)
        elif kind == "checkbox":
            chosen = set(rng.sample(values, rng.randint(1, len(values))))
            answers[code] = ";".join(v for v in values if v in chosen)  # stored in option order
        elif kind == "textarea" and rng.random() < COMMENT_SHARE:
            answers[code] = rng.choice(COMMENTS)
    return answers


def form_fields(csrf: str, page: str, answers: dict[str, str]) -> list[tuple[str, str]]:
    data = [("csrf_token", csrf), ("page", page), ("action", "next")]
    for code, value in answers.items():
        data.extend((code, single) for single in value.split(";"))  # multi: repeated fields
    return data


@dataclass(frozen=True)
class Citizen:
    number: int
    channel: str  # "invitation" or "open"
    entry: str  # the link from the text message or the poster: /s/<token> or /o/<code>
    internship_yes: bool


def plan_citizens(count: int, open_code: str, tokens: list[str]) -> list[Citizen]:
    """Every other citizen through an invitation, the rest through the open link.

    Within each channel every other citizen says yes to the internship, so both channels
    see Odense's local page.
    """
    citizens, invitations = [], iter(tokens)
    for number in range(count):
        channel = "invitation" if number % 2 == 0 else "open"
        entry = f"/s/{next(invitations)}" if channel == "invitation" else f"/o/{open_code}"
        citizens.append(Citizen(number, channel, entry, internship_yes=(number // 2) % 2 == 0))
    return citizens


def invited_count(citizens: int) -> int:
    return (citizens + 1) // 2


class Progress:
    """Counts citizens as they start; fires `on_half` once more than half have started."""

    def __init__(self, total: int):
        self.total = total
        self.started = 0
        self.half = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            self.started += 1
            if self.started > self.total // 2:
                self.half.set()


async def run_citizen(
    base: str,
    citizen: Citizen,
    seed: int,
    timeout: float,
    deadline: float,
    tries: int,
    progress: Progress | None = None,
    keep_alive: bool = True,
) -> ClientResult:
    if progress is not None:
        progress.start()
    rng = random.Random(seed * 1_000_003 + citizen.number)
    browser = Browser(base, timeout, deadline, tries, rng.random(), keep_alive)
    result = browser.result
    result.channel = citizen.channel
    try:
        entry = await browser.request("GET", citizen.entry, 303)
        landing = await browser.request("GET", entry.headers["location"], 200)
        match = CSRF_RE.search(landing.text)
        if not match:
            raise Stuck("no csrf_token on the landing page")
        started = await browser.request("POST", "/svar/start", 302, {"csrf_token": match.group(1)})
        result.started_sheet = True
        location = started.headers["location"]
        for _ in range(MAX_PAGES):
            page = await browser.request("GET", location, 200)
            csrf, key, items = read_form(page.text)
            if not csrf or not key:
                raise Stuck(f"GET {location}: no page form")
            answers = choose_answers(items, rng, citizen.internship_yes)
            posted = await browser.request("POST", location, 302, form_fields(csrf, key, answers))
            result.answers.update(answers.items())
            result.answer_count += len(answers)
            location = posted.headers["location"]
            if location.rstrip("/").endswith("/svar/tak"):
                break
        else:
            raise Stuck(f"no thank-you page after {MAX_PAGES} pages")
        await browser.request("GET", location, 200)
        result.ok = True
    except (Stuck, KeyError) as error:
        result.error = str(error)
    finally:
        browser.close()
    return result


def open_question_page(base: str, token: str, timeout: float) -> tuple[str, str]:
    """A citizen who opens an invitation and starts: the first question page's address and
    the cookie that shows it (a citizen's cookie does not change while they only look)."""
    with requests.Session() as browser:
        browser.trust_env = False
        landing = browser.get(f"{base}/s/{token}", timeout=timeout)
        csrf = CSRF_RE.search(landing.text)
        if landing.status_code != 200 or csrf is None:
            raise SystemExit(f"bench: the probe citizen's link gave HTTP {landing.status_code}")
        page = browser.post(
            f"{base}/svar/start", data={"csrf_token": csrf.group(1)}, timeout=timeout
        )
        if page.status_code != 200 or "/svar/side/" not in page.url:
            raise SystemExit(f"bench: the probe citizen could not start: HTTP {page.status_code}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        again = browser.get(page.url, timeout=timeout)
        if again.status_code != 200:
            raise SystemExit(f"bench: the probe citizen's page gave HTTP {again.status_code}")
        return page.url, cookie


async def run_bare_visitor(
    base: str, count: int, timeout: float, deadline: float, keep_alive: bool = True
) -> ClientResult:
    browser = Browser(base, timeout, deadline, keep_alive=keep_alive)
    try:
        for _ in range(count):
            await browser.request("GET", "/", 200)
        browser.result.ok = True
    except Stuck as error:
        browser.result.error = str(error)
    finally:
        browser.close()
    return browser.result


def percentile_ms(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of sorted seconds, in milliseconds."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)] * 1000


@dataclass
class Phase:
    results: list[ClientResult]
    seconds: float
    server_cpu: float = math.nan  # seconds of gunicorn CPU spent during the phase
    restarts: int = 0  # workers booted during the phase (recycled or replacing a killed one)

    @property
    def completed(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def failed(self) -> list[ClientResult]:
        return [r for r in self.results if not r.ok]

    @property
    def latencies(self) -> list[float]:
        return sorted(x for r in self.results for x in r.latencies)

    @property
    def requests(self) -> int:
        return sum(len(r.latencies) for r in self.results)

    @property
    def failed_tries(self) -> list[FailedTry]:
        return sorted((f for r in self.results for f in r.failed_tries), key=lambda f: f.at)

    @property
    def statuses(self) -> Counter:
        total: Counter = Counter()
        for r in self.results:
            total.update(r.statuses)
        return total

    def percentile_ms(self, p: float) -> float:
        return percentile_ms(self.latencies, p)

    def by_request(self) -> dict[str, list[float]]:
        """Each kind of request's latencies, sorted, kinds in the order first seen."""
        kinds: dict[str, list[float]] = {}
        for result in self.results:
            for kind, values in result.by_request.items():
                kinds.setdefault(kind, []).extend(values)
        return {kind: sorted(values) for kind, values in kinds.items()}

    def per_second(self, count: int) -> float:
        return count / self.seconds if self.seconds > 0 else math.nan


def run_phase(jobs, concurrency: int) -> Phase:
    """Run coroutine functions `concurrency` at a time, in order, on one event loop (the
    light client: see bench/http_client.py); wall time from first start to last finish."""

    async def run_all() -> list[ClientResult]:
        results: list[ClientResult | None] = [None] * len(jobs)
        waiting = iter(enumerate(jobs))

        async def runner() -> None:
            for number, job in waiting:  # each runner takes the next citizen when free
                results[number] = await job()

        await asyncio.gather(*(runner() for _ in range(min(concurrency, len(jobs)))))
        return results  # type: ignore[return-value]

    started = time.perf_counter()
    results = asyncio.run(run_all())
    return Phase(results, time.perf_counter() - started)


def split_evenly(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# --- faults ------------------------------------------------------------------------------


class Fault:
    """One fault, injected from its own thread once more than half the citizens have started.

    `began` and `ended` (time.monotonic()) bound the window in which failed tries are
    expected: from the kill to the kill for a worker (its requests fail at once), from the
    restart command to the first query PostgreSQL answers again for the database.
    """

    def __init__(self, kind: str, server: Gunicorn, db: BenchDatabase, restart_command, seed):
        self.kind = kind
        self.server = server
        self.db = db
        self.restart_command = restart_command
        self.rng = random.Random(seed)
        self.began: float | None = None
        self.ended: float | None = None
        self.detail = ""
        self.error: str | None = None
        self.progress: Progress | None = None
        self.armed_at = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"fault-{kind}", daemon=True)

    def arm(self, progress: Progress) -> None:
        self.progress = progress
        self.armed_at = time.monotonic()
        self.thread.start()

    def disarm(self, timeout: float = 120.0) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
        if self.began is None and self.error is None:
            self.error = "the fault was never injected (the run ended first)"

    def _run(self) -> None:
        while not self.progress.half.wait(0.05):
            if self.stopping.is_set():
                return
        try:
            if self.kind == "kill-worker":
                self._kill_worker()
            else:
                self._restart_db()
        except Exception as error:  # reported, and the run fails
            self.error = f"{type(error).__name__}: {error}"
        if self.began is not None:
            self.detail += f"; at {self.began - self.armed_at:.1f} s into the run"

    def _kill_worker(self) -> None:
        pids = self.server.worker_pids()
        if len(pids) < 2:
            raise RuntimeError(f"found {len(pids)} workers under the master, need 2 or more")
        victim = self.rng.choice(pids)
        self.began = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        self.ended = time.monotonic()
        # The master must put a new worker in its place.
        deadline = self.ended + 60
        while time.monotonic() < deadline and not self.stopping.is_set():
            now = self.server.worker_pids()
            if victim not in now and len(now) >= self.server.workers:
                self.detail = (
                    f"worker killed: pid {victim} of {len(pids)} sent SIGKILL; "
                    f"the master started another {time.monotonic() - self.ended:.1f} s later"
                )
                return
            time.sleep(0.05)
        self.detail = f"worker killed: pid {victim} sent SIGKILL; not replaced in time"
        raise RuntimeError(f"gunicorn did not replace the killed worker {victim}")

    def _restart_db(self) -> None:
        self.began = time.monotonic()
        done = subprocess.run(
            self.restart_command, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            self.ended = time.monotonic()
            raise RuntimeError(
                f"{shlex.join(self.restart_command)} exited with {done.returncode}: "
                f"{(done.stderr or done.stdout).strip()}"
            )
        returned = time.monotonic()
        deadline = returned + 60
        while not self.db.answers():
            if time.monotonic() > deadline:
                self.ended = time.monotonic()
                raise RuntimeError("PostgreSQL did not answer within 60 s of its restart")
            time.sleep(0.05)
        self.ended = time.monotonic()
        self.detail = (
            f"database restarted: `{shlex.join(self.restart_command)}` took "
            f"{returned - self.began:.1f} s, queries answered again after "
            f"{self.ended - self.began:.1f} s"
        )

    def expected(self, failed: FailedTry) -> bool:
        """A failed try that this fault explains: seen between its start and the grace end."""
        if self.began is None or self.ended is None:
            return False
        return self.began <= failed.at <= self.ended + FAULT_GRACE


def restart_db_command(args, db: BenchDatabase) -> list[str]:
    """How to restart PostgreSQL: --restart-db-command, or the local cluster's pg_ctlcluster."""
    if args.restart_db_command:
        return shlex.split(args.restart_db_command)
    if db.host not in ("", "127.0.0.1", "localhost", "::1"):
        raise SystemExit(
            f"bench: --fault restart-db restarts the local cluster, but the database is on "
            f"{db.host}; give --restart-db-command"
        )
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*") if p.is_dir())
    if not versions or not shutil.which("pg_ctlcluster"):
        raise SystemExit("bench: no local PostgreSQL cluster found; give --restart-db-command")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]


# --- wrk ---------------------------------------------------------------------------------


@dataclass
class WrkFigures:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: str
    server_cpu: float = math.nan  # seconds of gunicorn CPU during the wrk run
    restarts: int = 0  # workers booted during the wrk run
    database_cpu: float = math.nan  # seconds of PostgreSQL CPU during the run (not SQLite's)

    @property
    def cpu_per_request_ms(self) -> float:
        return self.server_cpu * 1000 / self.requests if self.requests else math.nan

    @property
    def database_cpu_per_request_ms(self) -> float:
        return self.database_cpu * 1000 / self.requests if self.requests else math.nan


def measure_wrk(
    server: Gunicorn, url: str, args, threads: int, headers: tuple[str, ...] = ()
) -> WrkFigures | str:
    if args.no_wrk:
        return "skipped"
    before, restarts = server.cpu_seconds(), server.worker_restarts()
    database_before = (
        postgres_cpu_seconds() if "postgresql" in server.env.get("DATABASE_URL", "") else math.nan
    )
    figures = run_wrk(url, threads, args.concurrency, args.wrk_seconds, headers)
    if isinstance(figures, WrkFigures):
        figures.server_cpu = server.cpu_seconds() - before
        figures.restarts = server.worker_restarts() - restarts
        figures.database_cpu = postgres_cpu_seconds() - database_before
    return figures


@dataclass
class WrkPair:
    """The question page and the bare page measured by turns (page, bare, page, bare, ...),
    both servers up and idle between their turns. On 2 shared cores one 5-second wrk run
    drifted by a third from one minute to the next (0.21-0.28 x over five runs of the same
    code): measured minutes apart, the two pages met different machines. By turns, each
    ratio compares neighbours, and the median of the rounds' ratios is the figure."""

    survey: list[WrkFigures]
    bare: list[WrkFigures]

    @property
    def ratios(self) -> list[float]:
        return [s.rps / b.rps for s, b in zip(self.survey, self.bare, strict=True) if b.rps]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else math.nan

    @property
    def survey_figures(self) -> WrkFigures:
        return combined(self.survey)

    @property
    def bare_figures(self) -> WrkFigures:
        return combined(self.bare)


def combined(rounds: list[WrkFigures]) -> WrkFigures:
    """Several wrk runs of one URL as one: the median of their rates and latencies, the
    sums of their requests and CPU (so CPU per request is over every round)."""
    return WrkFigures(
        rps=statistics.median(r.rps for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        requests=sum(r.requests for r in rounds),
        non_2xx_3xx=sum(r.non_2xx_3xx for r in rounds),
        socket_errors="; ".join(sorted({r.socket_errors for r in rounds})),
        server_cpu=sum(r.server_cpu for r in rounds),
        restarts=sum(r.restarts for r in rounds),
        database_cpu=sum(r.database_cpu for r in rounds),
    )


def measure_wrk_by_turns(
    survey: Gunicorn, url: str, bare: Gunicorn, args, threads: int, headers: tuple[str, ...]
) -> WrkPair | str:
    if args.no_wrk:
        return "skipped"
    pair = WrkPair([], [])
    for _round in range(args.wrk_rounds):
        page = measure_wrk(survey, url, args, threads, headers)
        baseline = measure_wrk(bare, bare.base + "/", args, threads)
        if isinstance(page, str) or isinstance(baseline, str):
            return f"survey {page}; bare {baseline}" if isinstance(page, str) else baseline
        pair.survey.append(page)
        pair.bare.append(baseline)
    return pair


def run_wrk(
    url: str, threads: int, connections: int, seconds: int, headers: tuple[str, ...] = ()
) -> WrkFigures | str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk not installed"
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        *[part for header in headers for part in ("-H", header)],
        url,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    except subprocess.TimeoutExpired:
        return "wrk did not finish"
    out = done.stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if done.returncode != 0 or not rps:
        return f"wrk failed: {done.stderr.strip() or out.strip()}"
    total = re.search(r"(\d+) requests in", out)
    non = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    sock = re.search(r"Socket errors:\s*(.+)", out)
    return WrkFigures(
        rps=float(rps.group(1)),
        p50_ms=_wrk_ms(out, "50%"),
        p99_ms=_wrk_ms(out, "99%"),
        requests=int(total.group(1)) if total else 0,
        non_2xx_3xx=int(non.group(1)) if non else 0,
        socket_errors=sock.group(1).strip() if sock else "none",
    )


def _wrk_ms(out: str, label: str) -> float:
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if not match:
        return math.nan
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]
    return float(match.group(1)) * scale


# --- report ------------------------------------------------------------------------------


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"
    return f"{value:,}"


def ratio(a, b, digits: int = 2) -> str:
    if not a or not b or (isinstance(a, float) and math.isnan(a)) or math.isnan(float(b)):
        return "-"
    return f"{a / b:.{digits}f}"


def table(title: str, header: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [header, *[tuple(str(c) for c in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title]
    for n, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = "  ".join(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
        lines.append(f"  {first}  {rest}")
        if n == 0:
            lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
    return "\n".join(lines)


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over `seconds` (from /proc/stat): others using the machine."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return math.nan
    return 100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0))


def gunicorn_settings(config: Path, workers: int, max_requests: int | None) -> str:
    """How both servers run: the config file's worker class and threads, our worker count."""
    import runpy

    try:
        settings = runpy.run_path(str(config))
    except Exception as error:  # a broken config shows up again when gunicorn starts
        return f"{workers} workers, config {config.name} unreadable: {error}"
    kind = settings.get("worker_class", "sync")
    threads = settings.get("threads", 1)
    shape = f"{workers} {kind} workers" + (f" x {threads} threads" if kind == "gthread" else "")
    recycle = settings.get("max_requests", 0) if max_requests is None else max_requests
    jitter = settings.get("max_requests_jitter", 0) if max_requests is None else 0
    recycling = f"recycled after {recycle}+{jitter} requests" if recycle else "never recycled"
    name = config.name if config.stat().st_size else "no config file"
    return f"{shape}, {recycling} ({name})"


def machine_facts(args, databases: list[BenchDatabase], config: Path) -> list[str]:
    import gunicorn

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wrk = shutil.which("wrk")
    return [
        f"machine   {os.cpu_count()} cores ({usable} usable){', ' + model if model else ''}; "
        f"{platform.system()} {platform.machine()}",
        f"load      CPU {cpu_busy():.0f} % busy in the second before the run; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"python    {platform.python_implementation()} {platform.python_version()}; "
        f"gunicorn {gunicorn.__version__}, {gunicorn_settings(config, args.workers, args.max_requests)}; "
        f"wrk {'yes' if wrk else 'not installed'}",
        "database  " + "; ".join(dict.fromkeys(db.version() for db in databases)),
        f"run       {args.citizens} citizens ({invited_count(args.citizens)} by invitation, "
        f"{args.citizens - invited_count(args.citizens)} by the open link), "
        f"{args.concurrency} at a time, up to {args.tries} tries a request, seed {args.seed}; "
        f"a connection {'per citizen' if args.connections == 'keep-alive' else 'per request'}; "
        "client (one asyncio thread), servers and wrk share this machine",
    ]


# --- runs --------------------------------------------------------------------------------


@dataclass
class Run:
    """One survey run: a database, a server, the citizens, perhaps a fault."""

    db: BenchDatabase
    fault_kind: str
    phase: Phase
    stored: Stored
    server: Gunicorn
    errors: int  # error lines in the server's log
    unexpected_errors: int  # ... that the fault does not explain
    fault: Fault | None
    wrk: WrkFigures | str
    unknown_status: int | None
    # GET of a question page with a citizen's cookie, by turns with the bare page
    wrk_page: WrkPair | str = "skipped"

    @property
    def label(self) -> str:
        return self.db.label + ("" if self.fault_kind == "none" else f", {self.fault_kind}")

    @property
    def short_label(self) -> str:
        name = "SQLite" if self.db.kind == "sqlite" else "PG"
        return (
            name + {"none": "", "kill-worker": " kill", "restart-db": " restart"}[self.fault_kind]
        )


@dataclass
class Bare:
    phase: Phase
    wrk: WrkFigures | str
    server: Gunicorn
    errors: int


@dataclass
class Verdict:
    """What the database holds against what the citizens were told, and what failed."""

    finished: int
    invited_finished: int
    open_finished: int
    acknowledged: int  # answers acknowledged by a redirect, every citizen
    stored: int  # answers stored, every sheet of the round
    lost: int
    extra: int
    per_response_ok: bool
    sheets_expected: Counter  # channel -> citizens whose start was acknowledged
    duplicates: int
    missing_sheets: int
    with_local: int
    failed_tries: list[FailedTry]
    outside_fault: list[FailedTry]
    failures: list[str]


def judge(run: Run) -> Verdict:
    results, stored = run.phase.results, run.stored
    finished = [r for r in results if r.ok]
    sent: Counter = Counter()
    for r in results:
        sent.update(r.answers)
    lost = sum(max(0, n - stored.values.get(k, 0)) for k, n in sent.items())
    extra = sum(max(0, n - sent.get(k, 0)) for k, n in stored.values.items())
    per_response_ok = sorted(r.answer_count for r in finished) == stored.per_response
    expected = Counter(r.channel for r in results if r.started_sheet)
    channels = set(expected) | set(stored.sheets)
    duplicates = sum(max(0, stored.sheets[c] - expected[c]) for c in channels)
    missing = sum(max(0, expected[c] - stored.sheets[c]) for c in channels)
    failed_tries = run.phase.failed_tries
    outside = [f for f in failed_tries if run.fault is None or not run.fault.expected(f)]

    failures = []
    if lost:
        failures.append(f"{lost} acknowledged answers lost")
    if extra:
        failures.append(f"{extra} answers stored that no citizen was told were saved")
    if not per_response_ok:
        failures.append("answers per completed response differ from what citizens sent")
    if stored.completed != len(finished):
        failures.append(f"{stored.completed} responses completed, {len(finished)} citizens done")
    if duplicates:
        failures.append(f"{duplicates} responses more than citizens who started one")
    if missing:
        failures.append(f"{missing} acknowledged starts without a response")
    failed = run.phase.failed
    if failed:
        reasons = Counter(r.error for r in failed)
        failures.append(
            f"{len(failed)} citizens did not finish: "
            + "; ".join(f"{n} x {why}" for why, n in reasons.most_common(5))
        )
    if outside:
        reasons = Counter(f"{f.request}: {f.reason}" for f in outside)
        failures.append(
            f"{len(outside)} failed tries outside the fault: "
            + "; ".join(f"{n} x {why}" for why, n in reasons.most_common(5))
        )
    if run.unexpected_errors:
        failures.append(f"{run.unexpected_errors} unexpected errors in the server's log")
    if run.fault is not None and run.fault.error:
        failures.append(f"fault {run.fault_kind}: {run.fault.error}")
    return Verdict(
        finished=len(finished),
        invited_finished=sum(r.channel == "invitation" for r in finished),
        open_finished=sum(r.channel == "open" for r in finished),
        acknowledged=sum(sent.values()),
        stored=sum(stored.values.values()),
        lost=lost,
        extra=extra,
        per_response_ok=per_response_ok,
        sheets_expected=expected,
        duplicates=duplicates,
        missing_sheets=missing,
        with_local=sum(
            1 for r in finished if any(code.startswith("odense.") for code, _ in r.answers)
        ),
        failed_tries=failed_tries,
        outside_fault=outside,
        failures=failures,
    )


def run_survey(args, number: int, db: BenchDatabase, fault_kind: str, setup, bare: Gunicorn) -> Run:
    keys, workdir, config, extra, wrk_threads, servers = setup
    restart = restart_db_command(args, db) if fault_kind == "restart-db" else None
    env = server_env(db, keys)
    db.create()
    migrate(env, timeout=180)
    app = make_app(db, keys)
    round_id, open_code, tokens = prepare_round(app, invited_count(args.citizens) + 1)
    probe_token = tokens.pop()  # for wrk on a question page, after the citizens
    citizens = plan_citizens(args.citizens, open_code, tokens)

    survey = Gunicorn(
        "wsgi:app", ROOT, env, args.workers, config, workdir / f"survey-{number}.log", extra
    )
    servers.append(survey)
    survey.start(ready_path="/s/" + secrets.token_urlsafe(20))
    progress = Progress(len(citizens))
    fault = None if fault_kind == "none" else Fault(fault_kind, survey, db, restart, args.seed)
    deadline = time.monotonic() + args.run_timeout
    keep_alive = args.connections == "keep-alive"
    jobs = [
        (lambda c=c: run_citizen(
            survey.base, c, args.seed, args.request_timeout, deadline, args.tries, progress,
            keep_alive,
        ))
        for c in citizens
    ]  # fmt: skip
    cpu_before = survey.cpu_seconds()
    if fault is not None:
        fault.arm(progress)
    try:
        phase = run_phase(jobs, args.concurrency)
    finally:
        if fault is not None:
            fault.disarm()
    phase.server_cpu = survey.cpu_seconds() - cpu_before
    phase.restarts = survey.worker_restarts()
    stored = count_stored(app, round_id)  # before the probe citizen starts a sheet
    unknown_status, wrk, wrk_page = None, "skipped", "skipped"
    if fault_kind == "none" or not args.all:
        unknown = f"{survey.base}/s/{secrets.token_urlsafe(20)}"
        with requests.Session() as probe:
            probe.trust_env = False
            unknown_status = probe.get(unknown, timeout=args.request_timeout).status_code
        wrk = measure_wrk(survey, unknown, args, wrk_threads)
        if not args.no_wrk:
            page_url, cookie = open_question_page(survey.base, probe_token, args.request_timeout)
            wrk_page = measure_wrk_by_turns(
                survey, page_url, bare, args, wrk_threads, headers=(f"Cookie: {cookie}",)
            )
    survey.stop()
    return Run(
        db=db,
        fault_kind=fault_kind,
        phase=phase,
        stored=stored,
        server=survey,
        errors=survey.errors_logged(),
        unexpected_errors=survey.errors_logged(expected=FAULT_LOG_LINES[fault_kind]),
        fault=fault,
        wrk=wrk,
        unknown_status=unknown_status,
        wrk_page=wrk_page,
    )


def start_bare(args, setup) -> Gunicorn:
    """The bare Flask app under the same gunicorn settings, up from the start of the run:
    wrk measures it by turns with each survey's question page (idle otherwise)."""
    keys, workdir, config, extra, _wrk_threads, servers = setup
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(keys)
    env["PYTHONUNBUFFERED"] = "1"
    bare = Gunicorn(
        "bare_app:app", BENCH_DIR, env, args.workers, config, workdir / "bare.log", extra
    )
    servers.append(bare)
    bare.start(ready_path="/")
    return bare


def run_bare(args, requests_total: int, setup, bare: Gunicorn) -> Bare:
    """The same client pattern, the same number of requests, against the bare Flask app."""
    wrk_threads = setup[4]
    counts = split_evenly(requests_total, args.citizens)
    deadline = time.monotonic() + args.run_timeout
    jobs = [
        (
            lambda n=n: run_bare_visitor(
                bare.base, n, args.request_timeout, deadline, args.connections == "keep-alive"
            )
        )
        for n in counts
    ]
    cpu_before = bare.cpu_seconds()
    phase = run_phase(jobs, args.concurrency)
    phase.server_cpu = bare.cpu_seconds() - cpu_before
    phase.restarts = bare.worker_restarts()
    wrk = measure_wrk(bare, bare.base + "/", args, wrk_threads)
    bare.stop()
    return Bare(phase, wrk, bare, bare.errors_logged())


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A polite kill (SIGTERM, e.g. from a test's timeout) still stops our servers and
    # drops our schemas in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="borgerblik-bench-"))
    keys = {
        "SECRET_KEY": secrets.token_hex(32),
        "TOKEN_KEY": secrets.token_hex(32),
        "CONTACT_KEY": secrets.token_hex(32),
    }
    servers: list[Gunicorn] = []
    databases = [
        BenchDatabase(workdir, url, f"run{n}") for n, (url, _fault) in enumerate(args.runs)
    ]
    try:
        if args.gunicorn_config:
            config = Path(args.gunicorn_config).resolve()
        else:  # an empty file, so neither server picks up a gunicorn.conf.py from its cwd
            config = workdir / "gunicorn.empty.conf.py"
            config.write_text("")
        extra = () if args.max_requests is None else ("--max-requests", str(args.max_requests))
        wrk_threads = setup_threads()
        setup = (keys, workdir, config, extra, wrk_threads, servers)
        for db, (_url, fault_kind) in zip(databases, args.runs, strict=True):
            if fault_kind == "restart-db":
                restart_db_command(args, db)  # before any run: can it be done at all?
        facts = machine_facts(args, databases, config)
        bare_server = start_bare(args, setup)
        runs = []
        for number, (db, (_url, fault_kind)) in enumerate(zip(databases, args.runs, strict=True)):
            run = run_survey(args, number, db, fault_kind, setup, bare_server)
            runs.append(run)
            if args.all:
                verdict = judge(run)
                print(
                    f"run {number + 1}/{len(args.runs)}: {run.label}: "
                    f"{verdict.finished}/{args.citizens} citizens in {run.phase.seconds:.1f} s, "
                    f"{len(verdict.failed_tries)} failed tries, lost answers {verdict.lost}"
                    + (f"; {run.fault.detail}" if run.fault and run.fault.detail else "")
                    + ("" if not verdict.failures else "; FAILED"),
                    file=sys.stderr if args.json else sys.stdout,
                    flush=True,
                )
        bare = run_bare(args, runs[0].phase.requests, setup, bare_server)
        if args.json:
            return report_json(args, facts, runs, bare)
        if args.all:
            return report_all(args, facts, runs, bare)
        return report_one(args, facts, runs[0], bare)
    finally:
        for server in servers:
            server.stop()
        for db in databases:
            with suppress(Exception):  # a schema never made, or a database gone: nothing to do
                db.drop()
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr if args.json else sys.stdout)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# --- reports -----------------------------------------------------------------------------


def pages_per_citizen(phase: Phase) -> float:
    return phase.requests / len(phase.results) if phase.results else math.nan


def cpu_per_page(phase: Phase) -> float:
    return phase.server_cpu * 1000 / phase.requests if phase.requests else math.nan


def bytes_per_page(phase: Phase) -> float:
    total = sum(r.bytes_received for r in phase.results)
    return total / phase.requests if phase.requests else math.nan


def tries_summary(tries: list[FailedTry]) -> str:
    if not tries:
        return "none"
    return ", ".join(f"{n} x {why}" for why, n in Counter(f.reason for f in tries).most_common())


def report_one(args, facts: list[str], run: Run, bare: Bare) -> int:
    s, b = run.phase, bare.phase
    v = judge(run)
    fault_rows = []
    if run.fault is not None:
        in_window = len(v.failed_tries) - len(v.outside_fault)
        fault_rows = [("failed tries in the fault's window", fmt(in_window), "-", "")]
    rows = [
        ("completed citizens", fmt(s.completed), fmt(b.completed), ""),
        ("failed citizens", fmt(len(s.failed)), fmt(len(b.failed)), ""),
        ("wall time (s)", fmt(s.seconds, 2), fmt(b.seconds, 2), ratio(s.seconds, b.seconds)),
        (
            "citizens/second",
            fmt(s.per_second(s.completed), 1),
            fmt(b.per_second(b.completed), 1),
            ratio(s.per_second(s.completed), b.per_second(b.completed)),
        ),
        (
            "requests/second",
            fmt(s.per_second(s.requests), 1),
            fmt(b.per_second(b.requests), 1),
            ratio(s.per_second(s.requests), b.per_second(b.requests)),
        ),
        *[
            (
                f"latency p{p} (ms)",
                fmt(s.percentile_ms(p), 1),
                fmt(b.percentile_ms(p), 1),
                ratio(s.percentile_ms(p), b.percentile_ms(p)),
            )
            for p in (50, 95, 99)
        ],
        (
            "server CPU per request (ms)",
            fmt(cpu_per_page(s), 2),
            fmt(cpu_per_page(b), 2),
            ratio(cpu_per_page(s), cpu_per_page(b)),
        ),
        ("requests", fmt(s.requests), fmt(b.requests), ""),
        ("requests per citizen", fmt(pages_per_citizen(s), 1), fmt(pages_per_citizen(b), 1), ""),
        ("bytes per request", fmt(bytes_per_page(s), 0), fmt(bytes_per_page(b), 0), ""),
        ("failed tries, sent again", fmt(len(v.failed_tries)), fmt(len(b.failed_tries)), ""),
        *fault_rows,
        ("failed tries outside a fault", fmt(len(v.outside_fault)), fmt(len(b.failed_tries)), ""),
        ("worker restarts", fmt(s.restarts), fmt(b.restarts), ""),
        ("server errors logged", fmt(run.errors), fmt(bare.errors), ""),
        ("... not explained by the fault", fmt(run.unexpected_errors), fmt(bare.errors), ""),
        ("lost answers", fmt(v.lost), "-", ""),
    ]
    print("Borgerblik bench: citizens answering a round through gunicorn (bench/load.py)")
    for line in facts:
        print("  " + line)
    print(f"  fault     {describe_fault(run)}")
    print()
    print(
        table(
            "Citizens (bench/http_client.py, one event loop, a connection each; every request timed)",
            ("", "survey", "bare Flask", "survey/bare"),
            rows,
        )
    )
    print(
        "  requests = every HTTP request of a citizen: invitation or open link (303), landing,"
        "\n  start (302), GET and POST of each page of questions, thank-you page; no static"
        "\n  files. Latency runs from a request's first try to its answer, retries included."
        "\n  server CPU = user + system time of the gunicorn master and workers during the run"
        "\n  (not the database server's): the figure least disturbed by a busy machine."
    )
    print(f"  HTTP statuses (survey, every try): {dict(sorted(s.statuses.items()))}")
    print(f"  failed tries (survey): {tries_summary(v.failed_tries)}")
    print()
    print(
        table(
            "Latency by kind of request (survey)",
            ("", "requests", "p50 (ms)", "p95 (ms)", "max (ms)"),
            [
                (
                    kind,
                    fmt(len(values)),
                    fmt(percentile_ms(values, 50), 1),
                    fmt(percentile_ms(values, 95), 1),
                    fmt(values[-1] * 1000, 1),
                )
                for kind, values in s.by_request().items()
            ],
        )
    )
    print()
    print(answers_table(run, v))
    print(f"lost answers  {v.lost}")
    print()
    wrk_title = f"wrk -t{setup_threads()} -c{args.concurrency} -d{args.wrk_seconds}s"
    print(page_wrk_table(wrk_title, args.wrk_rounds, run.wrk_page))
    print(
        wrk_table(
            f"{wrk_title}: survey GET /s/<unknown token> (HTTP {run.unknown_status}: "
            "HMAC + database look-up) vs bare GET /",
            run.wrk,
            bare.wrk,
        )
    )
    return verdict_exit([(run, v)], bare)


def page_wrk_table(wrk_title: str, rounds: int, pair: WrkPair | str) -> str:
    title = (
        f"{wrk_title}, {rounds} rounds by turns: survey GET of a question page with a "
        "citizen's cookie vs bare GET / (medians; CPU over every round)"
    )
    if not isinstance(pair, WrkPair):
        return f"{title}\n  wrk: {pair}\n"
    by_round = "  by round, page/bare req/s: " + ", ".join(
        f"{s.rps:,.0f}/{b.rps:,.0f} = {s.rps / b.rps:.2f}" if b.rps else "-"
        for s, b in zip(pair.survey, pair.bare, strict=True)
    )
    return (
        wrk_table(title, pair.survey_figures, pair.bare_figures, ratio_of_rates=pair.ratio)
        + "\n"
        + by_round
        + "\n"
    )


def wrk_table(
    title: str, ws: WrkFigures | str, wb: WrkFigures | str, ratio_of_rates: float | None = None
) -> str:
    if not (isinstance(ws, WrkFigures) and isinstance(wb, WrkFigures)):
        return f"{title}\n  wrk: survey {ws}; bare {wb}\n"
    return table(
        title,
        ("", "survey", "bare Flask", "survey/bare"),
        [
            (
                "requests/second",
                fmt(ws.rps, 1),
                fmt(wb.rps, 1),
                ratio(ws.rps, wb.rps) if ratio_of_rates is None else fmt(ratio_of_rates, 2),
            ),
            ("latency p50 (ms)", fmt(ws.p50_ms, 2), fmt(wb.p50_ms, 2), ratio(ws.p50_ms, wb.p50_ms)),
            ("latency p99 (ms)", fmt(ws.p99_ms, 2), fmt(wb.p99_ms, 2), ratio(ws.p99_ms, wb.p99_ms)),
            (
                "server CPU per request (ms)",
                fmt(ws.cpu_per_request_ms, 2),
                fmt(wb.cpu_per_request_ms, 2),
                ratio(ws.cpu_per_request_ms, wb.cpu_per_request_ms),
            ),
            ("PostgreSQL CPU per request (ms)", fmt(ws.database_cpu_per_request_ms, 2), "-", ""),
            ("requests", fmt(ws.requests), fmt(wb.requests), ""),
            ("worker restarts", fmt(ws.restarts), fmt(wb.restarts), ""),
            ("non-2xx/3xx responses", fmt(ws.non_2xx_3xx), fmt(wb.non_2xx_3xx), ""),
            ("socket errors", ws.socket_errors, wb.socket_errors, ""),
        ],
    )  # fmt: skip


def answers_table(run: Run, v: Verdict) -> str:
    stored = run.stored
    return table(
        "Answers: what citizens were told was saved (a redirect) vs the database afterwards",
        ("", "count"),
        [
            ("citizens finished (invitation + open link)", f"{v.finished} ({v.invited_finished} + {v.open_finished})"),
            ("responses in the database (invitation + open link)", f"{sum(stored.sheets.values())} ({stored.sheets['invitation']} + {stored.sheets['open']})"),
            ("responses completed", fmt(stored.completed)),
            ("responses left unfinished", fmt(stored.unfinished)),
            ("duplicate responses (more than citizens who started)", fmt(v.duplicates)),
            ("citizens answering Odense's local page", fmt(v.with_local)),
            ("answers acknowledged", fmt(v.acknowledged)),
            ("answers stored", fmt(v.stored)),
            ("answers per completed response match", "yes" if v.per_response_ok else "NO"),
            ("answers stored but never acknowledged", fmt(v.extra)),
        ],
    )  # fmt: skip


def describe_fault(run: Run) -> str:
    if run.fault is None:
        return "none"
    if run.fault.error and not run.fault.detail:
        return f"{run.fault_kind}: {run.fault.error}"
    return run.fault.detail + (f" ({run.fault.error})" if run.fault.error else "")


def setup_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def report_all(args, facts: list[str], runs: list[Run], bare: Bare) -> int:
    verdicts = [judge(run) for run in runs]
    b = bare.phase

    def row(label, per_run, bare_value="-"):
        return (
            label,
            *[per_run(run, v) for run, v in zip(runs, verdicts, strict=True)],
            bare_value,
        )

    def wrk_rps(figures):
        return fmt(figures.rps, 1) if isinstance(figures, WrkFigures) else "-"

    def wrk_cpu(figures):
        return fmt(figures.cpu_per_request_ms, 2) if isinstance(figures, WrkFigures) else "-"

    def page_side(run: Run, side: str):
        if not isinstance(run.wrk_page, WrkPair):
            return run.wrk_page
        return run.wrk_page.survey_figures if side == "survey" else run.wrk_page.bare_figures

    def page_ratio(run: Run) -> str:
        return fmt(run.wrk_page.ratio, 2) if isinstance(run.wrk_page, WrkPair) else "-"

    rows = [
        row("completed citizens", lambda r, v: fmt(v.finished), fmt(b.completed)),
        row("failed citizens", lambda r, v: fmt(len(r.phase.failed)), fmt(len(b.failed))),
        row("wall time (s)", lambda r, v: fmt(r.phase.seconds, 1), fmt(b.seconds, 1)),
        row(
            "citizens/second",
            lambda r, v: fmt(r.phase.per_second(v.finished), 1),
            fmt(b.per_second(b.completed), 1),
        ),
        row(
            "requests/second",
            lambda r, v: fmt(r.phase.per_second(r.phase.requests), 1),
            fmt(b.per_second(b.requests), 1),
        ),
        *[
            row(
                f"latency p{p} (ms)",
                lambda r, v, p=p: fmt(r.phase.percentile_ms(p), 1),
                fmt(b.percentile_ms(p), 1),
            )
            for p in (50, 95, 99)
        ],
        row(
            "server CPU per request (ms)",
            lambda r, v: fmt(cpu_per_page(r.phase), 2),
            fmt(cpu_per_page(b), 2),
        ),
        row("requests", lambda r, v: fmt(r.phase.requests), fmt(b.requests)),
        row("failed tries, sent again", lambda r, v: fmt(len(v.failed_tries)), fmt(len(b.failed_tries))),
        row("... of them HTTP 5xx", lambda r, v: fmt(sum(f.reason.startswith("HTTP 5") for f in v.failed_tries))),
        row("failed tries outside a fault", lambda r, v: fmt(len(v.outside_fault)), fmt(len(b.failed_tries))),
        row("worker restarts", lambda r, v: fmt(r.phase.restarts), fmt(b.restarts)),
        row("responses in the database", lambda r, v: fmt(sum(r.stored.sheets.values()))),
        row("duplicate responses", lambda r, v: fmt(v.duplicates)),
        row("answers acknowledged", lambda r, v: fmt(v.acknowledged)),
        row("answers stored", lambda r, v: fmt(v.stored)),
        row("lost answers", lambda r, v: fmt(v.lost)),
        row("unexpected server errors", lambda r, v: fmt(r.unexpected_errors), fmt(bare.errors)),
        row(f"wrk req/s, -c{args.concurrency} {args.wrk_seconds}s", lambda r, v: wrk_rps(r.wrk), wrk_rps(bare.wrk)),
        row(f"wrk question page req/s (median of {args.wrk_rounds})", lambda r, v: wrk_rps(page_side(r, "survey")), wrk_rps(bare.wrk)),
        row("... bare page req/s, by turns with it", lambda r, v: wrk_rps(page_side(r, "bare"))),
        row("... × bare page (median of the rounds)", lambda r, v: page_ratio(r)),
        row("... server CPU/request (ms)", lambda r, v: wrk_cpu(page_side(r, "survey")), wrk_cpu(bare.wrk)),
        row("... bare server CPU/request (ms)", lambda r, v: wrk_cpu(page_side(r, "bare"))),
    ]  # fmt: skip
    print()
    print("Borgerblik bench: citizens answering a round through gunicorn (bench/load.py --all)")
    for line in facts:
        print("  " + line)
    print()
    print(
        table(
            f"{args.citizens} citizens, {args.concurrency} at a time, half by invitation and "
            "half by the open link; bare = the same clients and number of requests on bare Flask",
            ("", *[run.short_label for run in runs], "bare Flask"),
            rows,
        )
    )
    print(
        "  Latency runs from a request's first try to its answer, backoff and retries included."
        "\n  A failed try (no answer, timeout, 5xx) is sent again, up to"
        f" {args.tries} tries; outside a fault's window (+{FAULT_GRACE:.0f} s) it is an error."
        "\n  wrk: survey GET /s/<unknown token> (HMAC + database look-up, 404) and GET of a"
        " question page\n  with a citizen's cookie, vs bare GET /;"
        " not run during faults."
    )
    for run in runs:
        if run.fault is not None:
            print(f"  {run.short_label}: {describe_fault(run)}")
    print()
    print(f"lost answers  {sum(v.lost for v in verdicts)}")
    return verdict_exit(list(zip(runs, verdicts, strict=True)), bare)


def finite(value):
    """A figure for JSON: NaN (nothing measured) becomes null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def phase_figures(phase: Phase) -> dict:
    """One phase's figures, as report_one's table prints them (the same names)."""
    return {
        "completed_citizens": phase.completed,
        "failed_citizens": len(phase.failed),
        "wall_seconds": phase.seconds,
        "citizens_per_second": finite(phase.per_second(phase.completed)),
        "requests_per_second": finite(phase.per_second(phase.requests)),
        "latency_ms": {f"p{p}": finite(phase.percentile_ms(p)) for p in (50, 95, 99)},
        "latency_ms_by_request": {
            kind: {
                "requests": len(values),
                "p50": finite(percentile_ms(values, 50)),
                "p95": finite(percentile_ms(values, 95)),
            }
            for kind, values in phase.by_request().items()
        },
        "server_cpu_per_request_ms": finite(cpu_per_page(phase)),
        "requests": phase.requests,
        "requests_per_citizen": finite(pages_per_citizen(phase)),
        "bytes_per_request": finite(bytes_per_page(phase)),
        "failed_tries": len(phase.failed_tries),
        "worker_restarts": phase.restarts,
        "http_statuses": {str(status): n for status, n in sorted(phase.statuses.items())},
    }


def wrk_figures(figures: WrkFigures | str) -> dict:
    if not isinstance(figures, WrkFigures):
        return {"skipped": figures}
    return {
        "requests_per_second": figures.rps,
        "latency_ms": {"p50": finite(figures.p50_ms), "p99": finite(figures.p99_ms)},
        "server_cpu_per_request_ms": finite(figures.cpu_per_request_ms),
        "database_cpu_per_request_ms": finite(figures.database_cpu_per_request_ms),
        "requests": figures.requests,
        "worker_restarts": figures.restarts,
        "non_2xx_3xx": figures.non_2xx_3xx,
        "socket_errors": figures.socket_errors,
    }


def page_wrk_figures(pair: WrkPair | str) -> dict:
    """The question page's wrk figures (medians over the rounds), the bare page's measured
    by turns with it, and the ratio: the median of the rounds' ratios."""
    if not isinstance(pair, WrkPair):
        return {"skipped": pair}
    return {
        **wrk_figures(pair.survey_figures),
        "rounds": len(pair.survey),
        "bare_by_turns": wrk_figures(pair.bare_figures),
        "ratio_to_bare": finite(pair.ratio),
        "ratio_to_bare_by_round": pair.ratios,
    }


def run_figures(run: Run, v: Verdict) -> dict:
    """One survey run: its phase, what was stored against what was acknowledged, wrk."""
    stored = run.stored
    return {
        "label": run.label,
        "database": run.db.label,
        "fault": {
            "kind": run.fault_kind,
            "detail": run.fault.detail if run.fault is not None else "",
            "error": run.fault.error if run.fault is not None else None,
            "description": describe_fault(run),
        },
        "survey": {
            **phase_figures(run.phase),
            "failed_tries_in_fault_window": len(v.failed_tries) - len(v.outside_fault),
            "failed_tries_outside_fault": len(v.outside_fault),
            "failed_tries_by_reason": dict(Counter(f.reason for f in v.failed_tries)),
            "server_errors_logged": run.errors,
            "server_errors_not_explained_by_fault": run.unexpected_errors,
        },
        "answers": {
            "citizens_finished": v.finished,
            "citizens_finished_by_invitation": v.invited_finished,
            "citizens_finished_by_open_link": v.open_finished,
            "responses": sum(stored.sheets.values()),
            "responses_by_channel": {
                "invitation": stored.sheets["invitation"],
                "open": stored.sheets["open"],
            },
            "responses_completed": stored.completed,
            "responses_unfinished": stored.unfinished,
            "duplicate_responses": v.duplicates,
            "citizens_answering_local_page": v.with_local,
            "answers_acknowledged": v.acknowledged,
            "answers_stored": v.stored,
            "answers_per_completed_response_match": v.per_response_ok,
            "answers_stored_never_acknowledged": v.extra,
            "lost_answers": v.lost,
        },
        "wrk": {**wrk_figures(run.wrk), "survey_status": run.unknown_status},
        "wrk_question_page": page_wrk_figures(run.wrk_page),
    }


def report_json(args, facts: list[str], runs: list[Run], bare: Bare) -> int:
    """The figures of every run and of the same-run bare baseline as one JSON object on
    stdout; the verdict's details on stderr. Figures, never judged by speed."""
    judged = [(run, judge(run)) for run in runs]
    failures = verdict_failures(judged, bare)
    report = {
        "benchmark": "bench/load.py",
        "facts": facts,
        "citizens": args.citizens,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "tries": args.tries,
        "seed": args.seed,
        "connections": args.connections,
        "runs": [run_figures(run, v) for run, v in judged],
        "baseline": {
            "name": "bare Flask (bench/bare_app.py), same clients and number of requests",
            **phase_figures(bare.phase),
            "server_errors_logged": bare.errors,
            "wrk": wrk_figures(bare.wrk),
        },
        "ok": not failures,
        "failures": failures,
    }
    print(json.dumps(report, ensure_ascii=False, allow_nan=False))
    return verdict_exit(judged, bare, out=sys.stderr)


def verdict_failures(judged: list[tuple[Run, Verdict]], bare: Bare) -> list[str]:
    failures = []
    for run, verdict in judged:
        prefix = f"{run.label}: " if len(judged) > 1 else ""
        failures.extend(prefix + failure for failure in verdict.failures)
    if bare.phase.failed:
        reasons = Counter(r.error for r in bare.phase.failed)
        failures.append(
            f"{len(bare.phase.failed)} bare clients failed: "
            + "; ".join(f"{n} x {why}" for why, n in reasons.most_common(5))
        )
    if bare.errors:
        failures.append(f"{bare.errors} errors in the log of {bare.server.spec}")
    return failures


def verdict_exit(judged: list[tuple[Run, Verdict]], bare: Bare, out=None) -> int:
    """Print the server log excerpts and the verdict (to `out`, default stdout); 0 if OK."""
    out = out or sys.stdout
    for run, _verdict in judged:
        if run.unexpected_errors:
            expected = FAULT_LOG_LINES[run.fault_kind]
            print(
                f"\n--- unexpected errors in the log of {run.server.spec} ({run.label}) ---\n"
                + run.server.error_excerpt(expected=expected),
                file=out,
            )
    if bare.errors:
        print(
            f"\n--- errors in the log of {bare.server.spec} ---\n{bare.server.error_excerpt()}",
            file=out,
        )
    failures = verdict_failures(judged, bare)
    if failures:
        print("\nFAILED: " + "\n        ".join(failures), file=out)
        return 1
    print(
        "\nOK: every citizen finished, every acknowledged answer stored, no duplicate response.",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
