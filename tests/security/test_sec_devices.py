"""Anonymity against the link holder, the shared tablet and the flooded open link (issue 11).

Each test replays an attack that worked:
- "The link holder reads the sheet": the citizen's invitation link opened in a clean
  browser while the citizen is midway showed the saved answers and let them be changed.
  Now a browser that did not start the sheet continues forward only (points 4).
- "The shared tablet": the open link resumed the last person's unfinished sheet in the
  same browser for 30 days, and the same phone could send sheet after sheet. Now the
  personal open link sends one sheet per browser unless someone else asks to answer, and
  the kiosk link never resumes and clears itself (point 5).
- "20 completed sheets in 2.1 s from one client": completions are limited per address and
  counted per hour for the analyst, bursts marked, small hours pooled (point 6).
"""

from __future__ import annotations

import html as htmllib
import json
import re
import time
from types import SimpleNamespace

import pytest
from sec_helpers import answer_rows, response_rows, walk
from sqlalchemy import func, select
from staff import ITEM_NAME, text_of

from survey.core.extensions import db
from survey.models import Answer, OpenLinkHour, Response
from survey.responding import state as citizen_state

MEETING = {
    "kl.meeting.welcoming": "5",
    "kl.meeting.respect": "1",
    "kl.meeting.health": "0",
    "kl.meeting.contact": "2",
}
GOALS = {"kl.goals.clear": "1", "kl.goals.own": "5", "kl.goals.next_step": "3"}
CONVERSATION_PAGE = "/svar/side/conversation"
CHECKED = re.compile(r"<input[^>]*\bchecked\b")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WAITING_ROOM = "198.51.100.40"


# --- helpers ------------------------------------------------------------------------------


def page_of(citizen, path: str) -> tuple[int, str, str | None]:
    response = citizen.client.get(path)
    return response.status_code, response.get_data(as_text=True), response.headers.get("Location")


def post(citizen, path: str, page: str, answers: dict, action: str = "next"):
    data = {"csrf_token": citizen.csrf, "page": page, "action": action, **answers}
    return citizen.client.post(path, data=data)


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def session_of(app, citizen) -> dict:
    cookie = citizen.client.get_cookie("borgerblik")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def completed(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Response).where(Response.completed.is_(True))
        )


def responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def hour_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(OpenLinkHour.round_id, OpenLinkHour.completed, OpenLinkHour.refused)
            ).all()
        ]


@pytest.fixture
def midway(app, make_round, invite, new_citizen):
    """A citizen who answered the first two pages of their invitation on their phone."""
    (token,) = invite(make_round())
    phone = new_citizen()
    assert phone.open(f"/s/{token}").status_code == 303
    phone.start()
    assert phone.post_page(MEETING).headers["Location"] == "/svar/side/goals"
    assert phone.post_page(GOALS).headers["Location"] == CONVERSATION_PAGE
    return SimpleNamespace(token=token, phone=phone)


# --- 4. a link alone shows nothing --------------------------------------------------------


def test_the_link_holder_in_a_clean_browser_sees_no_saved_answer(app, midway, new_citizen):
    holder = new_citizen()
    assert holder.open(f"/s/{midway.token}").headers["Location"] == "/svar"
    landing = holder.get("/svar").get_data(as_text=True)
    holder.start()
    assert holder.location == CONVERSATION_PAGE  # continues where the citizen left off
    seen = []
    for path in ("/svar/side/meeting", "/svar/side/goals", CONVERSATION_PAGE):
        status, page, location = page_of(holder, path)
        if status == 302:
            assert location == CONVERSATION_PAGE, path  # the answered pages are out of reach
            status, page, location = page_of(holder, location)
        assert status == 200
        seen.append(page)
    for page in seen:
        assert not CHECKED.search(page)  # nothing pre-checked anywhere it can go
        assert 'value="back"' not in page  # and no way back to the answered pages
    # A short notice says why.
    for page in (landing, *seen):
        assert "Du begyndte på en anden telefon eller computer" in page
    # Going back by hand, with the page's own form, leads forward again.
    holder.get(CONVERSATION_PAGE)
    back = post(holder, CONVERSATION_PAGE, "conversation", {}, action="back")
    assert (back.status_code, back.headers["Location"]) == (302, CONVERSATION_PAGE)


