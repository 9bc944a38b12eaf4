"""Delivery by Borgerblik end to end, against a local SMS gateway and a local mail server.

The round is sent with `flask round send` and delivered with `flask outbox work --now`
(or the worker itself where a test needs its hands on it); the citizen's link is read
from what the gateway or the mail server received and answered through the test client.
Times are Danish local time on a day a few weeks ahead, so the worker's "now" is chosen
and the tests never depend on the hour they run at.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from delivery_servers import (
    ACCEPT_THEN_HANG,
    BUSY_429,
    HANG,
    TOKEN,
    Gateway,
    MailServer,
    sign_receipt,
)
from flask_babel import force_locale
from sqlalchemy import func, select
from staff import answer_all, logged_in, make_user, text_of

from survey.core.extensions import db
from survey.delivery import transports, worker
from survey.delivery.queue import SendError, check_texts, queue_send
from survey.delivery.schedule import reminder_times, sms_allowed_from, to_local, to_utc
from survey.delivery.status import round_status
from survey.delivery.texts import DEFAULT_TEXTS, TextError, check_text, sms_count
from survey.models import AuditEvent, Invitation, OutboxMessage, Round, SendBatch

ROOT = Path(__file__).resolve().parent.parent
DAY = date.today() + timedelta(days=21)  # the send day: ahead, so `round send --at` accepts it
ORGANISATION = "Odense Kommune"
SENDER = "Odense"
MAIL_FROM = "Odense Kommune <borgerblik@odense.dk>"
SECRET = "receipt-secret"
LINK = re.compile(r"http://localhost/s/[A-Za-z0-9_-]+")

# Citizens on the send lists: a mobile number as staff write it, and the gateway's msisdn.
KAREN_MOBILE, KAREN = "+45 20 11 22 33", 4520112233
OLE_MOBILE, OLE = "30 44 55 66", 4530445566
BO_MOBILE, BO = "0045 40 12 34 56", 4540123456
ANNA = "Anna.Hansen@Example.DK"  # sent with its domain in lower case
ANNA_SENT = "Anna.Hansen@example.dk"
SIGNE = "signe.berg@example.dk"
THREE = [("r1", KAREN_MOBILE, ""), ("r2", OLE_MOBILE, ""), ("r3", BO_MOBILE, "")]


def at(days: int = 0, clock: str = "10:00") -> str:
    """Danish local time on DAY + days, as `--at` and `--now` take it."""
    return f"{DAY + timedelta(days=days)}T{clock}"


def utc(days: int = 0, clock: str = "10:00") -> datetime:
    return to_utc(datetime.fromisoformat(at(days, clock)))


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def gateway(app, monkeypatch):
    with Gateway() as server:
        monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", server.url)
        monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", TOKEN)
        monkeypatch.setitem(app.config, "SMS_SENDER", SENDER)
        yield server
    assert server.unauthorised == 0 and server.malformed == []


@pytest.fixture
def mail(app, monkeypatch):
    with MailServer() as server:
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
        yield server


@pytest.fixture
def short_timeout(monkeypatch):
    monkeypatch.setattr(transports, "TIMEOUT_SECONDS", 0.5)


@pytest.fixture
def odense_round(make_round) -> int:
    return make_round()


def send_list(rows: list[tuple], header=("reference", "mobile", "email")) -> bytes:
    lines = [";".join(header)] + [";".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def send(cli, tmp_path, round_id: int, rows, *options: str, ok: bool = True, header=None):
    path = tmp_path / f"send-{time.monotonic_ns()}.csv"
    path.write_bytes(send_list(rows, header or ("reference", "mobile", "email")))
    return cli("round", "send", str(round_id), "--send-list", str(path), *options, ok=ok)


def last_line(result) -> str:
    return result.stdout.splitlines()[-1]


def work(cli, when: str) -> str:
    return last_line(cli("outbox", "work", "--once", "--now", when))


def messages(app, *where) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(*where).order_by(OutboxMessage.id))
        found = list(rows)
        db.session.expunge_all()
        return found


def states(app) -> Counter:
    return Counter(message.state for message in messages(app))


def sealed(app) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(select(Invitation.sealed).order_by(Invitation.number)))


def erasures(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (event.actor, event.details)
            for event in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "contacts.erased")
                .order_by(AuditEvent.id)
            )
        ]


def link_in(text: str) -> str:
    found = LINK.findall(text)
    assert len(found) == 1, text
    return found[0]


def answer_through(citizen_type, app, link: str) -> None:
    """A citizen on their own phone: follows the link, answers every page."""
    citizen = citizen_type(app.test_client())
    response = citizen.open(urlsplit(link).path)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/svar"
    citizen.start()
    answer_all(citizen)
    assert "/svar/tak" in citizen.location


def invitation_states(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Invitation.state).order_by(Invitation.number)))


# --- a citizen answers from the SMS and from the e-mail ------------------------------------


def test_sms_and_email_carry_a_link_the_citizen_answers_through(
    app, cli, tmp_path, gateway, mail, odense_round, citizen
):
    queued = send(
        cli,
        tmp_path,
        odense_round,
        [("r1", KAREN_MOBILE, ""), ("r2", "", ANNA), ("r3", OLE_MOBILE, SIGNE)],
        "--at",
        at(),
    )
    # One channel per citizen: Ole has both and gets the SMS only.
    assert last_line(queued) == "queued 2 sms, 1 e-mail"
    assert work(cli, at()) == "delivered 3, failed 0, waiting 0"

    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1})
    assert mail.to(SIGNE) == []
    sms = next(s for s in gateway.delivered if s.msisdn == KAREN)
    assert sms.sender == SENDER
    karen_link = link_in(sms.message)
    assert sms.message == DEFAULT_TEXTS["da"]["invitation"].format(
        organisation=ORGANISATION, link=karen_link
    )
    assert sms_count(sms.message).segments == 2 and sms_count(sms.message).encoding == "GSM-7"
    assert sms.userref == str(messages(app, OutboxMessage.channel == "sms")[0].id)

    (anna,) = mail.to(ANNA_SENT)
    assert mail.messages[0].recipients == [ANNA_SENT]
    assert anna["From"] == MAIL_FROM and anna["To"] == ANNA_SENT
    assert ORGANISATION in anna["Subject"]
    assert anna.get_content_type() == "multipart/alternative"
    plain = anna.get_body(("plain",)).get_content()
    html = anna.get_body(("html",)).get_content()
    anna_link = link_in(plain)
    assert plain.strip() == DEFAULT_TEXTS["da"]["invitation"].format(
        organisation=ORGANISATION, link=anna_link
    )
    assert f'<a href="{anna_link}">{anna_link}</a>' in html
    assert '<html lang="da">' in html
    assert anna_link != karen_link

    # Each link works for its own citizen; once answered, it only says so.
    answer_through(type(citizen), app, karen_link)
    answer_through(type(citizen), app, anna_link)
    assert invitation_states(app) == ["completed", "completed", "issued"]
    again = app.test_client().get(urlsplit(karen_link).path)
    assert again.status_code == 200 and "Location" not in again.headers


def test_email_logs_in_to_the_mail_server_and_carries_a_stable_message_id(
    app, cli, tmp_path, odense_round, monkeypatch
):
    with MailServer(user="borgerblik", password="hemmeligt ord") as server:
        monkeypatch.setitem(app.config, "SMTP_URL", server.url.replace(" ", "%20"))
        monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
        send(cli, tmp_path, odense_round, [("r1", "", SIGNE)], "--at", at())
        assert work(cli, at()) == "delivered 1, failed 0, waiting 0"
    assert server.logins == ["borgerblik"]
    (signe,) = server.to(SIGNE)
    (message,) = messages(app)
    assert f"outbox-{message.id}" in signe["Message-ID"]
    assert signe["Message-ID"].endswith("@odense.dk>")


def test_an_email_whose_answer_was_lost_is_sent_again_with_the_same_message_id(
    app, cli, tmp_path, mail, odense_round, short_timeout
):
    """The mail server took the message but its answer never came: the worker must send it
    again (it cannot know), as the same message, so the receiving side can tell."""
    send(cli, tmp_path, odense_round, [("r1", "", SIGNE)], "--at", at())
    mail.hang_next = 1
    assert work(cli, at()) == "delivered 0, failed 0, waiting 1"
    assert work(cli, at(0, "10:01")) == "delivered 1, failed 0, waiting 0"
    first, again = mail.to(SIGNE)
    assert first["Message-ID"] == again["Message-ID"]
    assert first.get_body(("plain",)).get_content() == again.get_body(("plain",)).get_content()


def test_a_changed_contact_key_fails_the_message_and_says_so(
    app, cli, tmp_path, gateway, odense_round, monkeypatch
):
    send(cli, tmp_path, odense_round, THREE[:2], "--at", at())
    monkeypatch.setitem(app.config, "CONTACT_KEY", "another-key")
    assert work(cli, at()) == "delivered 0, failed 2, waiting 0"
    assert {m.error for m in messages(app)} == {
        "sealed contact data could not be opened (was CONTACT_KEY changed?)"
    }
    assert gateway.attempts == []
    assert sealed(app) == [None, None]  # unreadable, and nothing left to send
    assert erasures(app) == [("outbox", {"invitations": 2})]


# --- reminders -----------------------------------------------------------------------------


def test_reminders_reach_only_those_who_have_not_answered_then_contacts_are_erased(
    app, cli, tmp_path, gateway, mail, odense_round, citizen
):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", OLE_MOBILE, ""), ("r3", "", SIGNE)]
    options = ("--at", at(), "--reminder-after-days", "7", "--reminder-after-days", "3")
    assert last_line(send(cli, tmp_path, odense_round, rows, *options)) == "queued 2 sms, 1 e-mail"
    assert work(cli, at()) == "delivered 3, failed 0, waiting 6"
    with app.app_context():
        batch = db.session.scalar(select(SendBatch))
        assert batch.reminder_days == [3, 7]
    reminders = messages(app, OutboxMessage.sequence > 0)
    # The same Danish clock time 3 and 7 days later (summer time changes move nothing).
    assert sorted({to_local(m.due_at).strftime("%H:%M") for m in reminders}) == ["10:00"]
    assert sorted({m.due_at for m in reminders}) == [utc(3), utc(7)]

    answer_through(type(citizen), app, link_in(gateway.texts_to(KAREN)[0]))
    assert work(cli, at(2, "23:00")) == "delivered 0, failed 0, waiting 6"  # not due yet
    assert work(cli, at(3)) == "delivered 2, failed 0, waiting 3"
    assert len(gateway.texts_to(KAREN)) == 1  # Karen answered: no reminder
    (first, reminder) = gateway.texts_to(OLE)
    assert reminder == DEFAULT_TEXTS["da"]["reminder"].format(
        organisation=ORGANISATION, link=link_in(first)
    )
    assert len(mail.to(SIGNE)) == 2
    assert all(value is not None for value in sealed(app))  # a reminder is still to come
    assert erasures(app) == []

    # Ole answers from the reminder; Signe never does.
    answer_through(type(citizen), app, link_in(reminder))
    assert work(cli, at(7)) == "delivered 1, failed 0, waiting 0"
    assert len(gateway.texts_to(OLE)) == 2 and len(mail.to(SIGNE)) == 3
    assert states(app) == Counter({"sent": 6, "skipped": 3})
    # After the last reminder nobody's contact data is kept, and that is audited.
    assert sealed(app) == [None, None, None]
    with app.app_context():
        erased_on = set(db.session.scalars(select(Invitation.contact_erased_on)))
    assert erased_on == {DAY + timedelta(days=7)}
    assert erasures(app) == [("outbox", {"invitations": 3})]
    assert gateway.duplicates == []


# --- quiet hours ---------------------------------------------------------------------------


def test_no_sms_between_20_and_8_copenhagen_time_while_email_goes(
    app, cli, tmp_path, gateway, mail, odense_round
):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", OLE_MOBILE, ""), ("r3", "", SIGNE)]
    assert last_line(send(cli, tmp_path, odense_round, rows, "--at", at(0, "19:59"))) == (
        "queued 2 sms, 1 e-mail"
    )
    assert work(cli, at(0, "20:00")) == "delivered 1, failed 0, waiting 2"
    assert gateway.attempts == [] and len(mail.to(SIGNE)) == 1
    morning = utc(1, "08:00")
    assert {m.next_try_at for m in messages(app, OutboxMessage.channel == "sms")} == {morning}
    assert work(cli, at(0, "23:30")) == "delivered 0, failed 0, waiting 2"
    assert work(cli, at(1, "07:59")) == "delivered 0, failed 0, waiting 2"
    assert gateway.attempts == []
    assert work(cli, at(1, "08:00")) == "delivered 2, failed 0, waiting 0"
    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1})


def test_an_sms_due_before_the_evening_goes_at_once(app, cli, tmp_path, gateway, odense_round):
    send(cli, tmp_path, odense_round, [("r1", KAREN_MOBILE, "")], "--at", at(0, "19:59"))
    assert work(cli, at(0, "19:59")) == "delivered 1, failed 0, waiting 0"


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        ("2026-01-15T07:59", "2026-01-15T08:00"),  # winter time (UTC+1)
        ("2026-01-15T08:00", "2026-01-15T08:00"),
        ("2026-01-15T19:59", "2026-01-15T19:59"),
        ("2026-01-15T20:00", "2026-01-16T08:00"),
        ("2026-07-15T20:30", "2026-07-16T08:00"),  # summer time (UTC+2)
        ("2026-07-15T03:00", "2026-07-15T08:00"),
        ("2026-03-28T22:00", "2026-03-29T08:00"),  # the night the clocks go forward
        ("2026-10-24T22:00", "2026-10-25T08:00"),  # and back
    ],
)
def test_quiet_hours_are_danish_wall_clock_hours(local, allowed):
    moment = to_utc(datetime.fromisoformat(local))
    result = to_local(sms_allowed_from(moment))
    assert result.replace(tzinfo=None) == datetime.fromisoformat(allowed)


def test_reminders_keep_the_danish_clock_time_across_summer_time():
    first = to_utc(datetime.fromisoformat("2026-03-27T10:00"))  # UTC+1
    (later,) = reminder_times(first, [3])  # 30 March, UTC+2
    assert to_local(later).replace(tzinfo=None) == datetime.fromisoformat("2026-03-30T10:00")
    assert later - first == timedelta(days=3, hours=-1)


# --- contact data: sealed, erased ----------------------------------------------------------


def raw_database(app, db_url: str) -> str:
    """Every row of every table as text, and on SQLite the database files' bytes too."""
    parts = []
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in connection.execute(table.select()))
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for name in (path, Path(f"{path}-wal")):
            if name.exists():
                parts.append(name.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def test_contact_data_is_never_stored_in_clear(
    app, db_url, cli, tmp_path, gateway, mail, odense_round
):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", "", ANNA)]
    send(cli, tmp_path, odense_round, rows, "--at", at(), "--reminder-after-days", "2")
    secrets_ = ["20112233", "2011 2233", "Anna.Hansen", "anna.hansen", "example.dk"]
    stored = raw_database(app, db_url)
    assert [value for value in secrets_ if value in stored] == []
    assert all(value and value.startswith("gAAAA") for value in sealed(app))  # Fernet tokens

    assert work(cli, at()) == "delivered 2, failed 0, waiting 2"
    links = [
        link_in(gateway.texts_to(KAREN)[0]),
        link_in(mail.to(ANNA_SENT)[0].get_body(("plain",)).get_content()),
    ]
    tokens = [link.rsplit("/", 1)[-1] for link in links]
    stored = raw_database(app, db_url)
    assert [value for value in [*secrets_, *tokens] if value in stored] == []
    with app.app_context():
        errors = set(db.session.scalars(select(OutboxMessage.error)))
        details = [e.details for e in db.session.scalars(select(AuditEvent))]
    assert errors == {None}
    assert "20112233" not in json.dumps(details) and "anna" not in json.dumps(details).lower()

    assert work(cli, at(2)) == "delivered 2, failed 0, waiting 0"
    assert sealed(app) == [None, None]


def test_closing_the_round_erases_contacts_at_once_and_nothing_more_is_sent(
    app, cli, tmp_path, gateway, mail, odense_round
):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", "", SIGNE)]
    send(cli, tmp_path, odense_round, rows, "--at", at(), "--reminder-after-days", "3")
    assert work(cli, at()) == "delivered 2, failed 0, waiting 2"
    assert all(sealed(app))

    assert cli("round", "close", str(odense_round)).stdout == f"Round {odense_round} is closed.\n"
    assert sealed(app) == [None, None]
    assert erasures(app) == [("cli", {"invitations": 2, "reason": "closed"})]
    assert states(app) == Counter({"sent": 2, "cancelled": 2})
    assert work(cli, at(3)) == "delivered 0, failed 0, waiting 0"
    assert gateway.per_number() == Counter({KAREN: 1}) and len(mail.to(SIGNE)) == 1


def test_a_round_past_its_closing_date_is_erased_by_the_worker(
    app, cli, tmp_path, gateway, odense_round
):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", OLE_MOBILE, "")]
    send(cli, tmp_path, odense_round, rows, "--at", at())
    with app.app_context():
        db.session.get(Round, odense_round).closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    assert work(cli, at()) == "delivered 0, failed 0, waiting 0"
    assert gateway.attempts == []
    assert sealed(app) == [None, None]
    assert states(app) == Counter({"cancelled": 2})
    assert erasures(app) == [("outbox", {"invitations": 2})]


# --- the gateway fails ---------------------------------------------------------------------


def test_gateway_500_is_retried_later_nothing_lost_nothing_doubled(
    app, cli, tmp_path, gateway, odense_round
):
    send(cli, tmp_path, odense_round, THREE, "--at", at())
    gateway.down = True
    assert work(cli, at()) == "delivered 0, failed 0, waiting 3"
    assert len(gateway.attempts) == 3 and gateway.delivered == []
    waiting = messages(app)
    assert {m.state for m in waiting} == {"waiting"}
    assert {m.attempts for m in waiting} == {1}
    assert {m.error for m in waiting} == {"SMS gateway answered 500"}
    assert {m.next_try_at for m in waiting} == {utc() + timedelta(minutes=1)}
    assert sealed(app) and all(sealed(app))  # nothing is erased while a message waits

    gateway.down = False
    assert work(cli, at(0, "10:00:30")) == "delivered 0, failed 0, waiting 3"  # backoff
    assert len(gateway.attempts) == 3
    gateway.plan(BUSY_429)  # a 429 is "later" too
    assert work(cli, at(0, "10:01")) == "delivered 2, failed 0, waiting 1"
    assert work(cli, at(0, "10:06")) == "delivered 1, failed 0, waiting 0"
    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1, BO: 1})
    assert gateway.duplicates == []
    assert states(app) == Counter({"sent": 3})
    assert sealed(app) == [None, None, None]


