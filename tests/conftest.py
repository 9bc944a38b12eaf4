"""Shared fixtures: one app and one migrated schema per session, emptied after each test.

The database is the real one named by DATABASE_URL (PostgreSQL in CI's second run), or a
SQLite file (never :memory:, so WAL and concurrent writers behave as in production).
Tables are emptied after each test rather than rolled back, because concurrency, live
server and browser tests commit from other threads and processes.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import text

from survey import create_app
from survey.core.extensions import db, limiter

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_SCHEMA = "bb_test_" + uuid.uuid4().hex[:8]
KEEP_TABLES = {"municipality", "alembic_version"}


def database_url(tmp_dir) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_dir}/test.sqlite"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres", "postgresql"))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app_config(db_url) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "TOKEN_KEY": "test-token-key",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "PUBLIC_BASE_URL": "http://localhost",
    }
    if is_postgres(db_url):
        # A schema of our own per test session: parallel runs and old leftovers never meet.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-c search_path={PG_SCHEMA}"},
        }
    return config


@pytest.fixture(scope="session")
def app(app_config, db_url):
    from flask_migrate import upgrade

    application = create_app(app_config)
    with application.app_context():
        if is_postgres(db_url):
            with db.engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        if is_postgres(db_url):
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {PG_SCHEMA} CASCADE"))
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _setup_is_not_audited():
    """Test setup that calls services directly (no request, no command, so the actor is
    "system") is not an action under test: its audit events are dropped before they are
    flushed, so assertions about the trail see only what a test does through the web or
    the command line. No production path writes as "system": requests act as their user,
    commands as "cli" (tests/test_architecture.py checks the services do audit)."""
    from flask import has_request_context
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from survey.models import AuditEvent

    def drop_setup_events(session, _context, _instances):
        if has_request_context():
            return
        for instance in list(session.new):
            if isinstance(instance, AuditEvent) and instance.actor == "system":
                session.expunge(instance)

    event.listen(Session, "before_flush", drop_setup_events)
    yield
    event.remove(Session, "before_flush", drop_setup_events)


@pytest.fixture(autouse=True)
def _empty_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        limiter.reset()  # login attempts counted in one test must not lock out the next
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(table.delete())
            connection.execute(
                text("UPDATE municipality SET service_name = NULL, may_download_links = :no"),
                {"no": False},
            )


@pytest.fixture
def links_allowed(app):
    """An operator has allowed Odense and Rødovre to download invitation links: for tests of
    the download page and of `round invite`, which exist only where that is allowed."""
    from survey.models import Municipality

    with app.app_context():
        for code in (461, 175):
            db.session.get(Municipality, code).may_download_links = True
        db.session.commit()


PRODUCTION_ENVIRONMENT = (
    "FLASK_DEBUG",
    "BORGERBLIK_DEMO",
    "INSECURE_COOKIES",
    "JSON_LOGS",
    "PROXY_COUNT",
    "ACCESSIBILITY_STATEMENT_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
)


@pytest.fixture
def make_production_app(app, app_config, monkeypatch):
    """Apps as gunicorn runs them in production: not testing (the catch-all error page
    logs), JSON logs, Secure cookies and HSTS unless `environment` says otherwise (e.g.
    INSECURE_COOKIES=1); on the session's database and schema, so they run on PostgreSQL
    too and the tables are emptied after the test like any other."""
    import logging

    for name in PRODUCTION_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    # Flask's logger is shared by name with the session's app: give its handlers back.
    logger = logging.getLogger(app.logger.name)
    handlers, level = list(logger.handlers), logger.level
    made = []

    def factory(settings: dict | None = None, **environment: str):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        config = {key: value for key, value in app_config.items() if key != "TESTING"}
        config.update(settings or {})
        # Outside testing every key must be given: CONTACT_KEY too, once the config asks for it.
        config.setdefault("CONTACT_KEY", "test-contact-key")
        production = create_app(config)
        made.append(production)
        assert not production.testing and production.config["JSON_LOGS"]
        return production

    try:
        yield factory
    finally:
        logger.handlers = handlers
        logger.setLevel(level)
        for production in made:
            with production.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def production_app(make_production_app):
    """The app as gunicorn runs it in production (see make_production_app)."""
    production = make_production_app()
    assert production.config["SESSION_COOKIE_SECURE"]
    return production


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def cli(app):
    """`flask ...` as the command line runs it; fails the test on a non-zero exit unless
    ok=False."""
    runner = app.test_cli_runner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(args=list(args))
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
            assert result.exception is None
        return result

    return invoke


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories -------------------------------------------------------------------------


@pytest.fixture
def make_round(app):
    """Create a round (open by default) for a municipality, optionally with Odense's questions."""
    from survey.demo.setup import ensure_odense_questions
    from survey.models import Municipality, Round
    from survey.rounds.lifecycle import open_round
    from survey.rounds.placement import add_local_question

    def factory(
        municipality: int = 461,
        *,
        local: bool = True,
        state: str = "open",
        title: str = "Forår 2026",
        languages=("da", "en"),
        opens_on=None,
        closes_on=None,
        drafts_accepted=None,
        version: int = 1,
    ) -> int:
        with app.app_context():
            survey_round = Round(
                municipality=db.session.get(Municipality, municipality),
                title=title,
                questionnaire_key="kl-beskaeftigelse",
                questionnaire_version=version,
                languages=list(languages),
                draft_languages_accepted=drafts_accepted,
                opens_on=opens_on,
                closes_on=closes_on,
            )
            db.session.add(survey_round)
            if local and municipality == 461:
                for question in ensure_odense_questions():
                    add_local_question(survey_round, question)
            db.session.flush()
            if state in ("open", "closed"):
                open_round(survey_round)
            if state == "closed":
                survey_round.state = "closed"
            db.session.commit()
            return survey_round.id

    return factory


