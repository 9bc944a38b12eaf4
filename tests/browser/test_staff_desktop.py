"""Staff at a desktop: an administrator builds, previews, opens and fills a round; an analyst
reads the results and takes the June report home; axe-core on every staff page.

Real Chromium at 1280 x 900 (locale da-DK) on the live server. The citizen who answers a
downloaded link uses a phone context of the same browser, as in test_citizen_phone.py.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from survey.bank.lix import lix
from survey.core.extensions import db
from survey.models import Invitation, Response, Round

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("links_allowed")]

DESKTOP = {
    "viewport": {"width": 1280, "height": 900},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
    "locale": "da-DK",
    "accept_downloads": True,
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "en lang og hemmelig sætning"
ADMIN = "admin@odense.test"
ANALYST = "analytiker@odense.test"
OPERATOR = "drift@kl.test"
ROUND_TITLE = "Forår 2027"
INTERNSHIP = "kl.progress.internship"
INTERNSHIP_DA = "Har du været i virksomhedspraktik i det seneste halve år?"
# Long words in one long sentence: LIX 80, far above the warning at 40.
HARD_DA = (
    "Kommunens beskæftigelsesrettede informationsmaterialer om virksomhedsrettede "
    "aktiveringstilbud var forståelige og velstrukturerede"
)
HARD_EN = "The municipality's information about company offers was clear"
EASY_DA = "Praktikken gav mig mod på at søge job."  # asked only after "yes" to the internship
EASY_EN = "The work placement made me want to look for a job."
LOCAL_PAGE_DA = "Spørgsmål fra Odense Kommune"
LOCAL_PAGE_EN = "Questions from Odense Municipality"
SEND_LIST = "reference;benefit_group\r\nA-101;kontanthjaelp\r\nA-102;dagpenge\r\nA-103;\r\n"
DELIVERY_LIST = "reference;mobile;email\r\nB-1;+45 20 12 34 56;\r\nB-2;;borger@example.org\r\n"
FRAME_WIDTH = 375


# --- fixtures and hands ------------------------------------------------------------------


@pytest.fixture
def desktop(new_phone) -> Callable[..., object]:
    """A fresh desktop browser context: 1280 x 900, mouse, Danish, downloads allowed."""
    return lambda **overrides: new_phone(**{**DESKTOP, **overrides})


@pytest.fixture
def staff_user(app) -> Callable[..., str]:
    """A staff user with a password of their own (no one-time password to change)."""
    from survey.accounts.service import create_user

    def make(email: str, role: str, municipality: int | None = 461) -> str:
        with app.app_context():
            user, _ = create_user(email, role, municipality, PASSWORD)
            user.must_change_password = False
            db.session.commit()
        return email

    return make


def loaded(page, action: Callable[[], object]) -> None:
    """Do something that loads a new page (a click, a key) and wait until it has loaded."""
    with page.expect_event("load"):
        action()


def press(scope, name: str, page=None) -> None:
    """Press the button with this exact name inside a page or part of one."""
    page = page or scope
    loaded(page, scope.get_by_role("button", name=name, exact=True).click)


def follow(scope, name: str, page=None) -> None:
    page = page or scope
    loaded(page, scope.get_by_role("link", name=name, exact=True).click)


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode", exact=True).fill(password)
    press(page, "Log ind")


def text(locator) -> str:
    """Visible text with every kind of space made plain (Danish "33 %" has a no-break space)."""
    return " ".join(locator.inner_text().split())


def h1(page):
    return page.get_by_role("heading", level=1)


def flash(page):
    return page.locator(".alert[role=status], .alert[role=alert]").first


def upload(page, content: str, name: str = "udsendelsesliste.csv") -> None:
    page.get_by_label("Udsendelsesliste (CSV eller Excel)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}
    )


def local_question_rows(page) -> list[str]:
    rows = page.locator("#local-questions ~ div table tbody th[scope=row]")
    return [text(row).split(" Vises kun")[0] for row in rows.all()]


def preview_frame(page):
    frame = page.frame(url=re.compile(r"/preview/[^/]+/frame"))
    assert frame is not None, [f.url for f in page.frames]
    return frame


def read_download(download) -> bytes:
    return Path(download.path()).read_bytes()


# --- the administrator's round -----------------------------------------------------------


def write_question(page, danish: str, english: str, condition: str = "") -> None:
    """From the question bank: the editor, fill it in, save; back in the bank."""
    follow(page, "Skriv et nyt spørgsmål")
    page.get_by_label("Spørgsmål på dansk").fill(danish)
    page.get_by_label("Spørgsmål på engelsk (valgfrit)").fill(english)
    page.get_by_label("Vis kun spørgsmålet, hvis").select_option(condition)
    press(page, "Gem spørgsmålet")
    expect(flash(page)).to_contain_text("Spørgsmålet er gemt i banken.")


def add_to_round(page, question: str) -> None:
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Tilføj spørgsmålet", exact=True)
    )
    form.get_by_label("Spørgsmål fra banken").select_option(label=question)
    form.get_by_label("Placering").select_option("end")
    press(form, "Tilføj spørgsmålet", page)
    expect(flash(page)).to_contain_text("Spørgsmålet er tilføjet.")


def answer_whole_round(page) -> list[str]:
    """A citizen picks the first answer everywhere ("Helt enig", "Ja") until the thank-you page.

    Returns the legends of the last page, the municipality's own questions."""
    press(page, "Start")
    legends = []
    for _ in range(10):
        legends = [text(legend) for legend in page.locator("fieldset.question legend").all()]
        for fieldset in page.locator("fieldset.question").all():
            fieldset.locator("label").first.click()
            expect(fieldset.locator("input:checked")).to_have_count(1)
        last = page.get_by_role("button", name="Send svar", exact=True).count() == 1
        press(page, "Send svar" if last else "Næste")
        if last:
            return legends
    raise AssertionError("never reached the last page")