def test_the_link_holder_cannot_overwrite_earlier_answers(app, midway, new_citizen):
    before = answer_rows(app)
    holder = new_citizen()
    holder.open(f"/s/{midway.token}")
    holder.start()
    holder.get()  # a CSRF token of its own
    overwrite_meeting = dict.fromkeys(MEETING, "3")
    overwrite_goals = dict.fromkeys(GOALS, "3")
    for action in ("next", "back"):
        response = post(holder, "/svar/side/meeting", "meeting", overwrite_meeting, action)
        assert response.status_code in (302, 400)
        assert response.headers.get("Location", CONVERSATION_PAGE) == CONVERSATION_PAGE
        response = post(holder, "/svar/side/goals", "goals", overwrite_goals, action)
        assert response.status_code in (302, 400)
    assert answer_rows(app) == before
    # The citizen's own phone still sees and may change its answers.
    assert midway.phone.client.get("/svar/side/meeting").status_code == 200
    own = midway.phone.client.get("/svar/side/meeting").get_data(as_text=True)
    assert len(CHECKED.findall(own)) == len(MEETING)


def test_going_back_on_the_phone_does_not_open_the_answered_pages_to_others(
    app, midway, new_citizen
):
    """The phone pressed "Back" to the first page: the sheet is left on a page with answers."""
    phone = midway.phone
    phone.location = CONVERSATION_PAGE
    phone.get()
    assert phone.post_page({}, action="back").headers["Location"] == "/svar/side/goals"
    assert phone.post_page(GOALS, action="back").headers["Location"] == "/svar/side/meeting"
    holder = new_citizen()
    holder.open(f"/s/{midway.token}")
    holder.start()
    assert holder.location == CONVERSATION_PAGE  # after the last page with answers
    status, _page, location = page_of(holder, "/svar/side/meeting")
    assert (status, location) == (302, CONVERSATION_PAGE)


def test_a_sheet_answered_to_the_end_can_be_sent_but_not_read_elsewhere(
    app, make_round, invite, new_citizen
):
    (token,) = invite(make_round(local=False))
    phone = new_citizen()
    phone.open(f"/s/{token}")
    phone.start()
    pages = []
    while True:  # answer every page, then step back from the last one instead of sending
        page = phone.get().get_data(as_text=True)
        codes = sorted(set(ITEM_NAME.findall(page)) - {"kl.overall.comment"})
        answers = {code: "2" if code == "kl.progress.internship" else "4" for code in codes}
        if ">Send svar</button>" in page:
            assert phone.post_page(answers, action="back").status_code == 302
            break
        pages.append(phone.page_key)
        assert phone.post_page(answers).status_code == 302
    before = answer_rows(app)
    holder = new_citizen()
    holder.open(f"/s/{token}")
    for key in [*pages, "overall"]:
        status, page, location = page_of(holder, f"/svar/side/{key}")
        assert (status, location) == (302, "/svar"), key
    landing = holder.get("/svar").get_data(as_text=True)
    assert "Du har svaret på alle spørgsmålene" in landing
    assert not CHECKED.search(landing)
    assert holder.client.post("/svar/send", data={"csrf_token": holder.csrf}).headers[
        "Location"
    ] == ("/svar/tak")
    assert answer_rows(app) == before  # sent exactly as the citizen left it
    assert completed(app) == 1


def test_only_a_keyed_hash_of_the_device_is_stored_and_it_goes_with_completion(
    app, midway, new_citizen
):
    device = session_of(app, midway.phone)["device"]
    assert re.fullmatch(r"[0-9a-f]{64}", device)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert re.fullmatch(r"[0-9a-f]{64}", response.device_hash)
        assert device not in response.device_hash and response.device_hash != response.resume_hash
    # The device secret is not the token, and the token never enters the cookie.
    assert midway.token not in json.dumps(session_of(app, midway.phone))
    walk(midway.phone)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.completed and response.device_hash is None
        assert response.resume_hash is None


