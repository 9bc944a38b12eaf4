"""Concurrent citizens through a real threaded HTTP server: no lost or doubled answers.

A werkzeug server runs the app in a thread (one thread per request) and `requests`
sessions play the browsers, so commits, locks and the SQLite busy timeout are real.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections import Counter
from functools import partial

import pytest
import requests
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from survey import create_app
from survey.core.extensions import db
from survey.models import Answer, Municipality, Response, Round

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEM = re.compile(r'name="((?:kl|odense)\.[a-z0-9_.]+)"')
MEETING = ["kl.meeting.welcoming", "kl.meeting.respect", "kl.meeting.health", "kl.meeting.contact"]
TIMEOUT = 20  # seconds for any one request or wait; the whole file runs in a few seconds


@contextlib.contextmanager
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


class Browser:
    """One phone: a cookie jar that follows the citizen's pages by hand."""

    def __init__(self, base: str, cookies=None):
        self.base = base
        self.http = requests.Session()
        if cookies is not None:
            self.http.cookies.update(cookies)
        self.csrf = None
        self.location = None
        self.statuses: list[int] = []

    def close(self):
        self.http.close()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(
            method, self.base + path, allow_redirects=False, timeout=TIMEOUT, **kwargs
        )
        self.statuses.append(response.status_code)
        if response.status_code in (302, 303):
            self.location = response.headers["Location"]
        match = CSRF.search(response.text)
        if match:
            self.csrf = match.group(1)
        return response

    def enter(self, path: str) -> None:
        assert self.request("GET", path).status_code == 303
        assert self.request("GET", "/svar").status_code == 200

    def start(self) -> requests.Response:
        return self.request("POST", "/svar/start", data={"csrf_token": self.csrf})

    def page(self) -> str:
        response = self.request("GET", self.location)
        assert response.status_code == 200, response.text
        return response.text

    def post(self, path: str, page: str, answers: dict) -> requests.Response:
        data = {"csrf_token": self.csrf, "page": page, "action": "next", **answers}
        return self.request("POST", path, data=data)


def prepare_round(app, invitations: int) -> list[str]:
    """An open Odense round with its local questions; returns invitation tokens."""
    from survey.demo.setup import ensure_odense_questions
    from survey.invitations.issuing import issue_invitations
    from survey.rounds.lifecycle import open_round
    from survey.rounds.placement import add_local_question

    with app.app_context():
        survey_round = Round(
            municipality=db.session.get(Municipality, 461),
            title="Samtidighed",
            questionnaire_key="kl-beskaeftigelse",
            questionnaire_version=1,
            languages=["da", "en"],
        )
        db.session.add(survey_round)
        for question in ensure_odense_questions():
            add_local_question(survey_round, question)
        db.session.flush()
        open_round(survey_round)
        issued = issue_invitations(survey_round, [{}] * invitations)
        db.session.commit()
        return [token for _number, token in issued]


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        responses = db.session.scalar(select(func.count()).select_from(Response))
        completed = db.session.scalar(
            select(func.count()).select_from(Response).where(Response.completed.is_(True))
        )
        answers = db.session.scalar(select(func.count()).select_from(Answer))
        return responses, completed, answers


def run_together(workers, timeout: float = TIMEOUT) -> list[BaseException]:
    """Run every worker in its own thread; return the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(work):
        try:
            work()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a worker hung"
    return errors


def at_once(*calls) -> list:
    """Release the calls together from a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    results: list = [None] * len(calls)

    def worker(index: int, call):
        def work():
            barrier.wait()
            results[index] = call()

        return work

    errors = run_together([worker(index, call) for index, call in enumerate(calls)])
    assert not errors, errors
    return results


# --- two tabs of one citizen ------------------------------------------------------------


