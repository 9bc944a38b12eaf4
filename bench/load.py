#!/usr/bin/env python3
"""Citizens answering a round through gunicorn on loopback, against a bare Flask baseline.

    .venv/bin/python bench/respond.py                  # 200 citizens, 20 at a time, SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/respond.py
    .venv/bin/python bench/respond.py --quick          # 20 citizens: the smoke test's run

What it does, in one run:

1. A throwaway database: a temporary SQLite file, or, when DATABASE_URL names PostgreSQL,
   a schema of its own (search_path) that is dropped at the end; nothing else is touched.
   Migrated with `flask --app wsgi db upgrade`; then an open Odense round with the KL
   questionnaire and Odense's two local questions, and one invitation per citizen.
2. gunicorn on 127.0.0.1 (a free port) with the project's gunicorn.conf.py (gthread) and
   --workers workers; the app in production mode (SECRET_KEY and TOKEN_KEY fixed for the
   run so every worker agrees, no demo, INSECURE_COOKIES=1 for plain http).
3. N citizens, C at a time, each a thread with its own requests.Session (own cookies):
   invitation link, landing page, start, every page of questions (random answers, "yes"
   to the internship for every other citizen so half get Odense's page, a comment for
   some), thank-you page. Every HTTP request is timed, and the CPU time the gunicorn
   processes spend is read from /proc (the figure a busy, shared machine disturbs least).
4. Lost answers: what each finished citizen posted and got a redirect for, compared with
   the answer table of the completed responses (per value, and answers per response).
5. The same client pattern against bench/bare_app.py under the same gunicorn settings,
   and `wrk` against a survey GET (an unknown invitation link: HMAC plus a database look-up,
   404 page) and the bare page.

Exit status 0 only when every citizen finished, no answer was lost or invented, and the
server logged no error. Figures are printed, never asserted: the client, the servers and
wrk share the same machine.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
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

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")
TEXTAREA_RE = re.compile(r"<textarea\b[^>]*>")
ATTR_RE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')


# --- arguments -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=200, help="simulated citizens (200)")
    parser.add_argument("--concurrency", type=int, default=20, help="citizens at a time (20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1, help="seed for the citizens' answers")
    parser.add_argument(
        "--quick", action="store_true", help="tiny run for the smoke test: 20 citizens"
    )
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk measurements")
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
        args.wrk_seconds = 1
        args.run_timeout = min(args.run_timeout, 90.0)
    if args.citizens < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--citizens, --concurrency and --workers must be at least 1")
    return args


# --- the throwaway database --------------------------------------------------------------


class BenchDatabase:
    """A temporary SQLite file, or a PostgreSQL schema of our own that is dropped afterwards."""

    def __init__(self, workdir: Path):
        from sqlalchemy.engine import make_url

        from survey.config import normalise_database_url

        configured = os.environ.get("DATABASE_URL", "").strip()
        self.schema: str | None = None
        if not configured:
            self.kind = "sqlite"
            self.path = workdir / "bench.sqlite"
            self.url = f"sqlite:///{self.path}"
            self.base_url = self.url
            return
        base = make_url(normalise_database_url(configured))
        if base.get_backend_name() != "postgresql":
            raise SystemExit(f"bench: DATABASE_URL must be PostgreSQL or unset, not {base}")
        self.kind = "postgresql"
        self.base_url = base.render_as_string(hide_password=False)
        self.schema = "bb_bench_" + uuid.uuid4().hex[:10]
        url = base.update_query_dict({"options": f"-c search_path={self.schema}"})
        self.url = url.render_as_string(hide_password=False)

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

    def version(self) -> str:
        if self.kind == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        from sqlalchemy import text

        with self._base_engine() as engine, engine.connect() as connection:
            full = connection.execute(text("SELECT version()")).scalar_one()
        return " ".join(full.split()[:2]) + f" (schema {self.schema})"

    @contextmanager
    def _base_engine(self):
        from sqlalchemy import create_engine

        engine = create_engine(self.base_url)
        try:
            yield engine
        finally:
            engine.dispose()


def server_env(db: BenchDatabase, keys: dict[str, str]) -> dict[str, str]:
    """Production settings: no demo, no debug; fixed keys so every worker agrees."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BORGERBLIK_DEMO", "FLASK_DEBUG", "PUBLIC_BASE_URL"}
    }
    env.update(keys)
    env["DATABASE_URL"] = db.url
    env["INSECURE_COOKIES"] = "1"  # plain http on loopback; production would keep Secure
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

    return create_app({**keys, "SQLALCHEMY_DATABASE_URI": db.url})


