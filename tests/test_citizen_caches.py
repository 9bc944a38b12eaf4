"""What the citizen path caches and skips for speed (issue 12) keeps every guarantee.

- Parsed questions are cached per digest of the round's snapshot: a changed snapshot or a
  reused round id can never be served stale questions.
- An empty question page is rendered once and reused: byte for byte what a fresh render
  gives, with each citizen's own CSRF token; pages with answers are never taken from it.
- Choice fragments are cached by their saved choice; what a citizen typed never is.
- A citizen's GET reads without a transaction and cannot write.
- The session cookie is sent only when it changed; the limiter's hooks run only on
  limited staff views.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from survey.core import cursor_reads
from survey.core.extensions import db
from survey.models import Round
from survey.models.round import snapshot_digest

MEETING_ALL = {f"kl.meeting.{code}": "4" for code in ("welcoming", "respect", "health", "contact")}


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


@pytest.fixture
def caches_cleared():
    from survey.rounds import definition
    from survey.web import fragments
    from survey.web.respond import page_cache

    definition._parsed.clear()
    fragments._fragments.clear()
    page_cache.clear()
    yield
    definition._parsed.clear()
    fragments._fragments.clear()
    page_cache.clear()


def on_first_page(citizen, invite, round_id):
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    return citizen.get()


def test_a_changed_snapshot_is_never_served_from_the_cache(
    app, make_round, invite, citizen, caches_cleared
):
    round_id = make_round()
    before = on_first_page(citizen, invite, round_id).get_data(as_text=True)
    assert "Jeg blev taget godt imod" in before or "kl.meeting.welcoming" in before
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        snapshot = dict(survey_round.snapshot)
        pages = [dict(page) for page in snapshot["pages"]]
        pages[0] = {**pages[0], "title": {"da": "Ny overskrift til testen", "en": "New"}}
        survey_round.snapshot = {**snapshot, "pages": pages}  # the digest follows
        assert survey_round.snapshot_digest == snapshot_digest(survey_round.snapshot)
        db.session.commit()
    after = citizen.get().get_data(as_text=True)
    assert "Ny overskrift til testen" in after


def test_a_digest_that_does_not_match_its_snapshot_is_never_cached(
    app, make_round, invite, citizen, caches_cleared
):
    """A snapshot written around the ORM (its digest left behind) is parsed every time."""
    from survey.rounds import definition

    round_id = make_round()
    with app.app_context():
        wrong = "0" * 64
        db.session.execute(update(Round).where(Round.id == round_id).values(snapshot_digest=wrong))
        db.session.commit()
    page = on_first_page(citizen, invite, round_id)
    assert page.status_code == 200
    assert wrong not in definition._parsed


def test_two_rounds_with_different_questions_share_no_cache_entry(
    app, make_round, invite, citizen, caches_cleared
):
    from survey.rounds import definition

    with_local, without = make_round(local=True), make_round(local=False)
    other = type(citizen)(app.test_client())
    one = on_first_page(citizen, invite, with_local).get_data(as_text=True)
    two = on_first_page(other, invite, without).get_data(as_text=True)
    with app.app_context():
        digests = set(
            db.session.scalars(
                select(Round.snapshot_digest).where(Round.id.in_([with_local, without]))
            )
        )
    assert len(digests) == 2 and digests <= set(definition._parsed)
    keys = [[page.key for page in definition._parsed[d].pages] for d in digests]
    assert sorted(len(k) for k in keys) == [5, 6] and one and two  # one has Odense's page


def test_the_cached_empty_page_is_what_a_fresh_render_gives(
    app, make_round, invite, citizen, caches_cleared
):
    from survey.web.respond import page_cache

    round_id = make_round()
    fresh = on_first_page(citizen, invite, round_id).get_data(as_text=True)
    assert [key[0] for key in page_cache._pages] == ["landing", "page"]
    cached = citizen.get().get_data(as_text=True)
    assert without_csrf(cached) == without_csrf(fresh)
    token = re.search(r'name="csrf_token" value="([^"]+)"', cached).group(1)
    assert token != ""
    # Another citizen gets the same page with a token of their own, which works.
    other = type(citizen)(app.test_client())
    second = on_first_page(other, invite, round_id).get_data(as_text=True)
    assert without_csrf(second) == without_csrf(fresh)
    assert re.search(r'name="csrf_token" value="([^"]+)"', second).group(1) != token
    assert other.post_page(MEETING_ALL).status_code == 302


def test_pages_with_answers_are_not_taken_from_the_page_cache(
    app, make_round, invite, citizen, caches_cleared
):
    round_id = make_round()
    on_first_page(citizen, invite, round_id)
    first = citizen.location
    assert citizen.post_page(MEETING_ALL).status_code == 302
    citizen.post_page({}, action="back")
    assert citizen.location == first
    html = citizen.get().get_data(as_text=True)
    assert len(re.findall(r'value="4" checked', html)) == 4


def test_what_a_citizen_typed_is_never_kept_in_a_cache(
    app, make_round, invite, citizen, caches_cleared
):
    from survey.web import fragments
    from survey.web.respond import page_cache

    round_id = make_round(local=False)
    on_first_page(citizen, invite, round_id)
    comment = "Mit navn er Hemmelig Hansen"
    for _ in range(10):
        html = citizen.get().get_data(as_text=True)
        if "<textarea" in html:
            break
        fields = {}
        for code, value in re.findall(r'type="radio"[^>]* name="([^"]+)" value="([^"]+)"', html):
            fields.setdefault(code, value)
        assert citizen.post_page(fields).status_code == 302
    name = re.search(r'<textarea[^>]* name="([^"]+)"', html).group(1)
    assert citizen.post_page({name: comment}, action="back").status_code == 302
    citizen.post_page({}, action="next")
    shown = citizen.get().get_data(as_text=True)
    assert comment in shown
    pages = [b"".join(page.parts).decode("utf-8") for page in page_cache._pages.values()]
    cached = list(fragments._fragments.values()) + pages
    assert cached and not any(comment in html for html in cached)
    assert not any(key[2] == name for key in fragments._fragments)


@pytest.mark.parametrize("session_first", [True, False], ids=["session-first", "flag-first"])
def test_a_citizen_get_cannot_write(app, session_first):
    """Whether the request's ORM session was opened before it was made read-only or only
    afterwards (a citizen's GET opens one only on a snapshot-cache miss), it cannot write."""
    from survey.core.transaction import WriteInReadOnlyRequest, read_without_transaction
    from survey.models import Municipality

    with app.test_request_context("/svar"):
        db.session.remove()
        if session_first:
            db.session.info.setdefault("opened", True)  # a session, not yet connected
        read_without_transaction()
        assert db.session.registry.has() is session_first
        db.session.add(Municipality(code=9999, name="Skriveby", region="Test"))
        with pytest.raises(WriteInReadOnlyRequest):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(WriteInReadOnlyRequest):
            db.session.execute(update(Round).values(title="x"))
        db.session.rollback()
        db.session.remove()


def test_looking_at_a_page_sends_no_cookie(app, make_round, invite, citizen):
    on_first_page(citizen, invite, make_round())
    again = citizen.get()
    assert again.status_code == 200
    assert "Set-Cookie" not in again.headers
    assert again.headers["Vary"] == "Cookie"  # the page depends on the cookie all the same


def test_the_limiter_runs_only_on_the_login(app, make_round, invite, citizen, monkeypatch):
    from survey.core.extensions import limiter
    from survey.core.limits import limited_endpoints

    limited = limited_endpoints(app, limiter)
    assert "auth.login" in limited
    assert not any(endpoint.startswith("respond.") for endpoint in limited)
    calls = []
    original = limiter.limiter.hit

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(limiter.limiter, "hit", counting)
    on_first_page(citizen, invite, make_round())
    assert calls == []


def test_one_round_read_per_question_page(app, make_round, invite, citizen):
    """A question page reads the round, the sheet and its answers in one statement."""
    on_first_page(citizen, invite, make_round())
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert citizen.get().status_code == 200
    finally:
        with app.app_context():
            cursor_reads.remove(db.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if not s.startswith(("BEGIN", "PRAGMA"))]) == 1
    assert not any(s.startswith("BEGIN") for s in statements)


