"""A citizen on a cheap phone: real Chromium, real HTTP, real taps on the labels.

Every journey starts from the link a citizen gets (an SMS invitation /s/<token> or the
waiting-room QR code /o/<code>) on the live server, and ends by reading the database.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey.core.extensions import db
from survey.models import Answer, Invitation, Response

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI
    expect = None

pytestmark = pytest.mark.browser

LIKERT = {  # label shown on the phone -> value stored
    "Helt enig": "5",
    "Delvist enig": "4",
    "Hverken enig eller uenig": "3",
    "Delvist uenig": "2",
    "Helt uenig": "1",
    "Ved ikke": "0",
}
YES_NO = {"Ja": "1", "Nej": "2"}
INTERNSHIP = "kl.progress.internship"
COMMENT = "kl.overall.comment"
COMMENT_TEXT = "Tak for hjælpen! Mødet gik godt, og jeg føler mig mere klar – æøå ÆØÅ 😊👍🏽"
ODENSE_TEXTS = (
    "Min virksomhedspraktik nåede sit mål.",
    "Jeg blev behandlet godt i min virksomhedspraktik.",
)
FIRST_PAGES = ["meeting", "goals", "conversation", "progression", "overall"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# --- a citizen's hands -------------------------------------------------------------------


def press(page, name: str, touch: bool = False) -> None:
    """Press a button and wait until the next page (or the same page again) has loaded."""
    button = page.get_by_role("button", name=name, exact=True)
    with page.expect_event("load"):
        button.tap() if touch else button.click()


def choose(fieldset, label: str, touch: bool = False) -> str:
    """Tap or click an option's label (not its input); returns the value that got checked."""
    target = fieldset.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    target.tap() if touch else target.click()
    value = (LIKERT | YES_NO)[label]
    expect(fieldset.locator(f"input[value='{value}']")).to_be_checked()
    return value


def item_code(fieldset) -> str:
    return fieldset.locator("input").first.get_attribute("name")


def page_key(page) -> str:
    return page.url.rsplit("/", 1)[-1]


def answer_questions(page, labels, internship: str = "Ja", touch: bool = False) -> dict:
    """Choose an answer in every question on the current page; the text box is left alone."""
    answers = {}
    for fieldset in page.locator("fieldset.question").all():
        code = item_code(fieldset)
        expect(fieldset.locator("input:checked")).to_have_count(0)  # nothing pre-selected
        label = internship if code == INTERNSHIP else next(labels)
        answers[code] = choose(fieldset, label, touch)
    return answers


def answer_round(
    page, internship: str = "Ja", touch: bool = False, labels=None
) -> tuple[dict, list[str]]:
    """From the current question page to the thank-you page; returns answers and pages seen."""
    labels = labels or itertools.cycle(LIKERT)
    answers, seen = {}, []
    for _ in range(10):
        seen.append(page_key(page))
        answers |= answer_questions(page, labels, internship, touch)
        comment = page.locator("textarea")
        if comment.count():
            comment.press_sequentially(COMMENT_TEXT)
            answers[COMMENT] = COMMENT_TEXT
        last = page.get_by_role("button", name="Send svar", exact=True).count() == 1
        press(page, "Send svar" if last else "Næste", touch)
        if last:
            return answers, seen
    raise AssertionError(f"never reached the last page; saw {seen}")


def stored(app) -> list[dict]:
    """Every response in the database with its answers, as plain dicts."""
    with app.app_context():
        result = []
        for response in db.session.scalars(select(Response)):
            rows = db.session.execute(
                select(Answer.item_code, Answer.value).where(Answer.response_id == response.id)
            )
            result.append(
                {
                    "completed": response.completed,
                    "channel": response.channel,
                    "resume_hash": response.resume_hash,
                    "current_page": response.current_page,
                    "answers": dict(rows.all()),
                }
            )
        db.session.remove()
        return result


def checked_values(page) -> dict:
    """What the page shows as chosen: {item code: value} for every checked option."""
    return {
        box.get_attribute("name"): box.get_attribute("value")
        for box in page.locator("fieldset.question input:checked").all()
    }


