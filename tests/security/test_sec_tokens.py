"""Token guessing and enumeration: a miss looks, answers and costs the same whatever was tried.

Extends tests/test_respond_rules.py (unknown tokens of five shapes get one page) with
near misses of a real token, injection strings, bytes that are not UTF-8, the look-up
path (hash and query for every miss), timing, closed and completed tokens and forged
session cookies.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import statistics
import time

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer
from sec_helpers import SQLI, data_state, walk
from sqlalchemy import event

from survey.core.extensions import db
from survey.responding import journey as service

UNKNOWN_PAGE_HEADING = "<h1>Linket virker ikke</h1>"


def _near_misses(token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [
        flipped,  # one character off
        token[:-1],  # one character short (still well-formed)
        token + "A",  # one character long
        token.swapcase(),
        token[::-1],
    ]


MALFORMED = [
    "abc",
    "A" * 300,
    "a.b~c!d",
    "%C3%A6%C3%B8%C3%A5",
    "%FF%FE%FD",  # not UTF-8
    "%00",
    "abc%00def" + "A" * 20,
    "..%5C..%5Cetc%5Cpasswd",
    "%3Cscript%3Ealert(1)%3C%5Cscript%3E",  # (a slash would leave the route)
    *(s.replace(" ", "%20").replace(";", "%3B") for s in SQLI),
]


def test_misses_of_every_shape_get_one_identical_page(app, client, make_round, invite):
    (token,) = invite(make_round())
    before = data_state(app)
    reference = client.get(f"/s/{secrets.token_urlsafe(20)}")
    assert reference.status_code == 404
    assert UNKNOWN_PAGE_HEADING in reference.get_data(as_text=True)
    candidates = [secrets.token_urlsafe(20) for _ in range(3)] + _near_misses(token) + MALFORMED
    for candidate in candidates:
        response = client.get(f"/s/{candidate}")
        assert response.status_code == 404, candidate
        assert response.get_data() == reference.get_data(), candidate
        assert "Set-Cookie" not in response.headers, candidate
        for header in ("Content-Type", "Cache-Control", "Content-Length"):
            assert response.headers.get(header) == reference.headers.get(header), (
                candidate,
                header,
            )
    # The open link misses look exactly like token misses.
    for code in ["nosuchcode", "%00", "%FF", *MALFORMED[-2:]]:
        response = client.get(f"/o/{code}")
        assert (response.status_code, response.get_data()) == (404, reference.get_data()), code
    # None of the misses let the visitor in, and nothing changed.
    assert client.get("/svar").status_code == 404
    assert data_state(app) == before


def _lookup_trace(app, client, monkeypatch, path: str) -> tuple[int, list[str]]:
    """Keyed hashes computed and SQL statements run while serving one request."""

    hashes = []
    original = service.invitation_hash

    def counting(token):
        hashes.append(token)
        return original(token)

    monkeypatch.setattr(service, "invitation_hash", counting)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        monkeypatch.setattr(service, "invitation_hash", original)
    assert response.status_code == 404
    return len(hashes), statements


def test_every_miss_takes_the_same_path_hash_and_query(
    app, client, make_round, invite, monkeypatch
):
    invite(make_round())
    well_formed = _lookup_trace(app, client, monkeypatch, f"/s/{secrets.token_urlsafe(20)}")
    assert well_formed[0] == 1
    assert any("invitation" in statement for statement in well_formed[1]), well_formed
    for malformed in ("abc", "A" * 300, "a.b~c!d", "%FF%FE", "%00"):
        trace = _lookup_trace(app, client, monkeypatch, f"/s/{malformed}")
        assert trace == well_formed, malformed


def test_misses_take_the_same_time_well_formed_or_not(app, client, make_round, invite):
    """Medians of 30 interleaved requests each; a generous bound (no tight timing)."""
    invite(make_round())
    timings: dict[str, list[float]] = {"well-formed": [], "malformed": []}
    for round_number in range(32):
        for kind in (
            ("well-formed", "malformed") if round_number % 2 else ("malformed", "well-formed")
        ):
            path = "/s/" + (secrets.token_urlsafe(20) if kind == "well-formed" else "a.b~c!d")
            started = time.perf_counter()
            assert client.get(path).status_code == 404
            if round_number >= 2:  # the first requests warm caches
                timings[kind].append(time.perf_counter() - started)
    well_formed = statistics.median(timings["well-formed"])
    malformed = statistics.median(timings["malformed"])
    assert abs(well_formed - malformed) < max(0.004, 0.5 * max(well_formed, malformed)), (
        well_formed,
        malformed,
    )


def test_tokens_of_closed_drafts_and_completed_sheets_let_no_one_in(
    app, client, make_round, invite, new_citizen
):
    closed, draft, used = make_round(state="closed"), make_round(state="draft"), make_round()
    (closed_token,) = invite(closed)
    (draft_token,) = invite(draft)
    (used_token,) = invite(used)
    first = new_citizen()
    first.open(f"/s/{used_token}")
    first.start()
    walk(first, comment="Det var fint")
    before = data_state(app)
    for token, status in ((closed_token, 410), (draft_token, 403), (used_token, 200)):
        visitor = new_citizen()
        response = visitor.open(f"/s/{token}")
        assert response.status_code == status, token
        page = response.get_data(as_text=True)
        assert "Det var fint" not in page and token not in page
        # No session: none of the citizen's pages, no start, no post.
        assert visitor.client.get("/svar").status_code == 404
        assert visitor.client.post("/svar/start").status_code in (400, 404)
        assert visitor.client.get("/svar/side/meeting").status_code == 404
    assert data_state(app) == before


@pytest.mark.parametrize("forgery", ["wrong key", "unsigned"])
def test_a_forged_citizen_cookie_is_ignored(app, make_round, invite, new_citizen, forgery):
    round_id = make_round()
    invite(round_id)
    state = {"citizen": {"round_id": round_id, "channel": "open", "secret": "0" * 64}}
    if forgery == "wrong key":
        serializer = URLSafeTimedSerializer(
            "guessed-secret-key",
            salt="cookie-session",
            serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        )
        value = serializer.dumps(state)
    else:
        value = json.dumps({"citizen": {"round_id": round_id, "channel": "open", "secret": "x"}})
    visitor = new_citizen()
    visitor.client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    before = data_state(app)
    assert visitor.client.get("/svar").status_code == 404
    assert visitor.client.get("/svar/side/meeting").status_code == 404
    assert data_state(app) == before
