"""Configuration read from the environment, with safe defaults for the embedded demo."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """Raised when the environment cannot run the app safely."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "borgerblik.sqlite")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment and explicit overrides.

    Outside debug, demo and testing, SECRET_KEY must be set: a key invented at start-up
    would silently differ between gunicorn workers and log every citizen out.
    """
    overrides = dict(overrides or {})
    debug = _flag("FLASK_DEBUG")
    demo = _flag("BORGERBLIK_DEMO")
    testing = bool(overrides.get("TESTING"))
    relaxed = debug or demo or testing

    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        secret = _instance_secret(instance_path, "secret_key")
    token_key = overrides.get("TOKEN_KEY") or os.environ.get("TOKEN_KEY")
    if not token_key:
        if not relaxed:
            raise ConfigError("TOKEN_KEY is not set; it keys the hashes of invitation tokens.")
        token_key = _instance_secret(instance_path, "token_key")

    contact_key = overrides.get("CONTACT_KEY") or os.environ.get("CONTACT_KEY")
    if not contact_key:
        if not relaxed:
            raise ConfigError(
                "CONTACT_KEY is not set; it encrypts citizens' mobile numbers and e-mail addresses."
            )
        contact_key = _instance_secret(instance_path, "contact_key")

    public_base_url = (
        overrides.get("PUBLIC_BASE_URL") or os.environ.get("PUBLIC_BASE_URL", "")
    ).rstrip("/")
    if not public_base_url and not relaxed:
        # Links in messages must not follow a request's Host header, which anyone can set.
        raise ConfigError(
            "PUBLIC_BASE_URL is not set; it is the address citizens reach, used in every link."
        )

    production = not relaxed
    config: dict[str, Any] = {
        "SECRET_KEY": secret,
        "TOKEN_KEY": token_key,
        "CONTACT_KEY": contact_key,
        # Delivery: GatewayAPI for SMS, SMTP for e-mail; without them (demo) a file transport.
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", "").rstrip("/"),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        "SMS_SENDER": os.environ.get("SMS_SENDER", "Borgerblik")[:11],
        "SMS_CALLBACK_SECRET": os.environ.get("SMS_CALLBACK_SECRET", ""),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", ""),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        "FILE_TRANSPORT": demo or testing or _flag("FILE_TRANSPORT"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL") or default_sqlite_url(instance_path)
        ),
        # No "pre-ping" round trip before every request: a connection found dead (the
        # database restarted) fails its request's first statement, and the request is run
        # again on a new connection (transaction.run_view); the delivery worker does the
        # same per batch.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production and not _flag("INSECURE_COOKIES"),
        "SESSION_COOKIE_NAME": "borgerblik",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        # Sign and send the cookie only when it changed: re-signing an unchanged citizen
        # cookie on every response cost 8 % of a page. (Staff sessions are not permanent,
        # so this changes nothing for them; a citizen's cookie lasts 30 days from its last
        # change, longer than any round.)
        "SESSION_REFRESH_EACH_REQUEST": False,
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # a citizen may pause for hours; the session bounds it
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent.parent / "translations"),
        "PUBLIC_BASE_URL": public_base_url,
        "DEMO": demo,
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),  # reverse proxies in front
        "JSON_LOGS": _flag("JSON_LOGS") or production,
        "ACCESSIBILITY_STATEMENT_URL": os.environ.get("ACCESSIBILITY_STATEMENT_URL", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_ATTEMPTS_PER_ADDRESS": "20 per 10 minutes",
        "LOGIN_ATTEMPTS_PER_ACCOUNT": "5 per 10 minutes",
        "RESET_REQUESTS_PER_ADDRESS": "10 per hour",
        "RESET_REQUESTS_PER_ACCOUNT": "3 per hour",
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES") or 30),
        # Single sign-on (OpenID Connect): e.g. https://login.microsoftonline.com/TENANT/v2.0
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_NAME": os.environ.get("OIDC_NAME", ""),
        "OIDC_EMAIL_CLAIM": os.environ.get("OIDC_EMAIL_CLAIM", "email"),
        # Sheets sent through one round's open links from one address: a waiting room
        # behind one address stays well within it, a script sending sheet after sheet not.
        "OPEN_LINK_COMPLETIONS_PER_ADDRESS": os.environ.get(
            "OPEN_LINK_COMPLETIONS_PER_ADDRESS", "10 per minute;60 per hour"
        ),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production and not _flag("INSECURE_COOKIES"),
    }
    config.update(overrides)
    config["PUBLIC_BASE_URL"] = public_base_url
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    return config


def normalise_database_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance_path: str, name: str) -> str:
    """Keep a random development secret in instance/ so restarts keep sessions valid."""
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: several gunicorn workers may start at once; only one may write
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.02)
    raise ConfigError(f"{path} is empty; delete it and start again.")