@pytest.fixture
def invite(app):
    """Issue invitations for a round; returns the tokens (the only time they exist)."""
    from survey.invitations.issuing import issue_invitations
    from survey.models import Round

    def factory(round_id: int, count: int = 1, **background) -> list[str]:
        with app.app_context():
            issued = issue_invitations(db.session.get(Round, round_id), [background] * count)
            db.session.commit()
            return [token for _number, token in issued]

    return factory


@pytest.fixture
def open_code(app):
    from survey.models import Round

    def lookup(round_id: int) -> str:
        with app.app_context():
            return db.session.get(Round, round_id).open_code

    return lookup


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_PATTERN = re.compile(r'name="page" value="([^"]+)"')
RADIO_PATTERN = re.compile(r'type="radio"[^>]* name="([^"]+)" value="([^"]+)"')


class Citizen:
    """A citizen's browser in the test client: follows links, reads CSRF tokens, posts pages."""

    def __init__(self, client):
        self.client = client
        self.csrf = None
        self.location = None

    def open(self, path: str):
        response = self.client.get(path)
        if response.status_code in (302, 303):
            self.location = response.headers["Location"]
        return response

    def get(self, path: str | None = None):
        response = self.client.get(path or self.location)
        html = response.get_data(as_text=True)
        match = CSRF_PATTERN.search(html)
        if match:
            self.csrf = match.group(1)
        return response

    def start(self):
        self.get("/svar")
        response = self.client.post("/svar/start", data={"csrf_token": self.csrf})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.location = response.headers["Location"]
        return response

    @property
    def page_key(self) -> str:
        return self.location.rsplit("/", 1)[-1]

    def post_page(
        self,
        answers: dict | None = None,
        action: str = "next",
        page: str | None = None,
        extra: dict | None = None,
        csrf: str | None = None,
    ):
        """Post the current page; lists in `answers` become repeated fields (multi)."""
        if self.csrf is None:
            self.get()
        data = [
            ("csrf_token", self.csrf if csrf is None else csrf),
            ("page", page or self.page_key),
            ("action", action),
        ]
        for code, value in (answers or {}).items():
            for single in value if isinstance(value, list) else [value]:
                data.append((code, str(single)))
        for code, value in (extra or {}).items():
            data.append((code, value))
        from werkzeug.datastructures import MultiDict

        response = self.client.post(self.location, data=MultiDict(data))
        if response.status_code in (302, 303):
            self.location = response.headers["Location"]
        return response

    def answer_to_the_end(self, pages: int = 20):
        """Answer each page with its first option of every choice question until the sheet
        is sent (the thank-you page is next); fails if it is not sent within `pages`."""
        for _ in range(pages):
            html = self.get().get_data(as_text=True)
            fields: dict[str, str] = {}
            for code, value in RADIO_PATTERN.findall(html):
                fields.setdefault(code, value)
            response = self.post_page(fields)
            assert response.status_code == 302, response.status_code
            if response.headers["Location"].endswith("/svar/tak"):
                return response
        raise AssertionError(f"the sheet was not sent within {pages} pages")


@pytest.fixture
def citizen(client):
    return Citizen(client)


@pytest.fixture
def new_citizen(app):
    """Makes another citizen's browser (a test client of its own) each time it is called."""
    return lambda: Citizen(app.test_client())