def prepare_round(app, citizens: int) -> tuple[int, list[str]]:
    """The Odense round of the demo, opened, with one fresh invitation per citizen."""
    from survey.cli.demo import ensure_demo_round
    from survey.extensions import db
    from survey.invitations import issue_invitations

    groups = ("kontanthjaelp", "dagpenge", "sygedagpenge", "ressourceforloeb")
    with app.app_context():
        survey_round = ensure_demo_round()
        backgrounds = [{"benefit_group": groups[i % len(groups)]} for i in range(citizens)]
        issued = issue_invitations(survey_round, backgrounds)
        db.session.commit()
        round_id = survey_round.id
        pages = [page["key"] for page in survey_round.snapshot["pages"]]
        db.session.remove()
        db.engine.dispose()
    if "local" not in pages:
        raise SystemExit(f"bench: the round has no page of local questions: {pages}")
    return round_id, [token for _number, token in issued]


@dataclass
class Stored:
    completed: int
    unfinished: int
    values: Counter  # (item code, value) -> count, over completed responses
    per_response: list[int]  # answers per completed response, sorted


def count_stored(app, round_id: int) -> Stored:
    from sqlalchemy import func, select

    from survey.extensions import db
    from survey.models import Answer, Response

    with app.app_context():
        completed = db.session.scalar(
            select(func.count()).where(Response.round_id == round_id, Response.completed)
        )
        unfinished = db.session.scalar(
            select(func.count()).where(Response.round_id == round_id, ~Response.completed)
        )
        done = select(Response.id).where(Response.round_id == round_id, Response.completed)
        rows = db.session.execute(
            select(Answer.item_code, Answer.value, func.count())
            .where(Answer.response_id.in_(done))
            .group_by(Answer.item_code, Answer.value)
        ).all()
        per_response = db.session.scalars(
            select(func.count(Answer.item_code))
            .select_from(Response)
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == round_id, Response.completed)
            .group_by(Response.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    values = Counter({(code, value): count for code, value, count in rows})
    return Stored(completed, unfinished, values, sorted(per_response))


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

    def error_excerpt(self, matches: int = 5, after: int = 25) -> str:
        """The first error lines of the log, each with what follows (a traceback)."""
        lines = self.log_text().splitlines()
        excerpts: list[str] = []
        shown_until = 0
        for n, line in enumerate(lines):
            if n >= shown_until and SERVER_ERROR.search(line) and len(excerpts) < matches:
                excerpts.append("\n".join(lines[n : n + after]))
                shown_until = n + after
        return "\n...\n".join(excerpts)

    def errors_logged(self) -> int:
        """Lines that tell of a server error: tracebacks, gunicorn errors, JSON logs, 5xx."""
        return sum(1 for line in self.log_text().splitlines() if SERVER_ERROR.search(line))


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


# --- the simulated clients ---------------------------------------------------------------


class Stuck(RuntimeError):
    """A citizen who got an unexpected answer from the server, or ran out of time."""


@dataclass
class ClientResult:
    ok: bool = False
    error: str | None = None
    latencies: list[float] = field(default_factory=list)  # seconds, one per HTTP request
    statuses: Counter = field(default_factory=Counter)
    bytes_received: int = 0
    answers: Counter = field(default_factory=Counter)  # (code, value) acknowledged by a redirect
    answer_count: int = 0


class Browser:
    """A citizen's phone: its own cookies, no redirects followed silently, every request timed."""

    def __init__(self, base: str, timeout: float, deadline: float):
        self.base = base
        self.timeout = timeout
        self.deadline = deadline
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only: never through a proxy
        self.result = ClientResult()

    def request(self, method: str, url: str, expect: int, data=None) -> requests.Response:
        if time.monotonic() > self.deadline:
            raise Stuck("the run's time limit was reached")
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, urljoin(self.base, url), data=data, timeout=self.timeout,
                allow_redirects=False,
            )  # fmt: skip
        except requests.RequestException as error:
            raise Stuck(f"{method} {url}: {type(error).__name__}: {error}") from error
        self.result.latencies.append(time.perf_counter() - started)
        self.result.statuses[response.status_code] += 1
        self.result.bytes_received += len(response.content)
        if response.status_code != expect:
            raise Stuck(f"{method} {url}: HTTP {response.status_code}, expected {expect}")
        return response

    def close(self) -> None:
        self.session.close()


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