def test_a_double_click_on_start_keeps_the_browser_its_own_sheet(app, make_round, invite, citizen):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.get("/svar")
    first = citizen.client.post("/svar/start", data={"csrf_token": citizen.csrf})
    second = citizen.client.post("/svar/start", data={"csrf_token": citizen.csrf})
    assert first.headers["Location"] == second.headers["Location"] == "/svar/side/meeting"
    citizen.location = "/svar/side/meeting"
    citizen.post_page(MEETING)
    citizen.location = "/svar/side/meeting"
    assert len(CHECKED.findall(citizen.get().get_data(as_text=True))) == len(MEETING)


# --- 5. the personal open link and the kiosk link -----------------------------------------


def test_the_same_phone_cannot_send_the_open_link_again_and_again(
    app, make_round, open_code, citizen
):
    """The replay: one client scans the poster and sends, 20 times over."""
    code = open_code(make_round())
    refused_pages = []
    for _ in range(20):
        entry = citizen.open(f"/o/{code}")
        if entry.status_code == 200:
            refused_pages.append(entry.get_data(as_text=True))
            continue
        citizen.start()
        walk(citizen)
    assert completed(app) == 1
    assert responses(app) == 1
    assert len(refused_pages) == 19
    assert "<h1>Du har allerede svaret på denne telefon</h1>" in refused_pages[-1]
    assert "En anden vil svare på denne telefon" in refused_pages[-1]


def test_someone_else_on_the_phone_chooses_to_answer_and_starts_empty(
    app, make_round, open_code, citizen
):
    code = open_code(make_round())
    citizen.open(f"/o/{code}")
    citizen.start()
    walk(citizen, value="5")
    answered = citizen.open(f"/o/{code}").get_data(as_text=True)
    # Not without the page's own form (a cross-site post or a script without the token).
    assert citizen.client.post(f"/o/{code}/ny").status_code == 400
    response = citizen.client.post(f"/o/{code}/ny", data={"csrf_token": csrf_of(answered)})
    assert response.status_code == 303 and response.headers["Location"] == "/svar"
    citizen.start()
    assert citizen.page_key == "meeting"
    assert not CHECKED.search(citizen.get().get_data(as_text=True))
    walk(citizen, value="1")
    assert completed(app) == 2
    assert "Du har allerede svaret på denne telefon" in citizen.open(f"/o/{code}").get_data(
        as_text=True
    )


def test_the_kiosk_link_never_resumes_the_last_persons_sheet(app, make_round, open_code, citizen):
    """The replay: the next person at the waiting-room tablet opens the questionnaire."""
    code = open_code(make_round())
    assert citizen.open(f"/k/{code}").headers["Location"] == "/svar"
    landing = citizen.get("/svar").get_data(as_text=True)
    assert "Fælles tablet:" in landing and "5 minutter uden brug" in landing
    citizen.start()
    citizen.post_page(MEETING)
    citizen.post_page(GOALS)  # the first person walks away, unfinished
    first_device = session_of(app, citizen)["device"]

    assert citizen.open(f"/k/{code}").headers["Location"] == "/svar"  # the next person
    landing = citizen.get("/svar").get_data(as_text=True)
    assert "Velkommen tilbage" not in landing and ">Start</button>" in landing
    assert session_of(app, citizen)["device"] != first_device
    citizen.start()
    assert citizen.page_key == "meeting"
    for path in ("/svar/side/meeting", "/svar/side/goals", CONVERSATION_PAGE):
        _status, page, _location = page_of(citizen, path)
        assert not CHECKED.search(page), path
    assert responses(app) == 2


