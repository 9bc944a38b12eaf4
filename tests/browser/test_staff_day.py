"""The administrator's and analyst's day (issue 17) in real Chromium at 1280 x 900: the start
page per role, posters, the audit trail's filters and CSV, a forgotten password, and single
sign-on through a real OpenID Connect provider; axe-core on every page seen."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from delivery_servers import MailServer
from oidc_server import CLIENT_ID, CLIENT_SECRET, OidcProvider, available
from test_staff_desktop import (
    ADMIN,
    ANALYST,
    DESKTOP,
    PASSWORD,
    WCAG_TAGS,
    describe,
    follow,
    h1,
    loaded,
    log_in,
    press,
    seeded_rounds,
    text,
)

from survey.core.extensions import db
from survey.models import Response
from survey.models.base import random_id, today

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI
    expect = None

pytestmark = [pytest.mark.browser]

NEW_PASSWORD = "en helt ny og lang sætning"


@pytest.fixture
def desktop(new_phone):
    """A fresh desktop context, as in test_staff_desktop.py: 1280 x 900, Danish, downloads."""
    return lambda **overrides: new_phone(**{**DESKTOP, **overrides})


@pytest.fixture
def staff_user(app):
    from survey.accounts.service import create_user

    def make(email: str, role: str, municipality: int | None = 461) -> str:
        with app.app_context():
            user, _ = create_user(email, role, municipality, PASSWORD)
            user.must_change_password = False
            db.session.commit()
        return email

    return make


@pytest.fixture
def axe(axe_source, screenshots):
    """axe(name, page): screenshot and WCAG 2.1 A/AA check; fails the test on a violation."""

    def check(name: str, page) -> None:
        page.screenshot(path=screenshots / f"staff-day-{name}.png", full_page=True)
        page.evaluate(axe_source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        assert not result["violations"], describe(name, result["violations"])

    return check


def completions(app, round_id: int, per_day: dict) -> None:
    with app.app_context():
        for day, count in per_day.items():
            for _ in range(count):
                db.session.add(
                    Response(
                        id=random_id(),
                        round_id=round_id,
                        channel="open",
                        completed=True,
                        started_on=day,
                        completed_on=day,
                    )
                )
        db.session.commit()


def test_the_admin_start_page_shows_each_round_and_prints_a_poster(
    app,
    desktop,
    staff_user,
    make_round,
    invite,
    axe,
):
    staff_user(ADMIN, "admin")
    running = make_round(local=False, title="Efterår 2026", closes_on=today() + timedelta(days=12))
    invite(running, 10)
    completions(app, running, {today() - timedelta(days=1): 6, today(): 2})
    planned = make_round(
        local=False, state="draft", title="Forår 2027", opens_on=today() + timedelta(days=20)
    )
    page = desktop().new_page()
    log_in(page, ADMIN)
    expect(h1(page)).to_have_text("Dine runder")
    table = page.locator("table.start-table")
    row = table.locator("tbody tr").filter(has_text="Efterår 2026")
    expect(row).to_contain_text("Åben – lukker om 12 dage")
    expect(row.locator("svg.day-chart rect")).to_have_count(1)  # the day with 2 is not drawn
    expect(table.locator("tbody tr").filter(has_text="Forår 2027")).to_contain_text(
        "Tilføj lokale spørgsmål"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    axe("start-admin", page)

    follow(page, "Forår 2027")
    with page.expect_download() as info:
        page.get_by_role("link", name="Plakat A4 (PDF)", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"plakat-open-A4-runde-{planned}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    follow(page, "Åbn runden")
    expect(page.get_by_role("note")).to_contain_text("Det kan ikke fortrydes")
    press(page, "Åbn runden")  # without the box ticked: nothing happens
    expect(page.locator(".alert-error")).to_contain_text("Sæt kryds for at bekræfte.")
    axe("round-open-refused", page)


def test_the_analyst_lands_on_the_latest_results(app, desktop, staff_user, make_round, axe):
    staff_user(ANALYST, "analyst")
    current, earlier = seeded_rounds(app, make_round)
    page = desktop().new_page()
    log_in(page, ANALYST)
    expect(h1(page)).to_have_text("Seneste resultater")
    axe("start-analyst", page)
    links = page.locator("main a")
    expect(links.filter(has_text="Rapporten (PDF)").first).to_have_attribute(
        "href", re.compile(rf"report\.pdf\?round={current}")
    )
    comparison = page.get_by_role("link", name=re.compile("sammenlignet med")).first
    loaded(page, comparison.click)
    assert f"round={current}" in page.url and f"against={earlier}" in page.url
    expect(page.locator("section.results-theme").first).to_be_visible()


def test_the_audit_trail_filters_and_exports(app, desktop, staff_user, make_round, axe):
    staff_user(ADMIN, "admin")
    staff_user("kollega@odense.test", "admin")
    make_round(local=False, title="Forår 2027")
    page = desktop().new_page()
    log_in(page, "kollega@odense.test")
    log_in(page, ADMIN)
    follow(page.get_by_role("navigation", name="Hovedmenu"), "Log over ændringer", page)
    page.get_by_label("Hvem").select_option("kollega@odense.test")
    press(page, "Vis")
    rows = page.locator("table.audit-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Logget ind")
    expect(rows.first).to_contain_text("kollega@odense.test")
    axe("audit-filtered", page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent som CSV", exact=True).click()
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("Tidspunkt;Hvem;Hændelse")
    assert len(body.splitlines()) == 2 and "kollega@odense.test" in body


def test_a_forgotten_password_is_reset_by_mail(app, desktop, staff_user, monkeypatch, axe):
    staff_user(ADMIN, "admin")
    with MailServer() as mail:
        monkeypatch.setitem(app.config, "SMTP_URL", mail.url)
        page = desktop().new_page()
        page.goto("/login")
        follow(page, "Glemt din adgangskode?")
        axe("password-forgot", page)
        page.get_by_label("E-mail").fill(ADMIN)
        press(page, "Send linket")
        expect(h1(page)).to_have_text("Tjek din e-mail")
        axe("password-forgot-sent", page)
        deadline = time.monotonic() + 5
        while not mail.to(ADMIN) and time.monotonic() < deadline:
            time.sleep(0.05)
        link = re.search(r"http://localhost(/password/reset/\S+)", mail.to(ADMIN)[0].get_content())
    page.goto(link.group(1))
    expect(h1(page)).to_have_text("Vælg en ny adgangskode")
    axe("password-reset", page)
    page.get_by_label("Ny adgangskode").fill(NEW_PASSWORD)
    page.get_by_label("Gentag den nye adgangskode").fill(NEW_PASSWORD)
    press(page, "Gem den nye adgangskode")
    log_in(page, ADMIN, NEW_PASSWORD)
    expect(h1(page)).to_have_text("Dine runder")
    page.goto(link.group(1))  # used once: no more
    expect(h1(page)).to_have_text("Linket er ikke længere gyldigt")
    axe("password-reset-invalid", page)


def test_single_sign_on_through_a_real_provider(
    app,
    desktop,
    staff_user,
    live_server,
    monkeypatch,
    axe,
):
    if not available():
        if os.environ.get("CI") == "true":
            pytest.fail("node and the oidc-provider package are needed (make assets)")
        pytest.skip("node or the oidc-provider package is missing (make assets)")
    staff_user(ANALYST, "analyst")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    with OidcProvider(live_server + "/login/sso/callback") as provider:
        monkeypatch.setitem(app.config, "OIDC_ISSUER", provider.issuer)
        monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setitem(app.config, "OIDC_NAME", "Odense Kommunes login")
        page = desktop().new_page()
        page.goto("/login")
        axe("login-with-sso", page)
        follow(page, "Log ind med Odense Kommunes login")
        page.locator("input[name=login]").fill(ANALYST)  # the provider's own login form
        page.locator("input[name=password]").fill("any")
        loaded(page, page.locator("button[type=submit]").first.click)
        loaded(page, page.locator("button[type=submit]").first.click)  # consent
        expect(h1(page)).to_have_text("Seneste resultater")
        assert text(page.locator("nav.staff-nav")).count("Log ud") == 1

        stranger = desktop().new_page()
        stranger.goto("/login")
        follow(stranger, "Log ind med Odense Kommunes login")
        stranger.locator("input[name=login]").fill("ukendt@odense.test")
        stranger.locator("input[name=password]").fill("any")
        loaded(stranger, stranger.locator("button[type=submit]").first.click)
        loaded(stranger, stranger.locator("button[type=submit]").first.click)
        expect(h1(stranger)).to_have_text("Single sign-on loggede dig ikke ind")
        axe("sso-refused", stranger)


def test_retiring_a_question_is_confirmed_first(app, desktop, staff_user, axe):
    from staff import bank_question

    staff_user(ADMIN, "admin")
    bank_question(app, 461, "Jeg forstod brevet fra jobcentret")
    page = desktop().new_page()
    log_in(page, ADMIN)
    page.goto("/admin/questions")
    row = page.locator("table tbody tr").filter(has_text="Jeg forstod brevet")
    loaded(page, row.get_by_role("link", name="Sæt som udgået").click)
    expect(page.get_by_role("note")).to_contain_text("Det kan ikke fortrydes")
    axe("question-retire-confirm", page)
    page.get_by_label("Jeg forstår, at det ikke kan fortrydes").check()
    press(page, "Sæt spørgsmålet som udgået")
    expect(page.locator("table tbody tr").filter(has_text="Jeg forstod brevet")).to_contain_text(
        "Udgået"
    )
