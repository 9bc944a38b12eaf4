#!/usr/bin/env python3
"""A national send: 85,000 SMS queued with one `round send` and delivered by the outbox
worker to a local SMS gateway, beside the same number of plain HTTP POSTs to that gateway.

    .venv/bin/python bench/delivery.py                   # 85,000 messages, SQLite
    .venv/bin/python bench/delivery.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/delivery.py --count 300 --json  # the smoke test's run

What it does, in one run:

1. A throwaway database: a temporary SQLite file, or with --database a PostgreSQL schema
   of its own (search_path), dropped at the end; migrated with `flask --app wsgi db
   upgrade`. An open Odense round made with `round create` and `round open`.
2. A send list of --count rows, each with its own mobile number, and one
   `flask --app wsgi round send ROUND --send-list FILE --at T` (T: tomorrow 10:00 Danish
   time, outside the quiet hours): messages queued per second, and the command's peak
   resident memory (its rusage, from os.wait4).
3. The local GatewayAPI stand-in from tests/delivery_servers.py, answering at once, and
   one `flask --app wsgi outbox work --once --now T`: messages delivered per second and
   the worker's peak memory.
   Each command's time includes its start-up (imports, the app), measured alone with
   `round list` and printed beside them.
4. The baseline, in the same run: as many POSTs of the same kind of JSON body to the same
   gateway, one after the other as the worker sends them, made directly with urllib from
   this process (no Borgerblik, no database).
5. A check that every message went out exactly once: the gateway saw each number once
   and no duplicate, every outbox row is "sent", no contact data is left, and the
   commands' last lines say so. Exit status 0 only then.

Figures are printed (or with --json one JSON object), never asserted: the gateway, the
worker and the database share one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the gateway stand-in the tests use

from delivery_servers import TOKEN, Gateway  # noqa: E402 - after the path is set

DEFAULT_COUNT = 85_000
# Fixed for the run, so every command agrees (the app runs as in production, not as a demo).
KEYS = {name: secrets.token_hex(16) for name in ("SECRET_KEY", "TOKEN_KEY", "CONTACT_KEY")}
SENDER = "Borgerblik"
PUBLIC_BASE_URL = "https://borgerblik.example.dk"
SAMPLE_TEXT = (
    "Hej. Odense Kommune vil gerne høre, hvordan du oplever jobcentret. Det tager 5 "
    "minutter, og din sagsbehandler kan ikke se, hvad du svarer: "
    f"{PUBLIC_BASE_URL}/s/{'x' * 27}"
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, help="messages (default 85,000)"
    )
    parser.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (its own schema is made and dropped); default a SQLite file",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 9_999_999:
        parser.error("--count must be 1 to 9,999,999")
    return args


# --- the database -------------------------------------------------------------------------


class Database:
    """A temporary SQLite file, or a PostgreSQL schema of our own named by search_path."""

    def __init__(self, url: str | None):
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-delivery-")
        self.folder = Path(self.tmp.name)
        self.schema = None
        if url:
            from survey.core.config import normalise_database_url

            self.schema = "bench_delivery_" + uuid.uuid4().hex[:10]
            self.admin_url = normalise_database_url(url)
            self.url = (
                self.admin_url
                + ("&" if "?" in url else "?")
                + "options="
                + quote(f"-c search_path={self.schema}")
            )
            self._execute(f"CREATE SCHEMA {self.schema}")
        else:
            self.url = f"sqlite:///{self.folder}/bench.sqlite"

    @property
    def kind(self) -> str:
        return "postgresql" if self.schema else "sqlite"

    def _execute(self, statement: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url)
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def query(self, statement: str) -> list[tuple]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(statement))]
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.schema:
            self._execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.tmp.cleanup()


# --- commands as child processes ----------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        lines = self.stdout.strip().splitlines()
        return lines[-1] if lines else ""


def environment(database: Database, gateway_url: str = "") -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLASK_DEBUG", "BORGERBLIK_DEMO", "FILE_TRANSPORT", "SMTP_URL"}
    }
    env.update(
        DATABASE_URL=database.url,
        **KEYS,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        SMS_GATEWAY_URL=gateway_url,
        SMS_GATEWAY_TOKEN=TOKEN,
        SMS_SENDER=SENDER,
        SMS_CALLBACK_SECRET="",
        JSON_LOGS="0",
    )
    return env


def flask(database: Database, *args: str, gateway_url: str = "") -> Run:
    """`flask --app wsgi *args` as a child; its wall time and peak memory (os.wait4)."""
    out = database.folder / "stdout.txt"
    err = database.folder / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=environment(database, gateway_url),
            stdout=stdout,
            stderr=stderr,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # waited for above
    run = Run(seconds, usage.ru_maxrss / 1024, out.read_text(), err.read_text())
    if child.returncode != 0:
        raise SystemExit(
            f"flask {' '.join(args)} failed ({child.returncode}):\n{run.stdout}\n{run.stderr}"
        )
    return run


# --- the baseline -------------------------------------------------------------------------


def baseline(gateway: Gateway, count: int) -> float:
    """Seconds for `count` POSTs to the gateway with urllib, one after the other."""
    endpoint = gateway.url + "/rest/mtsms"
    headers = {
        "Authorization": f"Token {TOKEN}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    start = time.perf_counter()
    for number in range(count):
        body = {
            "sender": SENDER,
            "message": SAMPLE_TEXT,
            "recipients": [{"msisdn": 4560000000 + number}],
            "userref": f"baseline-{number}",
        }
        request = urllib.request.Request(  # noqa: S310 - the local gateway
            endpoint, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            json.loads(response.read())
    return time.perf_counter() - start


# --- the run ------------------------------------------------------------------------------


def send_list(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("reference;mobile\n")
        for number in range(count):
            handle.write(f"r{number};2{number:07d}\n")


def run(args: argparse.Namespace) -> dict:
    database = Database(args.database)
    try:
        return measure(database, args.count)
    finally:
        database.drop()


def measure(database: Database, count: int) -> dict:
    flask(database, "db", "upgrade")
    created = flask(database, "round", "create", "--municipality", "461", "--title", "Bench")
    round_id = created.last_line
    flask(database, "round", "open", round_id)
    startup = flask(database, "round", "list")  # a command that does almost nothing

    when = datetime.combine(date.today() + timedelta(days=1), datetime.min.time()).replace(hour=10)
    at = when.isoformat(timespec="minutes")
    path = database.folder / "send-list.csv"
    send_list(path, count)
    queued = flask(database, "round", "send", round_id, "--send-list", str(path), "--at", at)

    with Gateway() as gateway:
        worked = flask(database, "outbox", "work", "--once", "--now", at, gateway_url=gateway.url)
        by_worker = list(gateway.delivered)
        attempts = len(gateway.attempts)
        duplicates = len(gateway.duplicates)
        plain_seconds = baseline(gateway, count)
        baseline_delivered = len(gateway.delivered) - len(by_worker)

    states = dict(database.query("SELECT state, count(*) FROM outbox_message GROUP BY state"))
    (contacts_left,) = database.query("SELECT count(*) FROM invitation WHERE sealed IS NOT NULL")[0]
    numbers = {sms.msisdn for sms in by_worker}
    expected_numbers = {int(f"452{number:07d}") for number in range(count)}
    checks = {
        "send_last_line": queued.last_line == f"queued {count} sms, 0 e-mail",
        "work_last_line": worked.last_line == f"delivered {count}, failed 0, waiting 0",
        "every_number_once": len(by_worker) == count and numbers == expected_numbers,
        "no_duplicate_attempt": attempts == count and duplicates == 0,
        "outbox_all_sent": states == {"sent": count},
        "no_contact_data_left": contacts_left == 0,
        "baseline_all_delivered": baseline_delivered == count,
    }
    return {
        "database": database.kind,
        "count": count,
        "queued": count,
        "queue_seconds": round(queued.seconds, 3),
        "queued_per_second": round(count / queued.seconds, 1),
        "queue_peak_rss_mib": round(queued.peak_rss_mib, 1),
        "delivered": len(by_worker),
        "deliver_seconds": round(worked.seconds, 3),
        "delivered_per_second": round(len(by_worker) / worked.seconds, 1),
        "deliver_peak_rss_mib": round(worked.peak_rss_mib, 1),
        "command_startup_seconds": round(startup.seconds, 3),
        "baseline_posts": count,
        "baseline_seconds": round(plain_seconds, 3),
        "baseline_per_second": round(count / plain_seconds, 1),
        "gateway_attempts": attempts,
        "gateway_duplicates": duplicates,
        "outbox_states": states,
        "contacts_left": contacts_left,
        "send_last_line": queued.last_line,
        "work_last_line": worked.last_line,
        "checks": checks,
        "ok": all(checks.values()),
        "python": platform.python_version(),
    }


def table(result: dict) -> str:
    count = result["count"]
    rows = [
        ("database", result["database"], ""),
        ("messages", f"{count:,}", ""),
        (
            "round send (queue)",
            f"{result['queue_seconds']:.1f} s",
            f"{result['queued_per_second']:,.0f}/s, peak {result['queue_peak_rss_mib']:.0f} MiB",
        ),
        (
            "outbox work (deliver)",
            f"{result['deliver_seconds']:.1f} s",
            f"{result['delivered_per_second']:,.0f}/s, peak {result['deliver_peak_rss_mib']:.0f} MiB",
        ),
        (
            "baseline: urllib POSTs",
            f"{result['baseline_seconds']:.1f} s",
            f"{result['baseline_per_second']:,.0f}/s",
        ),
        ("a command's start-up", f"{result['command_startup_seconds']:.1f} s", "(included above)"),
        ("round send said", result["send_last_line"], ""),
        ("outbox work said", result["work_last_line"], ""),
        (
            "gateway",
            f"{result['delivered']:,} delivered",
            f"{result['gateway_duplicates']} duplicates",
        ),
    ]
    lines = [f"{name:<24}{value:<38}{extra}".rstrip() for name, value, extra in rows]
    for name, passed in result["checks"].items():
        lines.append(f"{'checked' if passed else 'PROBLEM'}: {name.replace('_', ' ')}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(table(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
