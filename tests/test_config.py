"""Configuration from the environment, SQLite settings, security headers and cookies."""

from __future__ import annotations

import os
import re
import stat

import pytest
from sqlalchemy import text

from survey import create_app
from survey.core.config import ConfigError, load_config, normalise_database_url
from survey.core.extensions import db

ENVIRONMENT = (
    "SECRET_KEY",
    "TOKEN_KEY",
    "CONTACT_KEY",
    "FLASK_DEBUG",
    "BORGERBLIK_DEMO",
    "DATABASE_URL",
    "INSECURE_COOKIES",
    "PUBLIC_BASE_URL",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONTACT_KEY", "c" * 32)  # their own tests below remove them
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://borgerblik.example")
    return monkeypatch


# --- SECRET_KEY and friends -------------------------------------------------------------


def test_secret_key_is_required_outside_debug_and_demo(clean_env, tmp_path):
    clean_env.setenv("TOKEN_KEY", "t" * 32)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(str(tmp_path))
    clean_env.setenv("SECRET_KEY", "")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    assert not (tmp_path / "secret_key").exists()  # no key invented behind our back


def test_create_app_refuses_to_start_without_secret_key(clean_env):
    clean_env.setenv("TOKEN_KEY", "t" * 32)
    with pytest.raises(ConfigError):
        create_app()


def test_token_key_is_required_outside_debug_and_demo(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "s" * 32)
    with pytest.raises(ConfigError, match="TOKEN_KEY"):
        load_config(str(tmp_path))


def test_contact_key_is_required_outside_debug_and_demo(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "s" * 32)
    clean_env.setenv("TOKEN_KEY", "t" * 32)
    clean_env.delenv("CONTACT_KEY")
    with pytest.raises(ConfigError, match="CONTACT_KEY"):
        load_config(str(tmp_path))
    assert not (tmp_path / "contact_key").exists()


def test_keys_from_the_environment_are_used_and_cookies_are_secure(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "s" * 40)
    clean_env.setenv("TOKEN_KEY", "t" * 40)
    config = load_config(str(tmp_path))
    assert config["SECRET_KEY"] == "s" * 40
    assert config["TOKEN_KEY"] == "t" * 40
    assert config["SESSION_COOKIE_SECURE"] is True  # production
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["DEMO"] is False


@pytest.mark.parametrize("flag", ["BORGERBLIK_DEMO", "FLASK_DEBUG"])
def test_demo_and_debug_accept_a_missing_secret_key(clean_env, tmp_path, flag):
    clean_env.setenv(flag, "1")
    first = load_config(str(tmp_path))
    again = load_config(str(tmp_path))
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SECRET_KEY"] == again["SECRET_KEY"]  # kept in instance/, stable
    assert first["TOKEN_KEY"] == again["TOKEN_KEY"]
    assert first["SECRET_KEY"] != first["TOKEN_KEY"]
    for name in ("secret_key", "token_key"):
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600, oct(mode)
    assert first["DEMO"] is (flag == "BORGERBLIK_DEMO")


def test_demo_app_starts_without_secret_key(clean_env, tmp_path):
    clean_env.setenv("BORGERBLIK_DEMO", "1")
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/demo.sqlite")
    application = create_app()
    assert application.config["SECRET_KEY"]
    assert application.config["DEMO"] is True
    with application.app_context():
        db.engine.dispose()


# --- DATABASE_URL -----------------------------------------------------------------------


def test_default_database_is_sqlite_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("BORGERBLIK_DEMO", "1")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/borgerblik.sqlite"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/bb", "postgresql+psycopg://u:p@db:5432/bb"),
        ("postgresql://u@db/bb?sslmode=require", "postgresql+psycopg://u@db/bb?sslmode=require"),
        ("postgresql+psycopg://u@db/bb", "postgresql+psycopg://u@db/bb"),
        ("sqlite:////var/lib/bb.sqlite", "sqlite:////var/lib/bb.sqlite"),
    ],
)
def test_database_url_is_normalised(clean_env, tmp_path, given, expected):
    assert normalise_database_url(given) == expected
    clean_env.setenv("BORGERBLIK_DEMO", "1")
    clean_env.setenv("DATABASE_URL", given)
    assert load_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == expected
    clean_env.delenv("DATABASE_URL")
    overridden = load_config(str(tmp_path), {"SQLALCHEMY_DATABASE_URI": given})
    assert overridden["SQLALCHEMY_DATABASE_URI"] == expected