# --- journeys ----------------------------------------------------------------------------


def test_citizen_answers_a_whole_round_on_a_phone(app, phone, make_round, invite):
    (token,) = invite(make_round(), benefit_group="kontanthjaelp")
    page = phone.new_page()
    page.goto(f"/s/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Din oplevelse af jobcentret")
    press(page, "Start", touch=True)
    expect(page.locator("#progress-label")).to_have_text("Side 1 af 5")

    answers, seen = answer_round(page, internship="Ja", touch=True)

    assert seen == [*FIRST_PAGES, "local"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for dine svar")
    assert page.url.endswith("/svar/tak")
    assert {"odense.internship.purpose", "odense.internship.treatment"} <= answers.keys()
    assert answers[INTERNSHIP] == YES_NO["Ja"]
    (response,) = stored(app)
    assert response["completed"] and response["resume_hash"] is None
    assert response["answers"] == answers
    assert response["answers"][COMMENT] == COMMENT_TEXT
    with app.app_context():
        assert db.session.scalar(select(Invitation.state)) == "completed"


def test_the_local_page_shows_odenses_two_questions_after_yes(phone, make_round, invite):
    (token,) = invite(make_round())
    page = phone.new_page()
    page.goto(f"/s/{token}")
    press(page, "Start")
    labels = itertools.cycle(LIKERT)
    for key in FIRST_PAGES[:4]:
        assert page_key(page) == key
        answer_questions(page, labels, internship="Ja")
        press(page, "Næste")
    press(page, "Næste")  # overall, skipped: every KL question is optional
    assert page_key(page) == "local"
    expect(page.locator("#progress-label")).to_have_text("Side 6 af 6")
    legends = page.locator("fieldset.question legend")
    expect(legends).to_have_text(list(ODENSE_TEXTS))
    for fieldset in page.locator("fieldset.question").all():
        expect(fieldset.locator("input[type=radio]")).to_have_count(len(LIKERT))
        expect(fieldset.get_by_text("Ved ikke", exact=True)).to_be_visible()


def test_leave_midway_and_resume_from_the_same_link_on_a_new_phone(
    app, new_phone, make_round, invite
):
    """The new phone continues where the citizen stopped, forward only (issue 11: a link
    alone shows nothing). This test used to go back on the new phone and find the answers
    given on the first one."""
    (token,) = invite(make_round())
    labels = itertools.cycle(LIKERT)
    first = new_phone().new_page()
    first.goto(f"/s/{token}")
    press(first, "Start")
    answers, by_page = {}, {}
    for key in FIRST_PAGES[:3]:
        by_page[key] = answer_questions(first, labels)
        answers |= by_page[key]
        press(first, "Næste")
    assert page_key(first) == "progression"
    first.context.close()  # the citizen puts the phone away

    page = new_phone().new_page()
    page.goto(f"/s/{token}")
    expect(page.get_by_text("Velkommen tilbage. Dine svar fra før er gemt.")).to_be_visible()
    expect(page.locator(".forward-only")).to_contain_text(
        "Du begyndte på en anden telefon eller computer"
    )
    expect(page.get_by_role("button", name="Start", exact=True)).to_have_count(0)
    press(page, "Fortsæt")
    assert page_key(page) == "progression"
    expect(page.locator("#progress-label")).to_have_text("Side 4 af 5")
    expect(page.get_by_role("button", name="Tilbage", exact=True)).to_have_count(0)
    assert checked_values(page) == {}
    page.goto("/svar/side/conversation")  # the answered pages stay out of reach
    assert page_key(page) == "progression"
    assert checked_values(page) == {}

    rest, seen = answer_round(page, internship="Nej", labels=labels)
    assert seen == FIRST_PAGES[3:]
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for dine svar")
    (response,) = stored(app)
    assert response["completed"]
    assert response["answers"] == answers | rest


def test_the_kiosk_asks_then_clears_itself_when_left_alone(app, phone, make_round, open_code):
    """The waiting-room tablet: the static script waits for the tablet to be left alone,
    asks whether anyone is still answering, and goes back to the start."""
    code = open_code(make_round())
    page = phone.new_page()
    page.clock.install()
    page.goto(f"/k/{code}")
    expect(page.locator(".kiosk-notice")).to_contain_text("5 minutter uden brug")
    press(page, "Start")
    answer_questions(page, itertools.cycle(LIKERT))
    press(page, "Næste")
    warning = page.locator("#kiosk-warning")
    expect(warning).to_be_hidden()
    page.clock.run_for("04:31")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Er du her stadig?")
    expect(page.get_by_role("button", name="Jeg svarer stadig")).to_be_focused()
    page.get_by_role("button", name="Jeg svarer stadig").click()
    expect(warning).to_be_hidden()
    page.clock.run_for("04:00")
    assert page_key(page) == "goals"  # still answering: nothing cleared
    with page.expect_event("load"):
        page.clock.run_for("01:01")
    assert page.url.endswith("/svar?ryddet=1")
    expect(page.locator(".kiosk-cleared")).to_contain_text("begyndt forfra")
    press(page, "Start")
    assert page_key(page) == "meeting"
    assert checked_values(page) == {}
    assert len(stored(app)) == 2  # the first person's sheet stays unfinished, apart


def test_open_link_starts_a_fresh_anonymous_response_per_phone(
    app, new_phone, make_round, open_code
):
    code = open_code(make_round())
    visitors = []
    for label in ("Helt enig", "Helt uenig"):
        page = new_phone().new_page()
        page.goto(f"/o/{code}")
        assert page.url.endswith("/svar")
        expect(page.get_by_text("Velkommen tilbage", exact=False)).to_have_count(0)
        press(page, "Start")
        assert page_key(page) == "meeting"
        assert checked_values(page) == {}  # nothing from the visitor before
        visitors.append((page, answer_questions(page, itertools.repeat(label))))
        press(page, "Næste")

    responses = stored(app)
    assert len(responses) == 2
    assert {r["channel"] for r in responses} == {"open"}
    assert not any(r["completed"] for r in responses)
    assert sorted(sorted(r["answers"].items()) for r in responses) == sorted(
        sorted(answers.items()) for _, answers in visitors
    )

    # The first visitor scans the poster again: their own sheet, not a new one.
    page, answers = visitors[0]
    page.goto(f"/o/{code}")
    expect(page.get_by_text("Velkommen tilbage. Dine svar fra før er gemt.")).to_be_visible()
    press(page, "Fortsæt")
    press(page, "Tilbage")
    assert checked_values(page) == answers
    assert len(stored(app)) == 2


def test_the_token_leaves_the_address_bar(phone, live_server, make_round, invite):
    (token,) = invite(make_round())
    page = phone.new_page()
    response = page.goto(f"/s/{token}")
    assert page.url == f"{live_server}/svar"
    assert token not in page.url
    assert response.request.redirected_from.url == f"{live_server}/s/{token}"
    press(page, "Start")
    assert token not in page.url
    assert token not in page.content()


def test_error_summary_links_to_the_field_and_keeps_other_answers(app, phone, make_round, invite):
    (token,) = invite(make_round())
    page = phone.new_page()
    page.goto(f"/s/{token}")
    press(page, "Start")
    for _ in FIRST_PAGES[:4]:
        press(page, "Næste")  # every KL question may be skipped
    assert page_key(page) == "overall"
    answers = answer_questions(page, itertools.cycle(["Delvist enig", "Ved ikke", "Helt uenig"]))
    comment = page.locator("textarea")
    # No maxlength: the browser would cut a longer paste off, and what it cut were lost.
    assert comment.get_attribute("maxlength") is None
    expect(comment).to_have_attribute("aria-describedby", re.compile("limit-kl.overall.comment"))
    too_long = "æ" * 1001
    comment.fill(too_long)
    press(page, "Send svar")

    assert page_key(page) == "overall"
    assert page.title().startswith("Fejl:")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the keyboard starts at what to fix
    expect(summary).to_contain_text("Tjek venligst dine svar")
    expect(summary).to_contain_text("1001")
    top = summary.bounding_box()
    assert top["y"] < page.get_by_role("heading", level=1).bounding_box()["y"]
    assert top["y"] < page.viewport_size["height"] / 2, "the summary is not at the top"
    assert checked_values(page) == answers
    expect(comment).to_have_value(too_long)
    expect(comment).to_have_attribute("aria-describedby", re.compile("error-kl.overall.comment"))

    summary.get_by_role("link").click()
    expect(comment).to_be_focused()
    assert page.url.endswith("#q-kl-overall-comment")

    comment.fill("Kort og godt ✅")
    press(page, "Send svar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for dine svar")
    (response,) = stored(app)
    assert response["answers"] == answers | {COMMENT: "Kort og godt ✅"}


def test_the_whole_journey_works_without_javascript(app, new_phone, make_round, invite):
    (token,) = invite(make_round())
    context = new_phone(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/s/{token}")
    assert page.url.endswith("/svar")
    press(page, "Start")
    labels = itertools.cycle(LIKERT)
    first = answer_questions(page, labels)
    press(page, "Næste")
    press(page, "Tilbage")
    assert checked_values(page) == first
    press(page, "Næste")

    answers, seen = answer_round(page, internship="Ja", labels=labels)

    assert seen == [*FIRST_PAGES[1:], "local"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for dine svar")
    (response,) = stored(app)
    assert response["completed"]
    assert response["answers"] == first | answers
    page.goto(f"/s/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har allerede svaret")


def test_the_thank_you_page_names_the_job_centre_that_asked(phone, make_round, invite):
    (token,) = invite(make_round())
    page = phone.new_page()
    page.goto(f"/s/{token}")
    sender = page.locator(".site-sender").inner_text()
    press(page, "Start")
    for _ in FIRST_PAGES[:4]:
        press(page, "Næste")
    press(page, "Send svar")
    assert page.url.endswith("/svar/tak")
    assert page.locator(".site-sender").inner_text() == sender
    assert sender in page.locator(".font-lead").inner_text()


# --- every citizen page: axe-core, 320 px, screenshots ----------------------------------


def tour(
    new_phone, make_round, invite, visit: Callable, open_code, limit, **context_options
) -> list[str]:
    """Walk through every page a citizen can meet, calling visit(name, page) on each.

    `limit(value)` sets the open links' completions per address for the tour.
    """
    limit("2 per minute")  # the kiosk and one phone send; the next is asked to wait
    round_id = make_round()
    code = open_code(round_id)
    token, unused, shared = invite(round_id, count=3)
    (closed_token,) = invite(make_round(state="closed", title="Efterår 2025"))
    later = date.today() + timedelta(days=30)
    (early_token,) = invite(make_round(title="Efterår 2026", opens_on=later))
    names = []

    def see(name, page, heading=None):
        if heading:  # make sure the page is the one named, before judging it
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        names.append(name)
        visit(f"{len(names):02d}-{name}", page)

    page = new_phone(**context_options).new_page()
    page.goto(f"/s/{token}")
    see("landing", page, "Din oplevelse af jobcentret")
    page.goto("/svar?lang=en")
    see("landing-english", page, "Your experience of the job centre")
    page.goto("/svar?lang=da")
    press(page, "Start")
    labels = itertools.cycle(LIKERT)
    for _ in range(10):
        key = page_key(page)
        see(f"page-{key}", page)
        answer_questions(page, labels, internship="Ja")
        if key == "meeting":
            press(page, "Næste")
            page.goto("/svar")
            expect(page.get_by_text("Velkommen tilbage", exact=False)).to_be_visible()
            see("landing-welcome-back", page)
            press(page, "Fortsæt")
            continue
        if page.locator("textarea").count():
            page.locator("textarea").fill("x" * 1001)
            press(page, "Næste")
            expect(page.locator(".error-summary")).to_be_visible()
            see("page-error-summary", page)
            page.locator("textarea").fill(COMMENT_TEXT)
        last = page.get_by_role("button", name="Send svar", exact=True).count() == 1
        press(page, "Send svar" if last else "Næste")
        if last:
            break
    see("thanks", page, "Tak for dine svar")
    page.goto(f"/s/{token}")
    see("already-answered", page, "Du har allerede svaret")
    page.goto("/s/this-link-does-not-exist")
    see("link-unknown", page, "Linket virker ikke")
    page.goto(f"/s/{closed_token}")
    see("round-closed", page, "Spørgeskemaet er lukket")
    page.goto(f"/s/{early_token}")
    see("round-not-open-yet", page, "Spørgeskemaet er ikke åbnet endnu")

    stranger = new_phone(**context_options).new_page()
    stranger.goto("/svar")
    see("no-session", stranger, "Åbn spørgeskemaet fra dit link")
    stranger.goto(f"/s/{unused}")
    page_html = stranger.content()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)
    stranger.evaluate(
        "value => { document.querySelector('input[name=csrf_token]').value = value }",
        csrf[::-1],
    )
    press(stranger, "Start")
    see("bad-request", stranger, "Formularen var udløbet eller kom ikke fra denne side")

    # The same link on a second phone while the first is midway: forward only.
    first = new_phone(**context_options).new_page()
    first.goto(f"/s/{shared}")
    press(first, "Start")
    answer_questions(first, labels)
    press(first, "Næste")
    second = new_phone(**context_options).new_page()
    second.goto(f"/s/{shared}")
    expect(second.locator(".forward-only")).to_be_visible()
    see("landing-forward-only", second)
    press(second, "Fortsæt")
    expect(second.locator(".forward-only")).to_be_visible()
    see("page-forward-only", second)
    for _ in range(10):  # the first phone answers everything, then steps back from the end
        answer_questions(first, labels, internship="Nej")
        if first.get_by_role("button", name="Send svar", exact=True).count():
            press(first, "Tilbage")
            break
        press(first, "Næste")
    second.goto("/svar")
    expect(second.get_by_role("button", name="Send svar", exact=True)).to_be_visible()
    see("landing-send-only", second)

    # The kiosk link on a shared tablet.
    tablet = new_phone(**context_options).new_page()
    tablet.goto(f"/k/{code}")
    expect(tablet.locator(".kiosk-notice")).to_be_visible()
    see("kiosk-landing", tablet)
    press(tablet, "Start")
    see("kiosk-page", tablet)
    tablet.evaluate("document.getElementById('kiosk-warning').hidden = false")
    see("kiosk-idle-warning", tablet)
    answer_round(tablet, internship="Nej", labels=labels)
    expect(tablet.get_by_role("link", name="Start for den næste")).to_be_visible()
    see("kiosk-thanks", tablet, "Tak for dine svar")
    tablet.goto(f"/k/{code}?ryddet=1")
    see("kiosk-landing-cleared", tablet)

    # The personal open link: sent once from this phone, then someone else may answer.
    own = new_phone(**context_options).new_page()
    own.goto(f"/o/{code}")
    press(own, "Start")
    answer_round(own, internship="Nej", labels=labels)
    own.goto(f"/o/{code}")
    see("answered-here", own, "Du har allerede svaret på denne telefon")
    press(own, "En anden vil svare på denne telefon")
    press(own, "Start")
    answer_questions(own, labels)
    press(own, "Næste")
    own.goto(f"/o/{code}")  # back on the landing page, midway: "not you?" is offered
    expect(own.get_by_role("button", name="En anden vil svare på denne telefon")).to_be_visible()
    see("landing-open-link-midway", own)

    # Too many sheets from one address: the last page is kept and the citizen asked to wait.
    busy = new_phone(**context_options).new_page()
    busy.goto(f"/o/{code}")
    press(busy, "Start")
    for _ in range(10):
        answer_questions(busy, labels, internship="Nej")
        last = busy.get_by_role("button", name="Send svar", exact=True).count() == 1
        press(busy, "Send svar" if last else "Næste")
        if last:
            break
    expect(busy.locator(".busy-notice")).to_be_visible()
    see("page-busy", busy)
    return names


EVERY_PAGE = {
    "landing",
    "landing-english",
    "landing-welcome-back",
    *(f"page-{key}" for key in [*FIRST_PAGES, "local"]),
    "page-error-summary",
    "thanks",
    "already-answered",
    "link-unknown",
    "round-closed",
    "round-not-open-yet",
    "no-session",
    "bad-request",
    "landing-forward-only",
    "page-forward-only",
    "landing-send-only",
    "kiosk-landing",
    "kiosk-page",
    "kiosk-idle-warning",
    "kiosk-thanks",
    "kiosk-landing-cleared",
    "answered-here",
    "landing-open-link-midway",
    "page-busy",
}


def describe(name: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            f"\n    {violation['helpUrl']}"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", "\n        ")
            lines.append(f"        {summary}")
    return "\n".join(lines)


@pytest.fixture
def limit(app, monkeypatch):
    return lambda value: monkeypatch.setitem(app.config, "OPEN_LINK_COMPLETIONS_PER_ADDRESS", value)


def test_axe_finds_no_wcag_violation_on_any_citizen_page(
    new_phone, make_round, invite, open_code, limit, screenshots, axe_source
):
    found = {}

    def check(name, page):
        page.screenshot(path=screenshots / f"{name}.png")  # the first screenful
        page.screenshot(path=screenshots / f"{name}-full.png", full_page=True)
        page.evaluate(axe_source)  # evaluated by DevTools, so the page's CSP does not block it
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        if result["violations"]:
            found[name] = result["violations"]

    names = tour(new_phone, make_round, invite, check, open_code, limit)
    assert set(names) == EVERY_PAGE
    report = "\n\n".join(describe(name, violations) for name, violations in found.items())
    assert not found, f"axe-core found WCAG 2.1 A/AA violations:\n\n{report}"


MEASURE_WIDTH = """() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
               + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 8)};
}"""

# Visible text set smaller than 14 CSS px, and questions set smaller than their own answers.
MEASURE_TEXT = """() => {
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  const tiny = [...document.body.querySelectorAll('*')].filter(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    return own && box.width > 1 && box.height > 1 && box.right > 0 && px(el) < 14;
  }).map(el => `${px(el)}px: ${el.textContent.trim().slice(0, 60)}`);
  const small = [...document.querySelectorAll('fieldset.question')].filter(set => {
    const legend = set.querySelector('legend'), label = set.querySelector('label');
    return legend && label && px(legend) < px(label);
  }).map(set => set.querySelector('legend').textContent.trim().slice(0, 60));
  return {tiny: tiny.slice(0, 8), questionsSmallerThanAnswers: small};
}"""


def test_no_citizen_page_scrolls_sideways_or_shrinks_text_at_320px(
    new_phone, make_round, invite, open_code, limit, screenshots
):
    too_wide, too_small = {}, {}

    def check(name, page):
        page.screenshot(path=screenshots / f"{name}-320px.png")
        widths = page.evaluate(MEASURE_WIDTH)
        assert widths["client"] == 320
        if widths["scroll"] > widths["client"]:
            too_wide[name] = widths
        text = page.evaluate(MEASURE_TEXT)
        if text["tiny"] or text["questionsSmallerThanAnswers"]:
            too_small[name] = text

    names = tour(
        new_phone,
        make_round,
        invite,
        check,
        open_code,
        limit,
        viewport={"width": 320, "height": 568},
    )
    assert set(names) == EVERY_PAGE
    assert not too_wide, "pages scroll sideways at 320 px:\n" + json.dumps(too_wide, indent=2)
    assert not too_small, "text too small to read:\n" + json.dumps(
        too_small, indent=2, ensure_ascii=False
    )