def test_a_timeout_is_retried_later_and_never_delivers_twice(
    app, cli, tmp_path, gateway, odense_round, short_timeout
):
    send(cli, tmp_path, odense_round, THREE, "--at", at())
    # The first request is lost before the gateway takes it; the second is taken (the SMS
    # goes out) but its answer never arrives: both look alike to Borgerblik.
    gateway.plan(HANG, ACCEPT_THEN_HANG)
    assert work(cli, at()) == "delivered 1, failed 0, waiting 2"
    assert {m.error for m in messages(app, OutboxMessage.state == "waiting")} == {
        "SMS gateway not reached (TimeoutError)"
    }
    gateway.release()
    assert work(cli, at(0, "10:01")) == "delivered 2, failed 0, waiting 0"
    # Every number got its SMS once; the resent one carried the same userref.
    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1, BO: 1})
    assert len(gateway.duplicates) == 1
    assert gateway.attempts_per_userref()[gateway.duplicates[0]] == 2
    assert sorted(m.attempts for m in messages(app)) == [1, 2, 2]


def test_transient_failures_end_as_failed_after_the_last_backoff(
    app, cli, tmp_path, gateway, odense_round
):
    send(cli, tmp_path, odense_round, [("r1", KAREN_MOBILE, "")], "--at", at(0, "09:00"))
    gateway.down = True
    tries = ["09:00", "09:01", "09:06", "09:36", "11:36"]
    for clock in tries:
        assert work(cli, at(0, clock)) == "delivered 0, failed 0, waiting 1"
    assert work(cli, at(0, "17:36")) == "delivered 0, failed 1, waiting 0"
    (message,) = messages(app)
    assert (message.state, message.attempts) == ("failed", 6)
    assert len(gateway.attempts) == 6 and gateway.delivered == []
    assert sealed(app) == [None]