def run_citizen(
    base: str, token: str, number: int, seed: int, timeout: float, deadline: float
) -> ClientResult:
    rng = random.Random(seed * 1_000_003 + number)
    browser = Browser(base, timeout, deadline)
    result = browser.result
    try:
        entry = browser.request("GET", f"/s/{token}", 303)
        landing = browser.request("GET", entry.headers["Location"], 200)
        match = CSRF_RE.search(landing.text)
        if not match:
            raise Stuck("no csrf_token on the landing page")
        started = browser.request("POST", "/svar/start", 302, {"csrf_token": match.group(1)})
        location = started.headers["Location"]
        for _ in range(MAX_PAGES):
            page = browser.request("GET", location, 200)
            csrf, key, items = read_form(page.text)
            if not csrf or not key:
                raise Stuck(f"GET {location}: no page form")
            answers = choose_answers(items, rng, internship_yes=number % 2 == 0)
            posted = browser.request("POST", location, 302, form_fields(csrf, key, answers))
            result.answers.update(answers.items())
            result.answer_count += len(answers)
            location = posted.headers["Location"]
            if location.rstrip("/").endswith("/svar/tak"):
                break
        else:
            raise Stuck(f"no thank-you page after {MAX_PAGES} pages")
        browser.request("GET", location, 200)
        result.ok = True
    except (Stuck, KeyError) as error:
        result.error = str(error)
    finally:
        browser.close()
    return result


def run_bare_visitor(base: str, count: int, timeout: float, deadline: float) -> ClientResult:
    browser = Browser(base, timeout, deadline)
    try:
        for _ in range(count):
            browser.request("GET", "/", 200)
        browser.result.ok = True
    except Stuck as error:
        browser.result.error = str(error)
    finally:
        browser.close()
    return browser.result


@dataclass
class Phase:
    results: list[ClientResult]
    seconds: float
    server_cpu: float = math.nan  # seconds of gunicorn CPU spent during the phase
    restarts: int = 0  # workers booted during the phase (max_requests recycling)

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
    def statuses(self) -> Counter:
        total: Counter = Counter()
        for r in self.results:
            total.update(r.statuses)
        return total

    def percentile_ms(self, p: float) -> float:
        values = self.latencies
        if not values:
            return math.nan
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)] * 1000

    def per_second(self, count: int) -> float:
        return count / self.seconds if self.seconds > 0 else math.nan