def admin_builds_a_round(desktop, new_phone, app, visit: Callable) -> int:
    """The whole administrator journey of issue 3; visit(name, page) sees every staff page."""
    page = desktop().new_page()
    page.goto("/login")
    expect(h1(page)).to_have_text("Log ind for medarbejdere")
    visit("login", page)
    log_in(page, ADMIN)
    expect(h1(page)).to_have_text("Dine runder")  # the start page (issue 17)
    visit("start", page)
    follow(page, "Alle runder")
    expect(h1(page)).to_have_text("Undersøgelsesrunder")
    visit("rounds", page)

    # A new round with English offered.
    follow(page, "Opret en runde")
    visit("round-new", page)
    page.get_by_label("Titel").fill(ROUND_TITLE)
    # The newest version (KL's 2025 categories) is offered first; this walk is on version 1.
    questionnaire = page.get_by_label("Spørgeskema")
    expect(questionnaire).to_have_value("kl-beskaeftigelse:2")
    questionnaire.select_option("kl-beskaeftigelse:1")
    page.get_by_label("English").check()
    press(page, "Opret runden")
    expect(h1(page)).to_have_text(ROUND_TITLE)
    expect(flash(page)).to_contain_text("Runden er oprettet.")
    round_id = int(re.search(r"/admin/rounds/(\d+)$", page.url).group(1))
    visit("round-draft", page)
    with app.app_context():
        assert db.session.get(Round, round_id).languages == ["da", "en"]

    # Two local questions in the bank: a long-worded one (LIX warning), a conditional one.
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Spørgsmålsbank", page)
    follow(page, "Skriv et nyt spørgsmål")
    press(page, "Gem spørgsmålet")  # nothing written yet
    expect(page.locator(".error-summary")).to_contain_text("Den danske tekst skal udfyldes.")
    expect(page.locator(".error-summary")).to_be_focused()
    visit("question-errors", page)
    page.get_by_label("Spørgsmål på dansk").fill(HARD_DA)
    page.get_by_label("Spørgsmål på engelsk (valgfrit)").fill(HARD_EN)
    press(page, "Tjek læsbarhed")
    readability = page.locator("#lix-result")
    danish_score = f"{lix(HARD_DA):.1f}".replace(".", ",")  # Danish decimal comma
    expect(readability).to_contain_text(
        f"Læsbarhed (LIX) af det danske spørgsmål og hjælpeteksten tilsammen: {danish_score}."
    )
    expect(readability).to_contain_text("Over 40 er svært at læse.")
    expect(readability).to_have_class(re.compile(r"\balert-warning\b"))
    visit("question-lix", page)
    press(page, "Gem spørgsmålet")  # the admin may still keep the wording
    expect(flash(page)).to_contain_text("Spørgsmålet er gemt i banken.")
    write_question(page, EASY_DA, EASY_EN, condition=f"{INTERNSHIP}=1")
    bank = page.locator("table tbody tr")
    expect(bank).to_have_count(2)
    expect(bank.filter(has_text=HARD_DA)).to_contain_text("svær at læse")
    expect(bank.filter(has_text=EASY_DA)).not_to_contain_text("svær at læse")
    visit("questions", page)

    # English typed in the editor is a draft: the admin checks it and says so, on the
    # translations page, so the round offers English without accepting drafts.
    follow(page, "Oversættelser")
    drafts = page.locator(".bank-translations tbody tr")
    expect(drafts).to_have_count(2)
    for _ in range(2):
        press(drafts.first, "Jeg har tjekket den: markér som gennemgået", page)
    expect(page.locator(".bank-translations")).not_to_contain_text("Kladde")
    expect(page.locator(".bank-translations")).to_contain_text(ADMIN)
    visit("translations", page)

    # Both in the round, at the end; the conditional one first, then moved to the end.
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Runder", page)
    follow(page, ROUND_TITLE)
    add_to_round(page, EASY_DA)
    add_to_round(page, HARD_DA)
    assert local_question_rows(page) == [EASY_DA, HARD_DA]
    hard_row = page.locator("#local-questions ~ div table tbody tr").filter(has_text=HARD_DA)
    press(hard_row, "Op", page)
    assert local_question_rows(page) == [HARD_DA, EASY_DA]
    expect(page.locator("#local-questions ~ div table tbody tr").last).to_contain_text(
        f"Vises kun for borgere, der svarede Ja til “{INTERNSHIP_DA}”."
    )
    visit("round-draft-questions", page)

    # Preview at phone width, page by page, in both languages.
    follow(page, "Forhåndsvis som borger")
    frame = preview_frame(page)
    assert frame.evaluate("window.innerWidth") == FRAME_WIDTH
    assert frame.evaluate("document.documentElement.scrollWidth") <= FRAME_WIDTH
    expect(frame.locator("h1")).to_have_text("Mødet med jobcentret")
    visit("preview", page)
    pages_nav = page.get_by_role("navigation", name="Sider i forhåndsvisningen")
    follow(pages_nav, LOCAL_PAGE_DA, page)
    frame = preview_frame(page)
    expect(frame.locator("h1")).to_have_text(LOCAL_PAGE_DA)
    expect(frame.locator("legend")).to_have_text([HARD_DA, EASY_DA])
    expect(frame.locator(".preview-condition")).to_have_text(
        f"Vises kun for borgere, der svarede Ja til “{INTERNSHIP_DA}”."
    )
    expect(frame.get_by_role("button", name="Send svar")).to_be_visible()
    follow(page.get_by_role("navigation", name="Sprog i forhåndsvisningen"), "English", page)
    frame = preview_frame(page)
    assert frame.evaluate("window.innerWidth") == FRAME_WIDTH
    expect(frame.locator("html")).to_have_attribute("lang", "en")
    expect(frame.locator("h1")).to_have_text(LOCAL_PAGE_EN)
    expect(frame.locator("legend")).to_have_text([HARD_EN, EASY_EN])
    expect(frame.get_by_role("button", name="Send answers")).to_be_visible()
    expect(pages_nav.locator("ol")).to_have_attribute("lang", "en")  # English titles, marked
    visit("preview-english", page)
    follow(pages_nav, "Meeting the job centre", page)
    expect(preview_frame(page).locator("h1")).to_have_text("Meeting the job centre")

    # Open the round; upload a send list; check it, then create and download the links.
    follow(page, "Tilbage til runden")
    follow(page, "Åbn runden")  # a confirmation page says what cannot be undone (issue 17)
    expect(page.get_by_role("note")).to_contain_text("Det kan ikke fortrydes")
    visit("round-open-confirm", page)
    page.get_by_label("Jeg forstår, at det ikke kan fortrydes").check()
    press(page, "Åbn runden")
    expect(flash(page)).to_contain_text("Runden er åben. Dens spørgsmål er nu låst.")
    visit("round-open", page)
    follow(page, "Hent links i stedet (tilladt af driften)")
    expect(h1(page)).to_have_text(f"Invitationslinks til {ROUND_TITLE}")
    visit("invitations", page)
    upload(page, SEND_LIST)
    press(page, "Tjek filen")
    expect(page.get_by_role("status").filter(has_text="Filen er i orden")).to_contain_text(
        "3 rækker kan få et link."
    )
    visit("invitations-checked", page)
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0  # only checked
    # The checked file is kept: no need to choose it again.
    press(page, "Opret links og download")
    expect(h1(page)).to_have_text("3 links blev oprettet")
    visit("links-created", page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent linkene (CSV)", exact=True).click()
    download = info.value
    assert re.fullmatch(r"links-round-\d+-1-3\.csv", download.suggested_filename)
    rows = list(
        csv.DictReader(io.StringIO(read_download(download).decode("utf-8-sig")), delimiter=";")
    )
    assert [row["reference"] for row in rows] == ["A-101", "A-102", "A-103"]
    assert [row["benefit_group"] for row in rows] == ["kontanthjaelp", "dagpenge", ""]
    assert [row["number"] for row in rows] == ["1", "2", "3"]
    links = [row["link"] for row in rows]
    assert len(set(links)) == 3
    assert all(re.fullmatch(r"http://localhost/s/[A-Za-z0-9_-]{20,}", link) for link in links)

    # A citizen opens one link on a phone and answers everything.
    citizen = new_phone().new_page()
    citizen.goto(urlsplit(links[1]).path)
    expect(h1(citizen)).to_have_text("Din oplevelse af jobcentret")
    assert answer_whole_round(citizen) == [HARD_DA, EASY_DA]
    expect(h1(citizen)).to_have_text("Tak for dine svar")

    # Back at the desk: one completed of three invited.
    follow(page, "Tilbage til runden")
    expect(h1(page)).to_have_text(ROUND_TITLE)
    overall = page.get_by_role("row").filter(has_text="Alle invitationer")
    expect(overall.locator("td")).to_have_text(["3", "1", re.compile(r"^33\s%$")])
    visit("round-response-rate", page)
    with app.app_context():
        completed = select(func.count(Response.id)).where(
            Response.round_id == round_id, Response.completed.is_(True)
        )
        assert db.session.scalar(completed) == 1

    # Borgerblik sends invitations itself: the texts, then a send list with contact data.
    follow(page, "Tekster til invitationer og påmindelser")
    expect(h1(page)).to_have_text("Tekster til invitationer og påmindelser")
    expect(page.get_by_role("table")).to_contain_text("SMS-dele")
    visit("messages", page)
    follow(page, "Tilbage til runden")
    follow(page, "Send invitationer på SMS eller e-mail")
    expect(h1(page)).to_have_text(f"Send invitationer til {ROUND_TITLE}")
    visit("send", page)
    send_list = page.get_by_label("Udsendelsesliste (CSV eller Excel)")
    file = {"name": "liste.csv", "mimeType": "text/csv", "buffer": DELIVERY_LIST.encode()}
    send_list.set_input_files(file)
    page.get_by_label("Første påmindelse, dage efter").fill("4")
    press(page, "Tjek og se beskederne")
    expect(page.locator("#send-preview")).to_contain_text("2 borgere bliver inviteret")
    expect(page.locator("#send-preview")).to_contain_text("1 på SMS og 1 på e-mail")
    visit("send-checked", page)
    press(page, "Send")  # the checked file is kept
    expect(flash(page)).to_contain_text("4 beskeder planlagt.")
    expect(page.locator("#delivery + table")).to_contain_text("Venter")
    visit("round-delivery", page)
    return round_id


def test_an_admin_builds_previews_opens_and_invites_and_a_citizen_answers(
    app, desktop, new_phone, staff_user
):
    staff_user(ADMIN, "admin")
    admin_builds_a_round(desktop, new_phone, app, visit=lambda name, page: None)


def test_a_send_list_with_errors_lists_them_all_and_creates_nothing(
    app, desktop, staff_user, make_round
):
    staff_user(ADMIN, "admin")
    round_id = make_round()
    page = desktop().new_page()
    log_in(page, ADMIN)
    page.goto(f"/admin/rounds/{round_id}/invitations")
    bad = (
        "reference;benefit_group\r\n"
        "B-1;kontanthjaelp\r\n"
        'B-2;=HYPERLINK("http://example.com")\r\n'
        "B-1;dagpenge\r\n"
        "B-4;dagpenge\r\n"
    )
    expected = [
        "Række 3, kolonne benefit_group: en celle må ikke begynde med =, +, - eller @ "
        "(en regnearksformel).",
        "Række 4, kolonne reference: referencen B-1 står også i række 2.",
    ]
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    for button in ("Tjek filen", "Opret links og download"):
        upload(page, bad)
        press(page, button)
        errors = page.locator("#sendlist-errors")
        expect(errors.get_by_role("heading")).to_have_text("Filen blev ikke indlæst")
        expect(errors).to_contain_text("Der er ikke oprettet noget. Der er 2 fejl: ret dem")
        expect(errors.locator("li")).to_have_text(expected)
    assert downloads == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0


# --- the analyst's results and report ----------------------------------------------------


def seeded_rounds(app, make_round) -> tuple[int, int]:
    """Two closed Odense rounds with invented answers: spring 2025 and spring 2026 (results
    exist once a round has closed)."""
    from survey.demo.answers import seed_responses

    earlier = make_round(title="Forår 2025", state="closed", opens_on=date(2025, 3, 1))
    current = make_round(title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    with app.app_context():
        for round_id, seed, share, first in (
            (earlier, 2025, 0.55, date(2025, 3, 3)),
            (current, 2026, 0.75, date(2026, 3, 3)),
        ):
            seed_responses(
                db.session.get(Round, round_id),
                40,
                seed=seed,
                positive_share=share,
                first_day=first,
            )
        db.session.commit()
    return current, earlier


SCROLL_WIDTH = "() => document.documentElement.scrollWidth"
HEADING_LEVELS = "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
TABLES = """() => [...document.querySelectorAll('table')].map(t => ({
  caption: t.caption ? t.caption.textContent.trim() : '',
  headers: [...t.querySelectorAll('th')].map(th => th.closest('thead') ? 'col' : 'row'),
  scopes: [...t.querySelectorAll('th')].map(th => th.getAttribute('scope')),
}))"""
# What the browser drew, under the page's CSP: a white background and dark blue bars (style
# attributes would be ignored by a CSP without 'unsafe-inline', and every shape drawn black).
CHARTS = """() => [...document.querySelectorAll('svg')].map(svg => ({
  title: svg.querySelector(':scope > title')?.textContent.trim() || '',
  desc: svg.querySelector(':scope > desc')?.textContent.trim() || '',
  background: getComputedStyle(svg.querySelector('path')).fill,
  bars: [...svg.querySelectorAll('path, use')].filter(
    p => getComputedStyle(p).fill === 'rgb(8, 48, 107)').length,
}))"""


def assert_tables_and_charts(page, charts_at_least: int) -> None:
    tables = page.evaluate(TABLES)
    assert tables, "no tables"
    for table in tables:
        assert table["caption"], f"a table without a caption: {table}"
        assert table["scopes"] == table["headers"], f"header cells without scope: {table}"
    charts = page.evaluate(CHARTS)
    assert len(charts) >= charts_at_least, charts
    for chart in charts:
        assert chart["title"] and chart["desc"], f"a chart without title or description: {chart}"
        assert chart["background"] == "rgb(255, 255, 255)", f"not drawn as made: {chart}"
        assert chart["bars"] > 0, f"no bars drawn in {chart['title']}"


def analyst_reads_results(desktop, rounds: tuple[int, int], visit: Callable) -> str:
    """Issue 5 at the analyst's desk: pick, compare, split, read, download; returns the HTML."""
    current, earlier = rounds
    context = desktop()
    page = context.new_page()
    log_in(page, ANALYST)
    loaded(page, page.locator("nav.staff-nav a[href='/results/']").click)
    assert urlsplit(page.url).path == "/results/"
    visit("results-pick", page)
    page.locator("#pick-round").select_option(str(current))
    page.locator("#pick-against").select_option(str(earlier))
    page.locator("#pick-by").select_option("benefit_group")
    loaded(page, page.locator("form.results-picker button[type=submit]").click)
    assert f"round={current}" in page.url and f"against={earlier}" in page.url
    assert "by=benefit_group" in page.url
    expect(h1(page)).to_contain_text("Forår 2026")
    expect(page.locator(".font-lead")).to_contain_text("40")
    expect(page.locator(".font-lead")).to_contain_text("Forår 2025")
    themes = page.locator("section.results-theme h2")
    expect(themes).to_have_count(6)  # five KL themes and the local questions
    expect(themes.last).to_have_text(LOCAL_PAGE_DA)
    # The maintained label where the operator keeps one (the demo's values), else the code.
    kontanthjaelp = re.compile("Kontanthjælp|kontanthjaelp")
    expect(page.locator("tr.group-row").filter(has_text=kontanthjaelp).first).to_be_visible()
    assert_tables_and_charts(page, charts_at_least=5)
    assert page.evaluate(SCROLL_WIDTH) <= DESKTOP["viewport"]["width"]
    visit("results-compare", page)

    with page.expect_download() as info:
        page.locator("section.downloads").get_by_role("link", name="HTML", exact=True).click()
    download = info.value
    # The name says what the file holds: municipality, rounds, split and date.
    pattern = rf"rapport_odense_[a-z0-9-]+-runde{current}_mod_[a-z0-9-]+-runde{earlier}"
    pattern += r"_efter_ydelsesgruppe_\d{4}-\d\d-\d\d\.html"
    assert re.fullmatch(pattern, download.suggested_filename), download.suggested_filename
    html = read_download(download).decode("utf-8")
    assert "<script" not in html.lower()
    report = context.new_page()
    report.set_content(html)
    assert report.locator("html").get_attribute("lang") == "da"
    levels = report.evaluate(HEADING_LEVELS)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert levels.count(2) >= 5, levels
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"a skipped level: {levels}"
    assert_tables_and_charts(report, charts_at_least=5)
    assert report.evaluate(SCROLL_WIDTH) <= DESKTOP["viewport"]["width"], "scrolls sideways"
    expect(report.locator("h1")).to_have_text("Forår 2026")
    visit("report", report)
    return html


def test_an_analyst_compares_two_rounds_split_by_benefit_group_and_downloads_the_report(
    app, desktop, staff_user, make_round
):
    staff_user(ANALYST, "analyst")
    analyst_reads_results(desktop, seeded_rounds(app, make_round), lambda name, page: None)


# --- axe-core on every staff page --------------------------------------------------------


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


EVERY_STAFF_PAGE = {
    "start",
    "round-open-confirm",
    "links-created",
    "login",
    "login-error",
    "password",
    "password-errors",
    "rounds",
    "round-new",
    "round-new-errors",
    "round-draft",
    "round-draft-questions",
    "round-open",
    "round-response-rate",
    "messages",
    "send",
    "send-checked",
    "round-delivery",
    "preview",
    "preview-english",
    "questions",
    "translations",
    "questionnaire-translations",
    "question-edit-frozen",
    "round-analyst",
    "question-errors",
    "question-lix",
    "invitations",
    "invitations-checked",
    "invitations-errors",
    "users-one-time-password",
    "audit",
    "municipality-settings",
    "municipality-settings-errors",
    "background-values",
    "results-pick",
    "results-compare",
    "report",
    "accessibility",
}


def test_axe_finds_no_wcag_violation_on_any_staff_page(
    app, desktop, new_phone, staff_user, make_round, screenshots, axe_source
):
    from survey.demo.setup import ensure_background_values

    staff_user(ADMIN, "admin")
    staff_user(ANALYST, "analyst")
    staff_user(OPERATOR, "operator", None)
    with app.app_context():
        ensure_background_values()
        db.session.commit()
    found, seen = {}, []

    def check(name, page):
        seen.append(name)
        whole = page.evaluate("document.documentElement.scrollHeight") < 4000  # not the report
        page.screenshot(path=screenshots / f"staff-{name}.png", full_page=whole)
        for frame in page.frames:  # the preview's phone frame is checked too
            frame.evaluate(axe_source)  # by DevTools, so the page's CSP does not block it
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        # and one best practice: two landmarks of one role and name leave a screen reader's
        # landmark list with two entries it cannot tell apart. Not on the preview, whose
        # frame holds a whole citizen page: axe counts its header, main and footer with the
        # staff page's own.
        unique = {"violations": []}
        if len(page.frames) == 1:
            unique = page.evaluate(
                "rules => axe.run(document, {runOnly: {type: 'rule', values: rules},"
                " resultTypes: ['violations']})",
                ["landmark-unique"],
            )
        if result["violations"] or unique["violations"]:
            found[name] = result["violations"] + unique["violations"]

    round_id = admin_builds_a_round(desktop, new_phone, app, check)

    page = desktop().new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Adgangskode", exact=True).fill("not the password")
    press(page, "Log ind")
    expect(page.locator(".error-summary")).to_contain_text("E-mailadressen eller adgangskoden")
    check("login-error", page)
    log_in(page, ADMIN)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Skift adgangskode", page)
    check("password", page)
    page.get_by_label("Nuværende adgangskode").fill("not the password")
    press(page.locator("main"), "Skift adgangskode", page)
    expect(page.locator(".error-summary")).to_contain_text("Skriv en ny adgangskode.")
    check("password-errors", page)
    page.goto("/admin/rounds/new")
    press(page, "Opret runden")
    expect(page.locator(".error-summary")).to_contain_text("Giv runden en titel.")
    check("round-new-errors", page)
    page.goto(f"/admin/rounds/{round_id}/invitations")
    upload(page, "reference;benefit_group\r\n=1+1;dagpenge\r\n")
    press(page, "Tjek filen")
    expect(page.locator("#sendlist-errors li")).to_have_count(1)
    check("invitations-errors", page)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Spørgsmålsbank", page)
    hard_row = page.locator("table tbody tr").filter(has_text=HARD_DA)
    follow(hard_row, "Rediger", page)
    expect(h1(page)).to_have_text("Rediger spørgsmål")
    expect(page.get_by_role("checkbox")).to_have_count(1)  # "not comparable": used in a round
    check("question-edit-frozen", page)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Brugere", page)
    page.get_by_label("E-mail").fill("ny.kollega@odense.test")
    page.get_by_label("Rolle").select_option("analyst")
    press(page, "Opret bruger")
    expect(page.locator("#one-time-password code")).to_have_text(re.compile(r"\S{12,}"))
    check("users-one-time-password", page)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Log over ændringer", page)
    expect(page.locator("table tbody tr").first).to_be_visible()
    check("audit", page)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Indstillinger", page)
    check("municipality-settings", page)
    page.locator("#accessibility_url").fill("http://odense.dk/was")  # must be https://
    loaded(page, page.locator("main form button[type=submit]").click)
    expect(page.locator(".error-summary a")).to_have_count(1)
    check("municipality-settings-errors", page)

    operator = desktop().new_page()
    log_in(operator, OPERATOR)
    follow(operator.get_by_role("navigation", name="Hovedmenu"), "Baggrundsværdier", operator)
    replaced = operator.locator("table tbody tr").filter(has_text="uddannelseshjaelp")
    expect(replaced).to_contain_text("Erstattet af kontanthjaelp")
    check("background-values", operator)
    follow(operator.get_by_role("navigation", name="Hovedmenu"), "Oversættelser", operator)
    expect(h1(operator)).to_have_text("Oversættelser af spørgeskemaerne")
    check("questionnaire-translations", operator)

    rounds = seeded_rounds(app, make_round)
    analyst_reads_results(desktop, rounds, check)
    analyst = desktop().new_page()
    log_in(analyst, ANALYST)
    analyst.goto(f"/admin/rounds/{rounds[0]}")
    expect(analyst.get_by_role("button", name="Luk runden")).to_have_count(0)  # read-only
    check("round-analyst", analyst)

    public = desktop().new_page()
    public.goto("/tilgaengelighed")
    check("accessibility", public)

    assert set(seen) == EVERY_STAFF_PAGE, set(seen) ^ EVERY_STAFF_PAGE
    report = "\n\n".join(describe(name, violations) for name, violations in found.items())
    assert not found, f"axe-core found WCAG 2.1 A/AA violations:\n\n{report}"


# --- the keyboard ------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  return el ? (el.id || el.tagName.toLowerCase() + ':' + el.textContent.trim()) : '';
}"""


# Each word of a table cell measured on its own: a word drawn on two lines is broken.
BROKEN_WORDS = """() => [...document.querySelectorAll('table th, table td')].flatMap(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
})"""


def test_the_start_page_table_keeps_words_whole_at_a_desk(app, desktop, staff_user, make_round):
    """Its headings and round titles broke mid-word ("Gennemfø/rte besvarels/er")."""
    staff_user(ADMIN, "admin")
    for title in ("Borgerundersøgelse, demo", "Virksomhedsundersøgelse efterår 2025"):
        make_round(local=False, title=title)
    page = desktop().new_page()
    log_in(page, ADMIN)
    page.goto("/admin/")
    expect(page.locator("table.start-table")).to_be_visible()
    assert page.evaluate(BROKEN_WORDS) == []


def test_the_login_form_works_from_the_keyboard(desktop, staff_user):
    staff_user(ADMIN, "admin")
    page = desktop().new_page()
    page.goto("/login")
    order = []
    for _ in range(10):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))
        if order[-1] == "button:Log ind":
            break
    assert "email" in order, order
    start = order.index("email")
    assert order[start:] == ["email", "password", "button:Log ind"], order
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    loaded(page, lambda: page.keyboard.press("Enter"))
    expect(h1(page)).to_have_text("Dine runder")  # the administrator's start page
    assert urlsplit(page.url).path == "/admin/"