def test_a_kiosk_left_alone_clears_itself(app, make_round, open_code, citizen, monkeypatch):
    code = open_code(make_round())
    citizen.open(f"/k/{code}")
    citizen.start()
    page = citizen.get().get_data(as_text=True)
    # The page goes back to the start by itself: a static script, or a refresh without one.
    assert 'data-kiosk-seconds="300"' in page
    assert f'data-kiosk-url="/k/{code}?ryddet=1"' in page
    assert f'<noscript><meta http-equiv="refresh" content="300;url=/k/{code}?ryddet=1">' in page
    assert '<script src="/static/kiosk.js" defer></script>' in page
    assert "Denne tablet bruges af mange" in page
    script = app.test_client().get("/static/kiosk.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    script.close()
    citizen.post_page(MEETING)
    cookie = citizen.client.get_cookie("borgerblik")
    assert cookie.expires is None  # the kiosk's cookie ends with the browser session

    later = time.time() + citizen_state.KIOSK_MAX_IDLE_SECONDS + 60
    monkeypatch.setattr(citizen_state, "time", SimpleNamespace(time=lambda: later))
    response = citizen.client.get("/svar/side/meeting")  # the next person presses "Back"
    assert response.status_code == 302
    assert response.headers["Location"] == f"/k/{code}?ryddet=1"
    assert session_of(app, citizen) == {}
    assert citizen.client.get("/svar/side/meeting").status_code == 404
    assert citizen.open(f"/k/{code}?ryddet=1").headers["Location"] == "/svar?ryddet=1"
    landing = citizen.get().get_data(as_text=True)
    assert "begyndt forfra" in landing
    citizen.start()
    assert not CHECKED.search(citizen.get().get_data(as_text=True))


def test_the_kiosk_thank_you_page_clears_everything(app, make_round, open_code, citizen):
    code = open_code(make_round())
    citizen.open(f"/k/{code}")
    citizen.start()
    citizen.client.get("/svar?lang=en")  # the person chose English
    pages = walk(citizen)
    thanks = pages[-1]
    assert "cleared from this tablet" in thanks
    assert f'href="/k/{code}"' in thanks
    assert f'<noscript><meta http-equiv="refresh" content="60;url=/k/{code}">' in thanks
    assert session_of(app, citizen) == {}  # no state, no device, not even the language
    for path in ("/svar", "/svar/side/meeting", "/svar/tak"):
        assert citizen.client.get(path).status_code == 404, path
    # The tablet is ready for the next person, who may send another sheet.
    citizen.open(f"/k/{code}")
    citizen.start()
    walk(citizen)
    assert completed(app) == 2


def test_the_round_page_offers_both_links_with_their_own_qr_codes(
    app, make_round, open_code, sign_in, people
):
    round_id = make_round()
    code = open_code(round_id)
    analyst = sign_in(people.odense_analyst)
    page = analyst.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert f"http://localhost/o/{code}" in page and f"http://localhost/k/{code}" in page
    for kind in ("svg", "png"):
        assert f"/admin/rounds/{round_id}/qr.{kind}" in page
        assert f"/admin/rounds/{round_id}/kiosk.{kind}" in page
    svg = analyst.get(f"/admin/rounds/{round_id}/kiosk.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == f'inline; filename="kiosk-qr-round-{round_id}.svg"'
    assert analyst.get(f"/admin/rounds/{round_id}/qr.svg").get_data() != svg.get_data()


# --- 6. abuse of the open link is limited and visible --------------------------------------


def from_address(app, citizen_type, address: str):
    visitor = citizen_type(app.test_client())
    visitor.client.environ_base["REMOTE_ADDR"] = address
    return visitor


def send_from_clean_browsers(app, citizen_type, code: str, count: int, address: str) -> list:
    """Clean browsers behind one address each answer the open link to the last page and send."""
    outcomes = []
    for _ in range(count):
        visitor = from_address(app, citizen_type, address)
        visitor.open(f"/o/{code}")
        visitor.start()
        for _page in range(12):
            page = visitor.get().get_data(as_text=True)
            codes = sorted(set(ITEM_NAME.findall(page)) - {"kl.overall.comment"})
            answers = {c: "2" if c == "kl.progress.internship" else "4" for c in codes}
            response = visitor.post_page(answers)
            if response.status_code != 302:
                outcomes.append((response.status_code, response.get_data(as_text=True)))
                break
            if visitor.location == "/svar/tak":
                outcomes.append((302, None))
                break
    return outcomes


def test_a_script_sending_the_open_link_from_one_address_is_refused_and_counted(
    app, make_round, open_code, citizen
):
    """The replay: 20 sheets at once from one address, a clean browser for each."""
    round_id = make_round(local=False)
    code = open_code(round_id)
    started = time.perf_counter()
    outcomes = send_from_clean_browsers(app, type(citizen), code, 20, WAITING_ROOM)
    elapsed = time.perf_counter() - started
    sent = [o for o in outcomes if o[0] == 302]
    refused = [o for o in outcomes if o[0] == 429]
    assert len(sent) == 10 and len(refused) == 10, (elapsed, [o[0] for o in outcomes])
    assert completed(app) == 10
    # A refused sheet keeps the page's answers on screen and in nothing else.
    _status, page = refused[0]
    assert "Dine svar kunne ikke sendes endnu" in page
    assert len(CHECKED.findall(page)) >= 3
    assert responses(app) == 20  # the refused are left unfinished, not lost or doubled
    with app.app_context():
        unfinished = db.session.scalars(
            select(Response.id).where(Response.completed.is_(False))
        ).all()
        overall = db.session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(Answer.response_id.in_(unfinished), Answer.item_code.like("kl.overall.%"))
        )
    assert overall == 0
    # The refusals are counted, and the address only ever as a keyed hash.
    assert hour_rows(app) == [(round_id, 10, 10)]
    assert WAITING_ROOM not in json.dumps(response_rows(app), default=str)
    # Another address (another waiting room) is not held up.
    assert send_from_clean_browsers(app, type(citizen), code, 1, "203.0.113.8") == [(302, None)]


def test_a_waiting_room_behind_one_address_still_works(app, make_round, open_code, citizen):
    code = open_code(make_round(local=False))
    outcomes = send_from_clean_browsers(app, type(citizen), code, 10, WAITING_ROOM)
    assert outcomes == [(302, None)] * 10
    assert completed(app) == 10


def test_an_hour_with_fewer_than_5_completions_keeps_no_time_at_all(
    app, make_round, open_code, citizen
):
    round_id = make_round(local=False)
    code = open_code(round_id)
    for number in range(4):
        send_from_clean_browsers(app, type(citizen), code, 1, f"198.51.100.{number + 1}")
    assert completed(app) == 4
    assert hour_rows(app) == []  # four answers: their hour is stored nowhere lasting
    send_from_clean_browsers(app, type(citizen), code, 1, "198.51.100.9")
    assert hour_rows(app) == [(round_id, 5, 0)]


def test_the_analyst_sees_completions_per_hour_with_bursts_marked_and_small_hours_pooled(
    app, make_round, open_code, citizen, sign_in, people
):
    round_id = make_round(local=False)
    code = open_code(round_id)
    send_from_clean_browsers(app, type(citizen), code, 14, WAITING_ROOM)  # 10 sent, 4 refused
    with app.app_context():  # an earlier, quiet hour: 3 answers, pooled
        for _ in range(3):
            db.session.add(
                Response(round_id=round_id, channel="open", completed=True, ui_language="da")
            )
        db.session.commit()
    page = sign_in(people.odense_analyst).get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    table = re.search(
        r'<table class="table table--compact open-link-hours">.*?</table>', page, re.S
    )
    assert table, "no table of open-link answers per hour"
    rows = [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]]
    assert len(rows) == 2, rows
    busy, pooled = rows
    assert busy.endswith("10 4 Mange på én gang: se svarene efter"), busy
    assert re.match(r"\d{1,2}\.\d{1,2}\.\d{4} \d\d:00 ", busy), busy
    assert pooled == "Andre timer (færre end 5 i hver) 3 –"
    assert "1 time havde mange svar på én gang" in htmllib.unescape(page)
