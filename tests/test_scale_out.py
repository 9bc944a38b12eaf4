"""Several app instances on one database and one Redis behave as one (issue 12, point 4).

Sessions live in signed cookies and parsed questions are cached per snapshot digest, so a
citizen may move between instances mid-sheet; with REDIS_URL the login limits are counted
across instances. Without REDIS_URL (outside demo mode) each process counts on its own,
which the app says in its log at start and in /health.
"""

from __future__ import annotations

import logging
import os
import re
import uuid

import pytest
from staff import make_user

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = "borgerblik"


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"Redis must answer at {REDIS_URL} in CI: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def instances(make_production_app, redis_url):
    """Two instances as two gunicorn deployments would run them: one Redis, one database,
    the same keys; a key prefix of the test's own in Redis."""
    settings = {"RATELIMIT_KEY_PREFIX": "bb-test-" + uuid.uuid4().hex[:8]}
    return [
        make_production_app(settings, INSECURE_COOKIES="1", REDIS_URL=redis_url) for _ in range(2)
    ]


def move_cookie(source, target) -> None:
    cookie = source.get_cookie(COOKIE)
    target.set_cookie(COOKIE, cookie.value)


def first_page_fields(html: str) -> dict[str, str]:
    key = re.search(r'name="page" value="([^"]+)"', html).group(1)
    codes = sorted(set(re.findall(r'type="radio"[^>]* name="([^"]+)"', html)))
    return {"csrf_token": CSRF.search(html).group(1), "page": key, **dict.fromkeys(codes, "4")}


def test_a_citizen_moves_between_instances_mid_sheet(instances, make_round, invite):
    a_app, b_app = instances
    (token,) = invite(make_round())
    a, b = a_app.test_client(), b_app.test_client()
    assert a.get(f"/s/{token}").status_code == 303
    csrf = CSRF.search(a.get("/svar").get_data(as_text=True)).group(1)
    first = a.post("/svar/start", data={"csrf_token": csrf}).headers["Location"]
    move_cookie(a, b)
    shown = b.get(first)
    assert shown.status_code == 200
    saved = b.post(first, data={**first_page_fields(shown.get_data(as_text=True))})
    assert saved.status_code == 302
    second = saved.headers["Location"]
    assert second != first
    move_cookie(b, a)
    back = a.get(second)
    assert back.status_code == 200
    assert 'name="page"' in back.get_data(as_text=True)
    # Back on the first page, instance A shows what was saved through B.
    again = a.get(first).get_data(as_text=True)
    assert re.search(r'value="4" checked', again)


def failed_logins(app, email: str, times: int) -> list[int]:
    client = app.test_client()
    csrf = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return [
        client.post(
            "/login", data={"csrf_token": csrf, "email": email, "password": "forkert kode"}
        ).status_code
        for _ in range(times)
    ]


def test_login_attempts_are_counted_across_instances(app, instances):
    email = f"limit-{uuid.uuid4().hex[:6]}@odense.dk"
    make_user(app, email, "admin", 461)
    a_app, b_app = instances
    per_account = int(a_app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"].split()[0])  # 5 per 10 min
    statuses = failed_logins(a_app, email, 3) + failed_logins(b_app, email, per_account - 2)
    assert statuses[:per_account] == [401] * per_account
    assert statuses[per_account:] == [429]


def test_without_redis_the_limits_are_per_process_and_said_so(make_production_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_production_app(INSECURE_COOKIES="1")
    assert "rate limits are counted per process" in caplog.text
    health = app.test_client().get("/health")
    assert health.get_json() == {"status": "ok", "database": "ok", "rate_limits": "per-process"}


def test_with_redis_health_says_the_limits_are_shared(instances):
    health = instances[0].test_client().get("/health")
    assert health.get_json()["rate_limits"] == "shared"