def test_a_question_page_with_answers_reads_them_all_in_one_row(
    app, make_round, invite, citizen, monkeypatch, caches_cleared
):
    """The answers come as one JSON object made by the database, in one row, and a page
    GET opens no ORM session at all (its bookkeeping cost more than the statement)."""
    from survey.core import transaction
    from survey.responding import journey

    on_first_page(citizen, invite, make_round())
    assert citizen.post_page(MEETING_ALL).status_code == 302
    citizen.post_page({}, action="back")
    citizen.get()  # the first page again, with its answers: the snapshot is now cached
    rows, sessions = [], []
    read = transaction.read_rows

    def counting(statement, parameters):
        result = read(statement, parameters)
        rows.append(len(result))
        return result

    registry = db.session.registry
    create = registry.createfunc

    def opening():
        sessions.append(1)
        return create()

    monkeypatch.setattr(journey, "read_rows", counting)
    monkeypatch.setattr(registry, "createfunc", opening)
    again = citizen.get()
    assert again.status_code == 200
    assert rows == [1]
    assert sessions == []
    for code, value in MEETING_ALL.items():
        assert re.search(rf'name="{re.escape(code)}"[^>]*value="{value}"[^>]*checked', again.text)


def test_one_read_for_an_invited_citizen_s_landing_and_thank_you_pages(
    app, make_round, invite, citizen
):
    """The invitation's state comes with the round and the sheet (load_journey), not in a
    statement of its own."""
    round_id = make_round(local=False)
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def reads_of(path: str) -> int:
        statements.clear()
        with app.app_context():
            cursor_reads.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert citizen.get(path).status_code == 200
        finally:
            with app.app_context():
                cursor_reads.remove(db.engine, "before_cursor_execute", seen)
        return len([s for s in statements if not s.startswith(("BEGIN", "PRAGMA"))])

    assert reads_of("/svar") == 1
    citizen.start()
    citizen.answer_to_the_end()
    assert reads_of("/svar/tak") == 1