# --- SQLite -----------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path):
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "sqlite-secret",
            "TOKEN_KEY": "sqlite-token-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/settings.sqlite",
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_app):
    with sqlite_app.app_context():
        for _ in range(2):  # every pooled connection, not just the first
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_postgresql_connections_run_without_jit():
    """JIT compiling cost a comparison's counting statements up to 0.9 s at 100,000
    responses: every pooled connection has it off, also after a transaction ends."""
    application = create_app(
        {
            "SECRET_KEY": "k" * 32,
            "TOKEN_KEY": "t" * 32,
            "CONTACT_KEY": "c" * 32,
            "PUBLIC_BASE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": POSTGRES_URL,
        }
    )
    with application.app_context():
        try:
            with db.engine.connect() as first, db.engine.connect() as second:
                for connection in (first, second):
                    assert connection.execute(text("SHOW jit")).scalar() == "off"
                    connection.rollback()
                    assert connection.execute(text("SHOW jit")).scalar() == "off"
        finally:
            db.session.remove()
            db.engine.dispose()


def test_sqlite_engine_is_a_file_not_memory(app):
    """The suite's SQLite (when used) is a file, so WAL and several writers are real."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.engine.url.database and db.engine.url.database != ":memory:"
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert db.engine.dialect.name == "postgresql"
            assert db.engine.dialect.driver == "psycopg"


# --- headers and cookies ----------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    headers = response.headers
    csp = csp_directives(headers["Content-Security-Policy"])
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "*" not in scripts
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    if response.mimetype == "text/html":
        assert headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        # Nothing the CSP would have to allow inline: only the app's own static script files.
        for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, re.S):
            assert re.fullmatch(r'<script src="/static/[a-z]+\.js" defer>', tag), tag
            assert not body.strip(), tag
        assert html.count("<script") == len(re.findall(r"<script\b[^>]*>.*?</script>", html, re.S))
        assert " style=" not in html


def test_security_headers_on_every_kind_of_response(app, client, make_round, invite):
    (token,) = invite(make_round())
    seen = {}
    seen["unknown link"] = client.get("/s/unknownunknownunknown")
    seen["entry redirect"] = client.get(f"/s/{token}")
    seen["landing"] = client.get("/svar")
    landing = seen["landing"].get_data(as_text=True)
    csrf = landing.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    seen["start redirect"] = client.post("/svar/start", data={"csrf_token": csrf})
    seen["question page"] = client.get(seen["start redirect"].headers["Location"])
    seen["csrf failure"] = client.post("/svar/side/meeting", data={"page": "meeting"})
    seen["wrong method"] = client.get("/svar/start")
    seen["static file"] = client.get("/static/app.css")
    seen["no session"] = app.test_client().get("/svar/side/meeting")
    seen["staff login"] = app.test_client().get("/login")
    seen["staff area without login"] = app.test_client().get("/admin/")
    statuses = {name: response.status_code for name, response in seen.items()}
    assert statuses == {
        "unknown link": 404,
        "entry redirect": 303,
        "landing": 200,
        "start redirect": 302,
        "question page": 200,
        "csrf failure": 400,
        "wrong method": 405,
        "static file": 200,
        "no session": 404,
        "staff login": 200,
        "staff area without login": 302,
    }
    for name, response in seen.items():
        try:
            assert_security_headers(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error!r}") from error
        response.close()


def test_session_cookie_is_http_only_and_same_site_lax(client, make_round, invite):
    (token,) = invite(make_round())
    response = client.get(f"/s/{token}")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("borgerblik=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower().replace(" ", "")
    assert "path" in attributes
