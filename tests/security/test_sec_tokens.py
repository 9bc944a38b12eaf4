"""Token guessing and enumeration: a miss looks, answers and costs the same whatever was tried.

Extends tests/test_respond_rules.py (unknown tokens of five shapes get one page) with
near misses of a real token, injection strings, bytes that are not UTF-8, the look-up
path (hash and query for every miss, counted rather than timed: the same work for every
shape of guess), closed and completed tokens and forged session cookies.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer
from sec_helpers import SQLI, data_state, walk

from survey.core import cursor_reads
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


def _shape(parameters) -> tuple:
    """A statement's bound parameters as types and lengths: what the database is given to
    do, without the values (a hash differs for every guess, its length must not)."""
    values = parameters.values() if isinstance(parameters, dict) else parameters or ()
    return tuple(
        (type(value).__name__, len(value) if isinstance(value, str | bytes) else value)
        for value in values
    )


def _lookup_trace(app, client, monkeypatch, path: str) -> tuple[int, list[tuple[str, tuple]]]:
    """Keyed hashes computed, and SQL statements run (with their parameters' shapes),
    while serving one request."""

    hashes = []
    original = service.invitation_hash

    def counting(token):
        hashes.append(token)
        return original(token)

    monkeypatch.setattr(service, "invitation_hash", counting)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((" ".join(statement.split()), _shape(parameters)))

    with app.app_context():
        engine = db.engine
    cursor_reads.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        cursor_reads.remove(engine, "before_cursor_execute", record)
        monkeypatch.setattr(service, "invitation_hash", original)
    assert response.status_code == 404
    return len(hashes), statements


def test_every_miss_takes_the_same_path_hash_and_query(
    app, client, make_round, invite, monkeypatch
):
    invite(make_round())
    well_formed = _lookup_trace(app, client, monkeypatch, f"/s/{secrets.token_urlsafe(20)}")
    assert well_formed[0] == 1
    assert any("invitation" in statement for statement, _ in well_formed[1]), well_formed
    for malformed in ("abc", "A" * 300, "a.b~c!d", "%FF%FE", "%00"):
        trace = _lookup_trace(app, client, monkeypatch, f"/s/{malformed}")
        assert trace == well_formed, malformed


def test_every_miss_does_the_same_work_whatever_was_tried(
    app, client, make_round, invite, monkeypatch
):
    """Counted, not timed: a miss of any shape (random, a near miss of a real token,
    malformed, too long, not UTF-8, an injection) computes one keyed hash and asks the
    database the same statements with parameters of the same types and lengths, so no
    shape of guess can be told apart by doing less. (A skipped query once made malformed
    misses measurably faster.)"""
    (token,) = invite(make_round())
    reference = _lookup_trace(app, client, monkeypatch, f"/s/{secrets.token_urlsafe(20)}")
    assert reference[0] == 1
    (lookup,) = [shape for statement, shape in reference[1] if "invitation" in statement]
    assert lookup[:1] == (("str", 64),)  # the keyed hash, never the guess itself
    candidates = [
        *(secrets.token_urlsafe(n) for n in (15, 20, 32, 48)),
        *_near_misses(token),
        *MALFORMED,
    ]
    for candidate in candidates:
        assert _lookup_trace(app, client, monkeypatch, f"/s/{candidate}") == reference, candidate


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


def test_remembered_page_hashes_are_the_hmac_of_the_current_key(app):
    """A citizen's resume and device hashes are remembered per process
    (survey.invitations.tokens): each is still HMAC-SHA256 of its purpose and value under
    TOKEN_KEY, computed here independently, and a new TOKEN_KEY hashes anew at once."""
    import hmac

    from survey.invitations.tokens import device_hash, resume_hash

    def reference(key: str, purpose: str, value: str) -> str:
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()

    secret, device = secrets.token_urlsafe(20), secrets.token_hex(16)
    old_key = app.config["TOKEN_KEY"]
    try:
        for key in (old_key, "another-token-key", old_key):
            app.config["TOKEN_KEY"] = key
            with app.app_context():
                for _ in range(2):  # made, then remembered
                    assert resume_hash(secret) == reference(key, "resume", secret)
                    assert device_hash(device, "sheet-1") == reference(
                        key, "device", f"{device}:sheet-1"
                    )
    finally:
        app.config["TOKEN_KEY"] = old_key