def test_a_refused_number_or_address_fails_and_is_counted(
    app, cli, tmp_path, gateway, mail, odense_round
):
    gateway.refuse(OLE)
    mail.refuse(SIGNE)
    rows = [*THREE, ("r4", "", SIGNE), ("r5", "", ANNA)]
    send(cli, tmp_path, odense_round, rows, "--at", at(), "--reminder-after-days", "2")
    assert work(cli, at()) == "delivered 3, failed 2, waiting 5"
    failed = messages(app, OutboxMessage.state == "failed")
    assert sorted(m.error for m in failed) == [
        "SMS gateway refused the message (400)",
        "the mail server refused the address",
    ]
    assert gateway.per_number() == Counter({KAREN: 1, BO: 1})
    with app.app_context():
        (batch,) = round_status(db.session.get(Round, odense_round))
    assert (batch.total.invitations, batch.total.sent, batch.total.failed) == (5, 3, 2)
    assert batch.total.waiting == 5
    assert work(cli, at(2)) == "delivered 3, failed 2, waiting 0"


# --- a worker dies; two workers at once ----------------------------------------------------


def worker_environment(app, db_url: str, gateway: Gateway) -> dict[str, str]:
    """What `flask --app wsgi outbox work` needs to use this test's database and gateway."""
    url = db_url
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
    if options.get("options"):  # PostgreSQL: this session's own schema
        url += "?options=" + quote(options["options"])
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLASK_DEBUG", "BORGERBLIK_DEMO", "FILE_TRANSPORT", "SMTP_URL"}
    }
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=app.config["SECRET_KEY"],
        TOKEN_KEY=app.config["TOKEN_KEY"],
        CONTACT_KEY=app.config["CONTACT_KEY"],
        PUBLIC_BASE_URL=app.config["PUBLIC_BASE_URL"],
        SMS_GATEWAY_URL=gateway.url,
        SMS_GATEWAY_TOKEN=TOKEN,
        SMS_SENDER=SENDER,
        SMS_CALLBACK_SECRET="",
    )
    return env