@pytest.mark.parametrize("channel", ["invitation", "open"])
def test_start_makes_one_sheet_with_the_invitation_s_background(
    app, make_round, invite, open_code, citizen, channel
):
    """ "Start" inserts the sheet in one statement built once (on PostgreSQL handed to the
    commit point): the invitation's background copied, an open link's left empty, and a
    second "Start" (a double click) makes no second sheet."""
    from survey.models import Response

    round_id = make_round(local=False)
    (token,) = invite(round_id, benefit_group="kontanthjaelp", age_band="30-39")
    citizen.open(f"/s/{token}" if channel == "invitation" else f"/o/{open_code(round_id)}")
    citizen.start()
    first = citizen.location
    assert citizen.client.post("/svar/start", data={"csrf_token": citizen.csrf}).status_code == 302
    assert citizen.post_page(MEETING_ALL).status_code == 302
    with app.app_context():
        (sheet,) = db.session.scalars(select(Response).where(Response.round_id == round_id))
        assert (sheet.channel, sheet.completed, sheet.current_page) == (channel, False, "goals")
        background = (sheet.benefit_group, sheet.age_band, sheet.gender)
    if channel == "invitation":
        assert background == ("kontanthjaelp", "30-39", None)
    else:
        assert background == (None, None, None)
    assert first.endswith("/svar/side/meeting")
