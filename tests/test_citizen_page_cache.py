"""The landing and thank-you pages come from the page cache (issue 12) and are never stale.

Each page is served from survey.web.respond.page_cache under a key of everything it shows
(survey.web.respond.page_keys). What would go wrong if a key missed something: one
citizen's variant of a page served to another (a "welcome back" to a new citizen, Danish
to an English reader, the old round's texts after a change or after its id was reused).
So every test compares what the cache serves with what a fresh render gives, after the
cache was filled by the other variants.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from survey.core.extensions import db
from survey.models import Municipality, Round

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MEETING_ALL = {f"kl.meeting.{code}": "4" for code in ("welcoming", "respect", "health", "contact")}


def without_csrf(html: str) -> str:
    return CSRF.sub('name="csrf_token" value=""', html)


@pytest.fixture
def caches_cleared():
    from survey.rounds import definition
    from survey.web import fragments
    from survey.web.respond import page_cache

    def clear():
        definition._parsed.clear()
        fragments._fragments.clear()
        page_cache.clear()

    clear()
    yield clear
    clear()


def entered(new_citizen, path: str):
    """A new browser that has opened a citizen link (the landing page is next)."""
    browser = new_citizen()
    assert browser.open(path).status_code == 303
    return browser


def landing_variants(
    app, make_round, invite, open_code, new_citizen
) -> dict[str, tuple[object, str]]:
    """Browsers whose landing pages differ in one input each, with the address to get."""
    round_id = make_round()
    first, second = invite(round_id, 2)
    code = open_code(round_id)
    variants = {
        "invitation, new": (entered(new_citizen, f"/s/{first}"), "/svar"),
        "invitation, new, English": (entered(new_citizen, f"/s/{first}"), "/svar?lang=en"),
        "tablet cleared": (entered(new_citizen, f"/s/{first}"), "/svar?ryddet=1"),
        "open link, new": (entered(new_citizen, f"/o/{code}"), "/svar"),
    }
    started = entered(new_citizen, f"/s/{second}")
    started.start()
    assert started.post_page(MEETING_ALL).status_code == 302
    variants["invitation, started"] = (started, "/svar")
    variants["invitation, another device"] = (entered(new_citizen, f"/s/{second}"), "/svar")
    on_phone = entered(new_citizen, f"/o/{code}")
    on_phone.start()
    variants["open link, started"] = (on_phone, "/svar")
    return variants


def test_each_landing_variant_is_served_as_a_fresh_render_gives_it(
    app, make_round, invite, open_code, caches_cleared, new_citizen
):
    from survey.web.respond import page_cache

    variants = landing_variants(app, make_round, invite, open_code, new_citizen)
    fresh = {}
    for name, (browser, path) in variants.items():
        caches_cleared()
        fresh[name] = without_csrf(browser.client.get(path).get_data(as_text=True))
    assert len(set(fresh.values())) == len(fresh)  # each variant shows something of its own
    caches_cleared()
    for browser, path in variants.values():  # the cache filled by every variant ...
        assert browser.client.get(path).status_code == 200
    assert len(page_cache._pages) == len(variants)
    for name, (browser, path) in variants.items():  # ... serves each its own page
        served = browser.client.get(path).get_data(as_text=True)
        assert without_csrf(served) == fresh[name], name


def test_a_cached_landing_page_carries_each_citizen_s_own_working_token(
    app, make_round, invite, caches_cleared, new_citizen
):
    round_id = make_round()
    one, two = (entered(new_citizen, f"/s/{token}") for token in invite(round_id, 2))
    first = one.client.get("/svar").get_data(as_text=True)
    second = two.client.get("/svar").get_data(as_text=True)
    tokens = [CSRF.findall(html) for html in (first, second)]
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])
    two.csrf = tokens[1][0]
    response = two.client.post("/svar/start", data={"csrf_token": two.csrf})
    assert response.status_code == 302
    refused = one.client.post("/svar/start", data={"csrf_token": two.csrf})
    assert refused.status_code == 400  # another citizen's token is no token


def test_changed_round_texts_and_sender_show_at_once(
    app, make_round, invite, caches_cleared, new_citizen
):
    round_id = make_round()
    (token,) = invite(round_id)
    browser = entered(new_citizen, f"/s/{token}")
    before = browser.client.get("/svar").get_data(as_text=True)
    assert "Aarhus Jobcenter" not in before and "Ny titel til testen" not in before
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        survey_round.snapshot = {**survey_round.snapshot, "title": {"da": "Ny titel til testen"}}
        db.session.get(Municipality, 461).service_name = "Aarhus Jobcenter"
        db.session.commit()
    after = browser.client.get("/svar").get_data(as_text=True)
    assert "Ny titel til testen" in after and "Aarhus Jobcenter" in after


def test_a_snapshot_changed_around_its_digest_is_never_cached(
    app, make_round, invite, caches_cleared, new_citizen
):
    """The digest no longer names the snapshot: the page is rendered from what is stored."""
    from survey.web.respond import page_cache

    round_id = make_round()
    (token,) = invite(round_id)
    with app.app_context():
        snapshot = db.session.get(Round, round_id).snapshot
        changed = {**snapshot, "title": {"da": "Skrevet uden om"}}
        db.session.execute(
            Round.__table__.update().where(Round.id == round_id).values(snapshot=changed)
        )
        db.session.commit()
    browser = entered(new_citizen, f"/s/{token}")
    assert "Skrevet uden om" in browser.client.get("/svar").get_data(as_text=True)
    assert len(page_cache._pages) == 0


def test_a_reused_round_id_never_shows_the_deleted_round(
    app, make_round, invite, open_code, caches_cleared, new_citizen
):
    round_id = make_round(461, languages=("da", "en"))
    (token,) = invite(round_id)
    old = entered(new_citizen, f"/s/{token}").client.get("/svar").get_data(as_text=True)
    assert "Odense" in old and 'hreflang="en"' in old
    with app.app_context(), db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in {"municipality", "alembic_version"}:
                connection.execute(table.delete())
        if connection.dialect.name == "postgresql":  # SQLite hands out the highest id again
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :id, false)"),
                {"table": Round.__tablename__, "id": round_id},
            )
    reused = make_round(175, local=False, languages=("da",))
    assert reused == round_id
    (token,) = invite(reused)
    new = entered(new_citizen, f"/s/{token}").client.get("/svar").get_data(as_text=True)
    assert "Rødovre" in new and "Odense" not in new and 'hreflang="en"' not in new


def completed(app, make_round, invite, new_citizen) -> object:
    """A browser that has sent a whole sheet (by the landing page's "Send" on a device
    that did not start it: the sheet is answered in full by another)."""
    round_id = make_round(local=False)
    (token,) = invite(round_id)
    browser = entered(new_citizen, f"/s/{token}")
    browser.start()
    browser.answer_to_the_end()
    return browser


def test_the_thank_you_page_follows_language_and_sender_and_sets_no_token(
    app, make_round, invite, caches_cleared, new_citizen
):
    from survey.web.respond import page_cache

    browser = completed(app, make_round, invite, new_citizen)
    caches_cleared()
    fresh_da = browser.client.get("/svar/tak").get_data(as_text=True)
    fresh_en = browser.client.get("/svar/tak?lang=en").get_data(as_text=True)
    assert "Tak for dine svar" in fresh_da and "Thank you for your answers" in fresh_en
    assert len(page_cache._pages) == 2
    assert browser.client.get("/svar/tak?lang=da").get_data(as_text=True) == fresh_da
    cached = browser.client.get("/svar/tak?lang=en")
    assert cached.get_data(as_text=True) == fresh_en
    assert "Set-Cookie" not in browser.client.get("/svar/tak").headers  # no token made
    with app.app_context():
        db.session.get(Municipality, 461).service_name = "Jobcenter Odense Syd"
        db.session.commit()
    assert "Jobcenter Odense Syd" in browser.client.get("/svar/tak").get_data(as_text=True)


def test_a_kiosk_s_pages_are_never_cached(app, make_round, open_code, caches_cleared, new_citizen):
    from survey.web.respond import page_cache

    code = open_code(make_round())
    browser = entered(new_citizen, f"/k/{code}")
    html = browser.client.get("/svar").get_data(as_text=True)
    assert "data-kiosk-seconds" in html
    assert len(page_cache._pages) == 0


def test_a_page_for_a_link_that_leads_nowhere_is_served_as_a_fresh_render_gives_it(
    app, caches_cleared, new_citizen
):
    """The pages anyone guessing links is shown come from the cache too: the layout is all
    they show, and a signed-in staff member's (whose header names the municipality) is
    never kept for, nor served from, the cache."""
    from staff import logged_in, make_user

    from survey.web.respond import page_cache

    make_user(app, "admin@odense.dk", "admin", 461)
    staff = logged_in(app, "admin@odense.dk")
    variants = {
        "unknown link": (new_citizen().client, "/s/" + "x" * 43, {}),
        "unknown link, English": (new_citizen().client, "/s/" + "y" * 43, {"lang": "en"}),
        "unknown open link": (new_citizen().client, "/o/NOSUCHCODE", {}),
        "no sheet in this browser": (new_citizen().client, "/svar", {}),
        "unknown link, staff signed in": (staff.client, "/s/" + "z" * 43, {}),
    }

    def get(client, path, query):
        response = client.get(path, query_string=query)
        assert response.status_code == 404, (path, response.status_code)
        return response.get_data(as_text=True)

    fresh = {}
    for name, (client, path, query) in variants.items():
        caches_cleared()
        fresh[name] = get(client, path, query)
    assert "Odense" in fresh["unknown link, staff signed in"]
    assert "Odense" not in fresh["unknown link"]
    assert fresh["unknown link"] != fresh["unknown link, English"]
    caches_cleared()
    for client, path, query in variants.values():
        get(client, path, query)
    # the unknown invitation and open links show one page; the staff member's is not kept
    assert len(page_cache._pages) == 3
    for name, (client, path, query) in reversed(variants.items()):
        assert get(client, path, query) == fresh[name], name
