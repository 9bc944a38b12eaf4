"""The HTML report on a phone (375 px) and the results table at a desk (1280 px).

The page never scrolls sideways: a wide table scrolls in its own region, labelled by its
caption and reachable from the keyboard; axe-core finds no WCAG 2.1 A/AA violation; and a
results table never breaks a number across lines ("145" drawn as "14 / 5").
"""

from __future__ import annotations

from datetime import date

import pytest
from staff import PASSWORD, make_user

from survey.core.extensions import db
from survey.models import Round

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"
SCROLL_CUE = "() => getComputedStyle(document.querySelector('.table-scroll')).backgroundAttachment"
FACT_COLUMNS = """() => getComputedStyle(document.querySelector('.front-facts'))
  .gridTemplateColumns.split(' ').length"""
REGIONS = """() => [...document.querySelectorAll('table')].map(t => {
  const region = t.closest('[role=region]');
  return {
    caption: t.caption ? t.caption.id : null,
    region: region ? region.getAttribute('aria-labelledby') : null,
    focusable: region ? region.tabIndex === 0 : false,
    scrolls: region ? getComputedStyle(region).overflowX : null,
  };
})"""
# Each chart's smallest text as drawn (its font size times the chart's scale on screen),
# and whether its figure scrolls in a region of its own that the keyboard reaches.
CHARTS = """() => [...document.querySelectorAll('figure svg[role=img]')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')]
    .map(text => parseFloat(text.getAttribute('font-size')) * scale);
  const figure = svg.closest('figure');
  return {
    texts: sizes.length,
    smallest: Math.min(...sizes),
    focusable: figure.tabIndex === 0,
    named: Boolean(figure.getAttribute('aria-labelledby') || figure.querySelector('figcaption')),
    scrolls: getComputedStyle(figure).overflowX,
  };
})"""
# A figure is broken when one of its words is drawn on two lines ("14 / 5"): every text
# node of a figure cell is measured on its own (a hint below a figure is a line of its own).
BROKEN_NUMBERS = """() => [...document.querySelectorAll('td.num:not(.change)')].flatMap(td => {
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(node.textContent.trim());
  }
  return broken;
})"""


