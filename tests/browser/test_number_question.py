"""A number question on a phone: the numeric keypad, the server's message when it is not a
number, the error summary's link to the field, and no axe-core violation on the page."""

from __future__ import annotations

import pytest
from test_number_items import number_round  # noqa: F401 - the fixture: a round of integers

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, axe_source) -> list[dict]:
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def press(page, name: str) -> None:
    with page.expect_event("load"):
        page.get_by_role("button", name=name, exact=True).click()


def test_a_number_question_on_a_phone_passes_axe_and_says_what_is_wrong(
    phone,
    invite,
    number_round,  # noqa: F811
    axe_source,
):
    from playwright.sync_api import expect

    (token,) = invite(number_round)
    page = phone.new_page()
    page.goto(f"/s/{token}")
    press(page, "Start")
    age = page.get_by_label("Hvor gammel er du?")
    expect(age).to_have_attribute("inputmode", "numeric")
    assert axe_violations(page, axe_source) == []

    age.fill("tyve")
    page.get_by_label("Hvor mange samtaler har du haft?").fill("4")
    press(page, "Send svar")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Skriv et helt tal med cifre, for eksempel 3.")
    expect(age).to_have_value("tyve")
    expect(page.get_by_label("Hvor mange samtaler har du haft?")).to_have_value("4")
    assert axe_violations(page, axe_source) == []
    summary.get_by_role("link").first.click()
    expect(age).to_be_focused()