def test_a_worker_killed_mid_batch_leaves_its_claims_to_the_next_worker(
    app, db_url, cli, tmp_path, gateway, odense_round
):
    rows = [*THREE, ("r4", "50 60 70 80", "")]
    send(cli, tmp_path, odense_round, rows, "--at", at())
    # The worst moment: the gateway has taken the first SMS but not yet answered.
    gateway.plan(ACCEPT_THEN_HANG)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work", "--once", "--now", at()],
        cwd=ROOT,
        env=worker_environment(app, db_url, gateway),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert gateway.answering.wait(60), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, (stdout, stderr)
    gateway.release()
    assert len(gateway.delivered) == 1
    claimed = messages(app)
    assert {m.state for m in claimed} == {"sending"}
    assert {m.claimed_until for m in claimed} == {utc() + worker.LEASE}

    # While the lease holds nobody else sends them; once it has run out the next worker does.
    assert work(cli, at(0, "10:04")) == "delivered 0, failed 0, waiting 4"
    assert len(gateway.attempts) == 1
    assert work(cli, at(0, "10:05:01")) == "delivered 4, failed 0, waiting 0"
    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1, BO: 1, 4550607080: 1})
    assert gateway.duplicates == [gateway.delivered[0].userref]
    assert sealed(app) == [None] * 4