@pytest.fixture
def report_rounds(app, make_round) -> tuple[int, int]:
    from survey.demo.answers import seed_responses

    earlier = make_round(title="Forår 2025", state="closed", opens_on=date(2025, 3, 1))
    current = make_round(title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    with app.app_context():
        for round_id, seed, count in ((earlier, 2025, 60), (current, 2026, 150)):
            seed_responses(
                db.session.get(Round, round_id),
                count,
                seed=seed,
                positive_share=0.6,
                first_day=date(2026, 3, 3),
            )
        db.session.commit()
    return current, earlier


def html_report(app, current: int, earlier: int, tmp_path) -> str:
    target = tmp_path / "rapport.html"
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=[
                *("report", str(current), "--against", str(earlier), "--by", "benefit_group"),
                *("--format", "html", "--output", str(target)),
            ]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    return target.read_text(encoding="utf-8")


def assert_legible_charts(page) -> None:
    """Every chart's text at 10 px or more on the phone (shrunk to the screen it was 5 px),
    its figure scrolling sideways in a named region the keyboard reaches."""
    charts = page.evaluate(CHARTS)
    assert len(charts) >= 5
    for chart in charts:
        assert chart["texts"] > 0 and chart["smallest"] >= 10, chart
        assert chart["focusable"] and chart["named"] and chart["scrolls"] == "auto", chart


def test_the_html_report_reads_on_a_phone_without_sideways_scroll(
    app, report_rounds, new_phone, axe_source, tmp_path
):
    html = html_report(app, *report_rounds, tmp_path)
    page = new_phone().new_page()
    page.set_content(html)
    assert page.evaluate(SCROLL_WIDTH) <= 375
    regions = page.evaluate(REGIONS)
    assert len(regions) > 10
    for region in regions:
        assert region["caption"] and region["region"] == region["caption"], region
        assert region["focusable"] and region["scrolls"] == "auto", region
    assert not page.evaluate(BROKEN_NUMBERS)
    assert_legible_charts(page)
    # A table wider than the phone shows that it scrolls (a shadow at the edge with more).
    assert page.evaluate(SCROLL_CUE) == "local, local, scroll, scroll"
    # The phone's own rules win over the report's: one column of facts, a smaller title.
    assert page.evaluate(FACT_COLUMNS) == 1
    assert page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontSize") == "24px"
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    assert not result["violations"], [v["id"] for v in result["violations"]]


def test_results_tables_never_break_a_number_at_a_desk(app, report_rounds, new_phone):
    current, earlier = report_rounds
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    context = new_phone(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("analytiker@odense.dk")
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind", exact=True).click()
    page.goto(f"/results/?round={current}&against={earlier}&by=benefit_group")
    assert page.locator("table.results-table").count() >= 5
    assert not page.evaluate(BROKEN_NUMBERS)
    assert page.evaluate(SCROLL_WIDTH) <= 1280


def test_the_published_page_reads_on_a_phone_and_passes_axe(
    app, report_rounds, new_phone, axe_source
):
    current, earlier = report_rounds
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["round", "publish", str(current), "--against", str(earlier)]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    page = new_phone().new_page()  # no login: the page is public
    response = page.goto(f"/offentlig/461/{current}")
    assert response.status == 200
    assert page.evaluate(SCROLL_WIDTH) <= 375
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 5
    assert page.locator("svg[role=img] > desc").first.text_content()
    assert_legible_charts(page)
    for region in page.evaluate(REGIONS):
        assert region["caption"] and region["region"] == region["caption"], region
    assert not page.evaluate(BROKEN_NUMBERS)
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    assert not result["violations"], [
        (v["id"], v["nodes"][0]["html"]) for v in result["violations"]
    ]


def _axe(page, axe_source) -> list:
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [(v["id"], v["nodes"][0]["html"]) for v in result["violations"]]


def _log_in(new_phone, email: str):
    context = new_phone(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind", exact=True).click()
    return page


def test_the_comments_and_api_token_pages_pass_axe(app, report_rounds, new_phone, axe_source):
    current, _earlier = report_rounds
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    make_user(app, "admin@odense.dk", "admin", 461)
    analyst = _log_in(new_phone, "analytiker@odense.dk")
    analyst.goto(f"/results/comments?round={current}")
    analyst.get_by_label("Tema", exact=True).fill("Ventetid")
    analyst.get_by_label("Nøgleord, der foreslår det (adskilt med komma)").fill("vente, tid")
    with analyst.expect_navigation():
        analyst.get_by_role("button", name="Tilføj temaet").click()
    assert analyst.locator("blockquote").count() > 0
    assert not _axe(analyst, axe_source)
    admin = _log_in(new_phone, "admin@odense.dk")
    admin.goto("/admin/api-tokens")
    admin.get_by_label("Hvad nøglen bruges til").fill("Power BI")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Opret nøglen").click()
    assert admin.locator("code.api-token").text_content().startswith("bb_")
    assert not _axe(admin, axe_source)


def test_the_comparison_page_never_scrolls_sideways_on_a_phone(app, report_rounds, new_phone):
    """An analyst may look on a phone: every table (ambition levels, trends and drivers
    included: they widened the page to 470 px) scrolls in its own labelled region."""
    current, earlier = report_rounds
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    page = new_phone().new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("analytiker@odense.dk")
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind", exact=True).click()
    from survey.models import Target

    with app.app_context():
        db.session.add(
            Target(municipality_code=461, indicator="theme:meeting", year=2026, ambition=0.8)
        )
        db.session.commit()
    page.goto(f"/results/?round={current}&against={earlier}&by=benefit_group")
    assert page.evaluate(SCROLL_WIDTH) <= 375
    for region in page.evaluate(REGIONS):
        assert region["caption"] and region["region"] == region["caption"], region
        assert region["focusable"], region