def run_phase(jobs, concurrency: int) -> Phase:
    """Run callables `concurrency` at a time; wall time from first start to last finish."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="citizen") as pool:
        futures = [pool.submit(job) for job in jobs]
        try:
            results = [future.result() for future in futures]
        except BaseException:  # e.g. SIGTERM: do not start the citizens still waiting
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return Phase(results, time.perf_counter() - started)


def split_evenly(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


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

    @property
    def cpu_per_request_ms(self) -> float:
        return self.server_cpu * 1000 / self.requests if self.requests else math.nan


def measure_wrk(server: Gunicorn, url: str, args, threads: int) -> WrkFigures | str:
    if args.no_wrk:
        return "skipped"
    before, restarts = server.cpu_seconds(), server.worker_restarts()
    figures = run_wrk(url, threads, args.concurrency, args.wrk_seconds)
    if isinstance(figures, WrkFigures):
        figures.server_cpu = server.cpu_seconds() - before
        figures.restarts = server.worker_restarts() - restarts
    return figures


def run_wrk(url: str, threads: int, connections: int, seconds: int) -> WrkFigures | str:
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


def machine_facts(args, db: BenchDatabase, config: Path) -> list[str]:
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
        f"requests {requests.__version__}; wrk {'yes' if wrk else 'not installed'}",
        f"database  {db.version()}",
        f"run       {args.citizens} citizens, {args.concurrency} at a time, seed {args.seed}; "
        "client threads, both servers and wrk share this machine",
    ]


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A polite kill (SIGTERM, e.g. from a test's timeout) still stops our servers and
    # drops our schema in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="borgerblik-bench-"))
    keys = {"SECRET_KEY": secrets.token_hex(32), "TOKEN_KEY": secrets.token_hex(32)}
    db = BenchDatabase(workdir)
    servers: list[Gunicorn] = []
    created = False
    try:
        db.create()
        created = True
        env = server_env(db, keys)
        migrate(env, timeout=180)
        app = make_app(db, keys)
        round_id, tokens = prepare_round(app, args.citizens)
        if args.gunicorn_config:
            config = Path(args.gunicorn_config).resolve()
        else:  # an empty file, so neither server picks up a gunicorn.conf.py from its cwd
            config = workdir / "gunicorn.empty.conf.py"
            config.write_text("")
        extra = () if args.max_requests is None else ("--max-requests", str(args.max_requests))
        facts = machine_facts(args, db, config)
        wrk_threads = max(1, min(2, os.cpu_count() or 1))

        # --- the survey -------------------------------------------------------------------
        survey = Gunicorn(
            "wsgi:app", ROOT, env, args.workers, config, workdir / "survey.log", extra
        )
        servers.append(survey)
        survey.start(ready_path="/s/" + secrets.token_urlsafe(20))
        deadline = time.monotonic() + args.run_timeout
        jobs = [
            (lambda i=i, t=t: run_citizen(
                survey.base, t, i, args.seed, args.request_timeout, deadline
            ))
            for i, t in enumerate(tokens)
        ]  # fmt: skip
        cpu_before = survey.cpu_seconds()
        survey_phase = run_phase(jobs, args.concurrency)
        survey_phase.server_cpu = survey.cpu_seconds() - cpu_before
        survey_phase.restarts = survey.worker_restarts()
        unknown = f"{survey.base}/s/{secrets.token_urlsafe(20)}"
        with requests.Session() as probe:
            probe.trust_env = False
            unknown_status = probe.get(unknown, timeout=args.request_timeout).status_code
        wrk_survey = measure_wrk(survey, unknown, args, wrk_threads)
        survey.stop()
        survey_errors = survey.errors_logged()
        stored = count_stored(app, round_id)

        # --- the bare baseline: same gunicorn settings, same client, same number of requests
        bare_env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
        bare = Gunicorn(
            "bare_app:app", BENCH_DIR, bare_env, args.workers, config, workdir / "bare.log", extra
        )
        servers.append(bare)
        bare.start(ready_path="/")
        counts = split_evenly(survey_phase.requests, args.citizens)
        deadline = time.monotonic() + args.run_timeout
        jobs = [
            (lambda n=n: run_bare_visitor(bare.base, n, args.request_timeout, deadline))
            for n in counts
        ]
        cpu_before = bare.cpu_seconds()
        bare_phase = run_phase(jobs, args.concurrency)
        bare_phase.server_cpu = bare.cpu_seconds() - cpu_before
        bare_phase.restarts = bare.worker_restarts()
        wrk_bare = measure_wrk(bare, bare.base + "/", args, wrk_threads)
        bare.stop()
        bare_errors = bare.errors_logged()

        return report(
            args,
            facts,
            survey_phase,
            bare_phase,
            stored,
            (wrk_survey, wrk_bare, unknown_status, wrk_threads),
            (survey, survey_errors, bare, bare_errors),
        )
    finally:
        for server in servers:
            server.stop()
        if created:
            db.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(args, facts, survey_phase, bare_phase, stored, wrk, servers) -> int:
    wrk_survey, wrk_bare, unknown_status, wrk_threads = wrk
    survey, survey_errors, bare, bare_errors = servers
    finished = [r for r in survey_phase.results if r.ok]
    sent: Counter = Counter()
    for r in finished:
        sent.update(r.answers)
    answers_sent = sum(sent.values())
    answers_stored = sum(stored.values.values())
    lost = sum(max(0, n - stored.values.get(k, 0)) for k, n in sent.items())
    extra = sum(max(0, n - sent.get(k, 0)) for k, n in stored.values.items())
    per_response_ok = sorted(r.answer_count for r in finished) == stored.per_response
    with_local = sum(
        1 for r in finished if any(code.startswith("odense.") for code, _ in r.answers)
    )

    def pages_per_citizen(phase: Phase) -> float:
        return phase.requests / len(phase.results) if phase.results else math.nan

    def cpu_per_page(phase: Phase) -> float:
        return phase.server_cpu * 1000 / phase.requests if phase.requests else math.nan

    def bytes_per_page(phase: Phase) -> float:
        total = sum(r.bytes_received for r in phase.results)
        return total / phase.requests if phase.requests else math.nan

    s, b = survey_phase, bare_phase
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
            "pages/second",
            fmt(s.per_second(s.requests), 1),
            fmt(b.per_second(b.requests), 1),
            ratio(s.per_second(s.requests), b.per_second(b.requests)),
        ),
        (
            "page latency p50 (ms)",
            fmt(s.percentile_ms(50), 1),
            fmt(b.percentile_ms(50), 1),
            ratio(s.percentile_ms(50), b.percentile_ms(50)),
        ),
        (
            "page latency p95 (ms)",
            fmt(s.percentile_ms(95), 1),
            fmt(b.percentile_ms(95), 1),
            ratio(s.percentile_ms(95), b.percentile_ms(95)),
        ),
        (
            "server CPU per page (ms)",
            fmt(cpu_per_page(s), 2),
            fmt(cpu_per_page(b), 2),
            ratio(cpu_per_page(s), cpu_per_page(b)),
        ),
        ("requests (pages)", fmt(s.requests), fmt(b.requests), ""),
        ("pages per citizen", fmt(pages_per_citizen(s), 1), fmt(pages_per_citizen(b), 1), ""),
        ("bytes per page", fmt(bytes_per_page(s), 0), fmt(bytes_per_page(b), 0), ""),
        ("worker restarts", fmt(s.restarts), fmt(b.restarts), ""),
        ("server errors logged", fmt(survey_errors), fmt(bare_errors), ""),
        ("lost answers", fmt(lost), "-", ""),
    ]
    print("Borgerblik bench: citizens answering a round through gunicorn (bench/respond.py)")
    for line in facts:
        print("  " + line)
    print()
    print(
        table(
            "Python clients (threads, one requests.Session per citizen, every request timed)",
            ("", "survey", "bare Flask", "survey/bare"),
            rows,
        )
    )
    print(
        "  pages = every HTTP request of a citizen: invitation link (303), landing, start (302),"
        "\n  GET and POST of each page of questions, thank-you page; static files not fetched."
        "\n  server CPU = user + system time of the gunicorn master and workers during the run"
        "\n  (not the database server's): the figure least disturbed by a busy machine."
    )
    print(f"  HTTP statuses (survey): {dict(sorted(s.statuses.items()))}")
    print()
    print(
        table(
            "Answers: what finished citizens posted and got a redirect for vs the answer table",
            ("", "count"),
            [
                ("citizens finished", fmt(len(finished))),
                ("responses completed in the database", fmt(stored.completed)),
                ("responses left unfinished in the database", fmt(stored.unfinished)),
                ("citizens answering Odense's local page", fmt(with_local)),
                ("answers sent", fmt(answers_sent)),
                ("answers stored (completed responses)", fmt(answers_stored)),
                ("answers per response match", "yes" if per_response_ok else "NO"),
                ("answers stored but never sent", fmt(extra)),
            ],
        )
    )
    print(f"lost answers  {lost}")
    print()
    if isinstance(wrk_survey, WrkFigures) and isinstance(wrk_bare, WrkFigures):
        title = (
            f"wrk -t{wrk_threads} -c{args.concurrency} -d{args.wrk_seconds}s: survey GET "
            f"/s/<unknown token> (HTTP {unknown_status}: HMAC + database look-up) vs bare GET /"
        )
        ws, wb = wrk_survey, wrk_bare
        print(
            table(
                title,
                ("", "survey", "bare Flask", "survey/bare"),
                [
                    ("requests/second", fmt(ws.rps, 1), fmt(wb.rps, 1), ratio(ws.rps, wb.rps)),
                    (
                        "latency p50 (ms)",
                        fmt(ws.p50_ms, 2),
                        fmt(wb.p50_ms, 2),
                        ratio(ws.p50_ms, wb.p50_ms),
                    ),
                    (
                        "latency p99 (ms)",
                        fmt(ws.p99_ms, 2),
                        fmt(wb.p99_ms, 2),
                        ratio(ws.p99_ms, wb.p99_ms),
                    ),
                    (
                        "server CPU per request (ms)",
                        fmt(ws.cpu_per_request_ms, 2),
                        fmt(wb.cpu_per_request_ms, 2),
                        ratio(ws.cpu_per_request_ms, wb.cpu_per_request_ms),
                    ),
                    ("requests", fmt(ws.requests), fmt(wb.requests), ""),
                    ("worker restarts", fmt(ws.restarts), fmt(wb.restarts), ""),
                    ("non-2xx/3xx responses", fmt(ws.non_2xx_3xx), fmt(wb.non_2xx_3xx), ""),
                    ("socket errors", ws.socket_errors, wb.socket_errors, ""),
                ],
            )
        )
    else:
        print(f"wrk: survey {wrk_survey}; bare {wrk_bare}")

    failures = []
    if lost:
        failures.append(f"{lost} answers lost")
    if extra:
        failures.append(f"{extra} answers stored that no citizen sent")
    if not per_response_ok:
        failures.append("answers per completed response differ from what citizens sent")
    if stored.completed != len(finished):
        failures.append(f"{stored.completed} responses completed, {len(finished)} citizens done")
    for phase, name in ((s, "survey"), (b, "bare")):
        if phase.failed:
            reasons = Counter(r.error for r in phase.failed)
            failures.append(
                f"{len(phase.failed)} {name} clients failed: "
                + "; ".join(f"{n} x {why}" for why, n in reasons.most_common(5))
            )
    for server, errors in ((survey, survey_errors), (bare, bare_errors)):
        if errors:
            failures.append(f"{errors} errors in the log of {server.spec}")
            print(f"\n--- errors in the log of {server.spec} ---\n{server.error_excerpt()}")
    if failures:
        print("\nFAILED: " + "\n        ".join(failures))
        return 1
    print("\nOK: every citizen finished, no answer lost.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