def test_two_tabs_posting_the_same_page_at_once_leave_one_consistent_answer(app):
    (token,) = prepare_round(app, 1)
    with live_server(app) as base:
        first = Browser(base)
        first.enter(f"/s/{token}")
        assert first.start().headers["Location"] == "/svar/side/meeting"
        first.page()
        second = Browser(base, first.http.cookies)  # the same session in a second tab
        second.csrf = first.csrf
        try:
            for attempt in range(6):
                results = at_once(
                    partial(
                        first.post, "/svar/side/meeting", "meeting", dict.fromkeys(MEETING, "5")
                    ),
                    partial(
                        second.post, "/svar/side/meeting", "meeting", dict.fromkeys(MEETING, "1")
                    ),
                )
                assert [r.status_code for r in results] == [302, 302], attempt
                with app.app_context():
                    saved = dict(db.session.execute(select(Answer.item_code, Answer.value)).all())
                assert set(saved) == set(MEETING)
                assert len(set(saved.values())) == 1, f"mixed answers: {saved}"
                assert counts(app)[0] == 1
        finally:
            first.close()
            second.close()


def test_two_tabs_starting_at_once_make_one_response(app):
    tokens = prepare_round(app, 4)
    with live_server(app) as base:
        for number, token in enumerate(tokens, 1):
            first = Browser(base)
            first.enter(f"/s/{token}")
            second = Browser(base, first.http.cookies)
            second.csrf = first.csrf
            try:
                results = at_once(first.start, second.start)
            finally:
                first.close()
                second.close()
            assert [(r.status_code, r.headers["Location"]) for r in results] == [
                (302, "/svar/side/meeting")
            ] * 2
            assert counts(app)[0] == number  # one response per citizen, never two


# --- many citizens at once --------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path):
    """A migrated app on a SQLite file of its own, for the PostgreSQL run."""
    from flask_migrate import upgrade

    own = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "concurrency-secret",
            "TOKEN_KEY": "concurrency-token-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/concurrency.sqlite",
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    with own.app_context():
        upgrade()
    yield own
    with own.app_context():
        db.session.remove()
        db.engine.dispose()


CITIZENS = 12


# On a PostgreSQL run, do it on PostgreSQL and again on a SQLite file of its own.
SUITE_ON_SQLITE = not os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.mark.parametrize("database", ["suite"] if SUITE_ON_SQLITE else ["suite", "sqlite"])
def test_concurrent_citizens_never_lose_an_answer(request, database):
    """12 citizens answer at the same moments: every save succeeds, nothing is lost.

    On SQLite this is the "database is locked" test: all posts of a step hit the one
    writer lock together, and WAL + BEGIN IMMEDIATE + busy timeout must make them queue.
    """
    target = request.getfixturevalue("sqlite_app" if database == "sqlite" else "app")
    with target.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    tokens = prepare_round(target, CITIZENS)
    steps = 6  # five pages (no internship) plus the start
    barrier = threading.Barrier(CITIZENS, timeout=TIMEOUT)
    sent: Counter = Counter()
    lock = threading.Lock()

    with live_server(target) as base:
        browsers = [Browser(base) for _ in tokens]

        def citizen(browser: Browser, token: str, number: int):
            try:
                browser.enter(f"/s/{token}")
                barrier.wait()
                assert browser.start().status_code == 302
                for _ in range(steps - 1):
                    html = browser.page()
                    page = browser.location.rsplit("/", 1)[-1]
                    answers = {}
                    for code in sorted(set(ITEM.findall(html))):
                        if code == "kl.progress.internship":
                            answers[code] = "2"
                        elif code == "kl.overall.comment":
                            answers[code] = f"Borger {number} æøå"
                        else:
                            answers[code] = str(number % 6)
                    barrier.wait()
                    response = browser.post(browser.location, page, answers)
                    assert response.status_code == 302, response.text[:2000]
                    with lock:
                        sent[number] += len(answers)
                assert browser.location == "/svar/tak"
            except BaseException:
                barrier.abort()
                raise

        try:
            errors = run_together(
                [
                    (lambda b=b, t=t, n=n: citizen(b, t, n))
                    for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))
                ]
            )
        finally:
            for browser in browsers:
                browser.close()

    assert not errors, errors[0]
    statuses = Counter(status for browser in browsers for status in browser.statuses)
    assert set(statuses) <= {200, 302, 303}, statuses  # never a 500 ("database is locked")
    responses, completed, answers = counts(target)
    assert (responses, completed) == (CITIZENS, CITIZENS)
    assert answers == sum(sent.values())  # no answer lost, none doubled
    with target.app_context():
        comments = set(
            db.session.scalars(select(Answer.value).where(Answer.item_code == "kl.overall.comment"))
        )
    assert comments == {f"Borger {n} æøå" for n in range(CITIZENS)}