def test_an_abandoned_claim_is_taken_over_only_after_its_lease(
    app, cli, tmp_path, gateway, odense_round
):
    send(cli, tmp_path, odense_round, THREE, "--at", at())
    with app.app_context():
        claimed, _lease = worker._claim(utc())
        assert len(claimed) == 3  # and never recorded
        db.session.remove()
    assert work(cli, at(0, "10:05")) == "delivered 0, failed 0, waiting 3"
    assert work(cli, at(0, "10:06")) == "delivered 3, failed 0, waiting 0"
    assert gateway.per_number() == Counter({KAREN: 1, OLE: 1, BO: 1})
    assert gateway.duplicates == []


def test_two_workers_at_once_deliver_each_message_exactly_once(
    app, cli, tmp_path, gateway, odense_round
):
    count = 150
    rows = [(f"r{n}", f"2{n:07d}", "") for n in range(1, count + 1)]
    assert last_line(send(cli, tmp_path, odense_round, rows, "--at", at())) == (
        f"queued {count} sms, 0 e-mail"
    )
    gateway.delay = 0.002  # a gateway a little slower than the database
    start = threading.Barrier(2)
    tallies, errors = [], []

    def run():
        try:
            with app.app_context():
                start.wait(10)
                tallies.append(worker.work(now=utc()))
                db.session.remove()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append("".join(traceback.format_exception(error)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, "\n".join(errors)
    assert sorted(t.delivered for t in tallies) != [0, count], "the workers did not overlap"
    assert sum(t.delivered for t in tallies) == count
    assert len(gateway.attempts) == count and gateway.duplicates == []
    assert set(gateway.per_number().values()) == {1} and len(gateway.per_number()) == count
    assert states(app) == Counter({"sent": count})
    assert sealed(app) == [None] * count


def test_a_slow_worker_does_not_send_what_another_took_over_after_its_lease(
    app, mail, odense_round, monkeypatch
):
    # Real time, scaled down: a lease of 1 s, a mail server taking 0.3 s per message.
    monkeypatch.setattr(worker, "LEASE", timedelta(seconds=1))
    mail.delay = 0.3
    count = 8
    with app.app_context():
        rows = [{"reference": f"r{n}", "email": f"borger{n}@example.dk"} for n in range(count)]
        texts = {lang: DEFAULT_TEXTS[lang] for lang in ("da", "en")}
        queue_send(db.session.get(Round, odense_round), rows, texts, worker.utcnow())
        db.session.commit()
    errors: list[str] = []

    def run(wait: float):
        try:
            time.sleep(wait)
            with app.app_context():
                worker.work()
                db.session.remove()
        except BaseException as error:
            errors.append("".join(traceback.format_exception(error)))

    threads = [threading.Thread(target=run, args=(wait,)) for wait in (0, 1.2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, "\n".join(errors)
    per_recipient = Counter(r for m in mail.messages for r in m.recipients)
    assert len(per_recipient) == count
    assert set(per_recipient.values()) == {1}, per_recipient


# --- delivery receipts ---------------------------------------------------------------------


@pytest.fixture
def receipts(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_SECRET", SECRET)


def post_receipt(client, claims: dict, signature: str | None, body: dict | None = None):
    headers = {} if signature is None else {"X-Gwapi-Signature": signature}
    return client.post("/outbox/receipts/sms", json=body or claims, headers=headers)


def receipt_for(sms, status: str = "DELIVERED") -> dict:
    return {
        "id": sms.id,
        "msisdn": sms.msisdn,
        "time": int(time.time()),
        "status": status,
        "userref": sms.userref,
        "api": 4,
    }


def outbox_rows(app) -> list[tuple]:
    return [
        (m.id, m.state, m.finished_at, m.error, m.gateway_ref, m.attempts) for m in messages(app)
    ]


def test_a_signed_receipt_marks_the_message_delivered_or_failed(
    app, cli, client, tmp_path, gateway, receipts, odense_round
):
    send(cli, tmp_path, odense_round, THREE, "--at", at())
    assert work(cli, at()) == "delivered 3, failed 0, waiting 0"
    assert {s.callback_url for s in gateway.delivered} == {"http://localhost/outbox/receipts/sms"}
    karen, ole, bo = sorted(gateway.delivered, key=lambda s: [KAREN, OLE, BO].index(s.msisdn))

    claims = receipt_for(karen)
    answer = post_receipt(client, claims, sign_receipt(claims, SECRET))
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok", "changed": True}
    claims = receipt_for(ole, "UNDELIVERABLE")
    assert post_receipt(client, claims, sign_receipt(claims, SECRET)).get_json()["changed"]
    claims = receipt_for(bo, "ENROUTE")  # not an outcome yet
    assert not post_receipt(client, claims, sign_receipt(claims, SECRET)).get_json()["changed"]

    by_ref = {m.gateway_ref: m for m in messages(app)}
    assert by_ref[str(karen.id)].state == "delivered"
    assert (by_ref[str(ole.id)].state, by_ref[str(ole.id)].error) == (
        "failed",
        "gateway: undeliverable",
    )
    assert by_ref[str(bo.id)].state == "sent"
    with app.app_context():
        (batch,) = round_status(db.session.get(Round, odense_round))
    assert (batch.total.sent, batch.total.delivered, batch.total.failed) == (2, 1, 1)


def test_a_receipt_without_our_signature_is_refused_and_changes_nothing(
    app, cli, client, tmp_path, gateway, receipts, odense_round
):
    send(cli, tmp_path, odense_round, THREE, "--at", at())
    assert work(cli, at()) == "delivered 3, failed 0, waiting 0"
    sms = gateway.delivered[0]
    claims = receipt_for(sms)
    before = outbox_rows(app)
    valid = sign_receipt(claims, SECRET)
    header, payload, mac = valid.split(".")
    forged_claims = sign_receipt(receipt_for(gateway.delivered[1]), SECRET).split(".")[1]
    for signature in [
        None,
        "",
        "not-a-jwt",
        sign_receipt(claims, "another-secret"),
        sign_receipt(claims, SECRET, algorithm="none"),
        f"{header}.{forged_claims}.{mac}",  # claims swapped under a valid signature
        f"{header}.{payload}.",
    ]:
        answer = post_receipt(client, claims, signature)
        assert answer.status_code == 403, signature
        assert answer.get_json() == {"status": "refused"}
    assert outbox_rows(app) == before

    # The signed claims are the receipt: a body that says otherwise is not believed.
    enroute = receipt_for(sms, "ENROUTE")
    answer = post_receipt(client, enroute, sign_receipt(enroute, SECRET), body=claims)
    assert answer.get_json() == {"status": "ok", "changed": False}
    assert outbox_rows(app) == before


def test_without_a_callback_secret_every_receipt_is_refused(
    app, cli, client, tmp_path, gateway, odense_round
):
    send(cli, tmp_path, odense_round, [("r1", KAREN_MOBILE, "")], "--at", at())
    work(cli, at())
    assert gateway.delivered[0].callback_url is None  # no receipts asked for
    claims = receipt_for(gateway.delivered[0])
    assert post_receipt(client, claims, sign_receipt(claims, "")).status_code == 403


def test_a_receipt_that_overtakes_the_worker_still_lets_the_contacts_go(
    app, cli, tmp_path, gateway, receipts, odense_round
):
    """GatewayAPI may call back before the worker has written down that it sent."""
    send(cli, tmp_path, odense_round, [("r1", KAREN_MOBILE, "")], "--at", at())
    real = transports.transports(app.config, "http://localhost/outbox/receipts/sms")["sms"]

    class ReceiptFirst:
        def send(self, message):
            reference = real.send(message)
            sms = gateway.delivered[-1]
            claims = receipt_for(sms)

            def gateway_calls_back():
                post_receipt(app.test_client(), claims, sign_receipt(claims, SECRET))

            thread = threading.Thread(target=gateway_calls_back)
            thread.start()
            thread.join(30)
            return reference

    with app.app_context():
        tally = worker.work(now=utc(), via={"sms": ReceiptFirst(), "email": real})
        db.session.remove()
    (message,) = messages(app)
    assert message.state == "delivered"
    assert tally.delivered == 1
    assert message.sent_at == utc() and message.gateway_ref == "1"
    assert sealed(app) == [None]  # nothing left to send: the contact data is gone
    assert erasures(app) == [("outbox", {"invitations": 1})]


# --- what staff are told -------------------------------------------------------------------


def test_bad_numbers_and_addresses_are_named_row_by_row_and_nothing_is_queued(
    app, cli, tmp_path, odense_round
):
    rows = [
        ("r1", KAREN_MOBILE, ""),
        ("r2", "12345678", ""),  # Danish numbers do not begin with 1
        ("r3", "+46 70 123 45 67", ""),  # Swedish
        ("r4", "", "anna@"),
        ("r5", "", "anna hansen@example.dk"),
        ("r6", "", ""),
        ("r7", "2011 223", ""),
    ]
    result = send(cli, tmp_path, odense_round, rows, "--at", at(), ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Row 3, column mobile: not a Danish mobile number (8 digits, optionally +45).",
        "Row 4, column mobile: not a Danish mobile number (8 digits, optionally +45).",
        "Row 5, column email: not an e-mail address.",
        "Row 6, column email: not an e-mail address.",
        "Row 7: give a mobile number or an e-mail address, or the invitation cannot be sent.",
        "Row 8, column mobile: not a Danish mobile number (8 digits, optionally +45).",
        "Error: nothing was queued: fix the send list first",
    ]
    # The bad values are never echoed back (they may be a real person's).
    assert "12345678" not in result.stderr and "anna" not in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_bad_send_plans_are_refused_with_a_clear_message(app, cli, tmp_path, odense_round):
    rows = [("r1", KAREN_MOBILE, "")]
    cases = [
        (("--at", "yesterday"), "Invalid value for --at: write a time like 2026-12-01T09:00"),
        (("--at", "2020-01-01T10:00"), "The send time has passed. Choose a time from now on."),
        (
            ("--at", at(), *[f"--reminder-after-days={d}" for d in (1, 2, 3, 4)]),
            "At most 3 reminders.",
        ),
        (
            ("--at", at(), "--reminder-after-days", "61"),
            "A reminder is sent 1 to 60 days after the invitation.",
        ),
    ]
    for options, message in cases:
        result = send(cli, tmp_path, odense_round, rows, *options, ok=False)
        assert result.exit_code != 0, options
        assert message in result.stderr, (options, result.stderr)
    result = cli("outbox", "work", "--once", "--now", "tomorrow", ok=False)
    assert "write a time like 2026-12-01T09:00" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hej {navn}, svar her: {link}", "Unknown placeholder {navn}."),
        ("Hej {0} og {link.__class__}: {link}", "Unknown placeholder {0}, {link.__class__}."),
        ("Svar på spørgeskemaet fra {organisation}", "The text must contain {link}"),
        ("Svar her: {link", "A { or } is not closed."),
        ("Svar her :-} {link}", "A { or } is not closed."),
        ("   ", "The text is empty."),
        ("{link} " + "x" * 1000, "The text is longer than 1000 characters."),
    ],
)
def test_bad_texts_get_clear_messages(text, message, app_ctx):
    with force_locale("en"), pytest.raises(TextError) as refused:
        check_text(text)
    assert message in str(refused.value)
    texts = {"da": {"invitation": text, "reminder": "Husk {link}"}}
    with force_locale("en"), pytest.raises(SendError) as refused_send:
        check_texts(texts, ["da"])
    assert str(refused_send.value) == f"da, invitation: {refused.value}"


def test_a_round_with_a_broken_text_queues_nothing(app, cli, tmp_path, odense_round):
    with app.app_context():
        survey_round = db.session.get(Round, odense_round)
        survey_round.message_texts = {
            "da": {"invitation": "Hej, svar her: {link}", "reminder": "Husk at svare {url}"}
        }
        db.session.commit()
    result = send(cli, tmp_path, odense_round, [("r1", KAREN_MOBILE, "")], "--at", at(), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: da, reminder: Unknown placeholder {url}. "
        "Only {link} and {organisation} can be used.\n"
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_a_closed_round_cannot_be_sent(app, cli, tmp_path, make_round):
    round_id = make_round(state="closed")
    result = send(cli, tmp_path, round_id, [("r1", KAREN_MOBILE, "")], "--at", at(), ok=False)
    assert "The round is closed; invitations can no longer be sent." in result.stderr


def test_the_commands_last_lines(app, cli, tmp_path, gateway, mail, odense_round):
    rows = [("r1", KAREN_MOBILE, ""), ("r2", "", SIGNE), ("r3", "", ANNA)]
    queued = send(cli, tmp_path, odense_round, rows, "--at", at(), "--reminder-after-days", "5")
    assert queued.stdout == "3 invitations; 3 reminders queued\nqueued 1 sms, 2 e-mail\n"
    done = cli("outbox", "work", "--once", "--now", at())
    assert done.stdout == "delivered 3, failed 0, waiting 3\n"
    assert work(cli, at(5)) == "delivered 3, failed 0, waiting 0"
    assert work(cli, at(6)) == "delivered 0, failed 0, waiting 0"


def test_status_counts_hide_groups_under_five(app, cli, tmp_path, gateway, odense_round):
    header = ("reference", "mobile", "benefit_group", "age_band")
    rows = [(f"d{n}", f"2{n:07d}", "dagpenge", "18-29" if n < 4 else "30-49") for n in range(7)]
    rows += [(f"k{n}", f"3{n:07d}", "kontanthjaelp", "30-49") for n in range(3)]
    send(cli, tmp_path, odense_round, rows, "--at", at(), header=header)
    gateway.refuse(4520000001)
    assert work(cli, at()) == "delivered 9, failed 1, waiting 0"
    with app.app_context():
        (batch,) = round_status(db.session.get(Round, odense_round))
    assert batch.total.invitations == 10
    assert (batch.total.sent, batch.total.failed, batch.total.waiting) == (9, 1, 0)
    # Kontanthjælp (3) and 18-29 (4) are too small to show; dagpenge and 30-49 are shown.
    shown = {
        variable: [(c.label, c.invitations, c.sent, c.failed) for c in counts]
        for variable, counts in batch.groups.items()
    }
    assert shown == {
        "benefit_group": [("dagpenge", 7, 6, 1)],
        "age_band": [("30-49", 6, 6, 0)],
    }

    # The round's page shows the same counts, and nothing of the small groups.
    make_user(app, "admin@odense.dk", "admin", 461)
    page = logged_in(app, "admin@odense.dk").get(f"/admin/rounds/{odense_round}")
    html = page.get_data(as_text=True)
    panel = html[html.index('id="delivery"') :]
    panel = panel[: panel.index("</table>")]
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", panel, re.S)[1:]]
    assert [row.split()[-5:] for row in rows] == [
        ["10", "0", "9", "0", "1"],  # invited, waiting, sent, delivered, failed
        ["7", "0", "6", "0", "1"],
        ["6", "0", "6", "0", "0"],
    ]
    assert rows[1].endswith("dagpenge 7 0 6 0 1") and rows[2].endswith("30-49 6 0 6 0 0")
    assert "kontanthjaelp" not in html and "18-29" not in panel


def test_queue_send_counts_and_rolls_back_as_one(app, odense_round):
    """Invitations and their messages are written in one transaction: a rollback of the
    send leaves neither behind."""
    with app.app_context():
        survey_round = db.session.get(Round, odense_round)
        texts = {lang: DEFAULT_TEXTS[lang] for lang in ("da", "en")}
        rows = [
            {"reference": "r1", "mobile": "4520112233", "email": SIGNE},
            {"reference": "r2", "email": SIGNE},
        ]
        queued = queue_send(survey_round, rows, texts, utc(), [2])
        assert (queued.sms, queued.email, queued.reminders, queued.messages) == (1, 1, 2, 4)
        channels = Counter(db.session.scalars(select(OutboxMessage.channel)))
        assert channels == Counter({"sms": 2, "email": 2})
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_without_a_transport_messages_wait_and_keep_their_attempts(app, odense_round):
    """A forgotten SMS_GATEWAY_URL must not fail a whole send after the last backoff."""
    from survey.delivery.transports import NotConfigured
    from survey.models import OutboxMessage

    with app.app_context():
        rows = [{"reference": "r1", "mobile": "4520000001"}]
        texts = {lang: DEFAULT_TEXTS[lang] for lang in ("da", "en")}
        queue_send(db.session.get(Round, odense_round), rows, texts, utc(10))
        db.session.commit()
        for hours in range(0, 30, 2):  # more than every backoff together
            worker.work(
                now=utc(10) + timedelta(hours=hours),
                via={"sms": NotConfigured("SMS gateway"), "email": NotConfigured("mail server")},
            )
        message = db.session.scalar(select(OutboxMessage))
        assert (message.state, message.attempts) == ("waiting", 0)
        assert message.error == "no SMS gateway is configured"
        db.session.remove()


def test_a_send_list_naming_the_language_sends_the_message_and_opens_the_link_in_it(
    app, cli, tmp_path, gateway, odense_round
):
    """Issue 13: "engelsk" in the send list's language column is English, in the SMS and
    on the page the link opens (it used to be Danish in both)."""
    send(
        cli,
        tmp_path,
        odense_round,
        [("r1", KAREN_MOBILE, "", "engelsk"), ("r2", OLE_MOBILE, "", "")],
        "--at",
        at(),
        header=("reference", "mobile", "email", "language"),
    )
    assert work(cli, at()) == "delivered 2, failed 0, waiting 0"
    by_number = {sms.msisdn: sms.message for sms in gateway.delivered}
    karen_link = link_in(by_number[KAREN])
    assert by_number[KAREN] == DEFAULT_TEXTS["en"]["invitation"].format(
        organisation=ORGANISATION, link=karen_link
    )
    assert by_number[OLE] == DEFAULT_TEXTS["da"]["invitation"].format(
        organisation=ORGANISATION, link=link_in(by_number[OLE])
    )
    browser = app.test_client()
    assert browser.get(urlsplit(karen_link).path).status_code == 303
    assert '<html lang="en" dir="ltr">' in browser.get("/svar").get_data(as_text=True)
