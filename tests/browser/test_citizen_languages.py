"""Issue 13 in a real browser: whole rounds in Arabic, Tigrinya and Ukrainian on a phone.

At 375 x 667 and at 320 px: axe-core reports nothing, nothing scrolls sideways, Arabic
and Persian pages are right to left, and no page shows a Danish question text. The
bundled fonts draw Arabic and Ethiopic letters (the test machine has no such fonts of its
own, so without them every letter would be the same empty box); the send list's language
opens the link in that language; a language switch in the middle of a page keeps its
answers, with or without JavaScript; "Read aloud" appears only where there is a voice.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from questionnaires import find_questionnaire
from survey.demo.setup import ODENSE_QUESTIONS

pytestmark = pytest.mark.browser

NINE = ("da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti")
DRAFTS = list(NINE[2:])
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SMALL_PHONE = {"width": 320, "height": 568}
SEND_LIST_NAMES = {"ar": "arabisk", "ti": "Tigrinya", "uk": "uk", "fa": "farsi"}
# The walk is on version 2, the current default: {organisation} is the municipality's
# name for its service (Odense in the tests has none of its own: "Odense Kommune").
ORGANISATION = "Odense Kommune"
TITLES = {
    "ar": f"تجربتك مع {ORGANISATION}",
    "ti": f"ተሞክሮኹም ምስ {ORGANISATION}",
    "uk": f"Ваш досвід з {ORGANISATION}",
}
THANKS = {"ar": "شكرًا لك على إجاباتك", "ti": "ስለ መልስታትኩም የቐንየልና", "uk": "Дякуємо за ваші відповіді"}
SCROLL = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
# Elements in Arabic, Persian or Tigrinya (the page, or a language's own name in the
# switch) whose font stack lacks the bundled font for their script: they would be boxes.
WITHOUT_FONT = """() => [...document.querySelectorAll('body *')].filter(el => {
  const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  const family = getComputedStyle(el).fontFamily;
  return (/[\u0600-\u06ff]/.test(text) && !family.includes('Noto Sans Arabic'))
      || (/[\u1200-\u137f]/.test(text) && !family.includes('Noto Sans Ethiopic'));
}).map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 30))"""


def danish_question_texts() -> set[str]:
    """Both versions' Danish texts, as a citizen would read them (the name filled in)."""
    texts = {spec["texts"]["da"] for spec in ODENSE_QUESTIONS}
    for version in (1, 2):
        kl = find_questionnaire("kl-beskaeftigelse", version)
        texts |= {item.text["da"] for item in kl.items}
        texts |= {text for item in kl.items if item.help for text in [item.help["da"]]}
        texts |= {page.title["da"] for page in kl.pages}
        texts |= {page.intro["da"] for page in kl.pages if page.intro}
    return {text.replace("{organisation}", ORGANISATION) for text in texts}


def next_button(page):
    return page.locator("button[name=action][value=next]")


def wait_for_load(page, action) -> None:
    with page.expect_event("load"):
        action()


def answer_page(page) -> None:
    """Choose an option in every question: 'yes' to the placement (the local page follows)."""
    for fieldset in page.locator("fieldset.question").all():
        first = fieldset.locator("input").first
        name, value = first.get_attribute("name"), first.get_attribute("value")
        if name == "kl.progress.internship":
            value = "1"
        option = fieldset.locator(f"input[value='{value}']").get_attribute("id")
        fieldset.locator(f"label[for='{option}']").click()


@pytest.mark.parametrize("viewport", [None, SMALL_PHONE], ids=["375x667", "320px"])
@pytest.mark.parametrize("language", ["ar", "ti", "uk"])
def test_a_whole_round_in_the_citizens_language(
    new_phone, make_round, invite, axe_source, screenshots, language, viewport
):
    round_id = make_round(languages=NINE, drafts_accepted=DRAFTS, version=2)
    (token,) = invite(round_id, language=SEND_LIST_NAMES[language])
    phone = new_phone(**({"viewport": viewport} if viewport else {}))
    page = phone.new_page()
    danish = danish_question_texts()
    problems: dict[str, object] = {}

    def check(name: str) -> None:
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language in ("ar", "fa") else "ltr")
        scroll, client = page.evaluate(SCROLL)
        if scroll > client:
            problems[f"{name}: scrolls sideways"] = (scroll, client)
        boxes = page.evaluate(WITHOUT_FONT)
        if boxes:
            problems[f"{name}: letters without their font"] = boxes
        shown = page.locator("main").inner_text()
        leaked = [text for text in danish if text in shown]
        if leaked:
            problems[f"{name}: Danish question text"] = leaked
        page.screenshot(
            path=screenshots / f"lang-{language}-{'320' if viewport else '375'}-{name}.png"
        )
        if viewport is None:  # axe once per page, at the common phone size
            page.evaluate(axe_source)
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                WCAG_TAGS,
            )
            if result["violations"]:
                problems[f"{name}: axe"] = [
                    (v["id"], [n["html"][:120] for n in v["nodes"][:3]])
                    for v in result["violations"]
                ]

    page.goto(f"/s/{token}")  # the send list's language, no ?lang: the link opens in it
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[language])
    check("landing")
    wait_for_load(page, lambda: page.locator("form[action$='/svar/start'] button").click())
    seen = []
    for _ in range(10):
        key = page.url.rsplit("/", 1)[-1]
        seen.append(key)
        check(key)
        answer_page(page)
        wait_for_load(page, lambda: next_button(page).click())
        if page.url.endswith("/svar/tak"):
            break
    assert seen == [
        "meeting",
        "goals",
        "cooperation",
        "conversation",
        "progression",
        "overall",
        "about",
        "local",
    ]
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS[language])
    check("thanks")
    assert not problems, problems


def test_persian_pages_are_right_to_left_and_mirrored(new_phone, make_round, invite):
    (token,) = invite(make_round(languages=NINE, drafts_accepted=DRAFTS), language="farsi")
    page = new_phone().new_page()
    page.goto(f"/s/{token}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The landing page's bullets sit at the right, where each line starts, before its text.
    bullets = page.evaluate(
        """() => [...document.querySelectorAll('.landing-facts > li')].map(li => {
      const box = li.getBoundingClientRect();
      const text = document.createRange(); text.selectNodeContents(li);
      return {right: box.right, textRight: text.getBoundingClientRect().right,
              bullet: getComputedStyle(li, '::before').right};
    })"""
    )
    assert bullets, "no list on the landing page"
    for bullet in bullets:
        assert bullet["bullet"] == "0px", bullets
        assert bullet["textRight"] <= bullet["right"] - 14, bullets  # room for the bullet
    wait_for_load(page, lambda: page.locator("form[action$='/svar/start'] button").click())
    # The radio button sits at the right edge of its option, the text to its left.
    boxes = page.evaluate(
        """() => {
      const input = document.querySelector('fieldset.question .form-radio');
      const label = input.nextElementSibling;
      const circle = getComputedStyle(label, '::before');
      const box = label.getBoundingClientRect();
      const text = document.createRange(); text.selectNodeContents(label);
      return {labelRight: box.right, textRight: text.getBoundingClientRect().right,
              paddingRight: parseFloat(getComputedStyle(label).paddingRight),
              circleRight: circle.right};
    }"""
    )
    assert boxes["paddingRight"] == 32, boxes  # room for the circle on the right
    assert boxes["textRight"] <= boxes["labelRight"] - 30, boxes
    progress = page.locator("#progress-label")
    expect(progress).to_have_text("صفحه 1 از 5")


@pytest.mark.parametrize(
    ("language", "script", "one", "other"),
    [
        ("ar", "Noto Sans Arabic", "ببببب", "ككككك"),
        ("ti", "Noto Sans Ethiopic", "ሀሀሀሀሀ", "ፐፐፐፐፐ"),
    ],
)
def test_the_bundled_fonts_draw_arabic_and_ethiopic_letters(
    new_phone, make_round, invite, screenshots, language, script, one, other
):
    """Two different words in one script: drawn alike only when every letter is the same
    empty box (this machine has no Arabic or Ethiopic font of its own)."""
    (token,) = invite(make_round(languages=NINE, drafts_accepted=DRAFTS), language=language)
    page = new_phone().new_page()
    fetched = []
    page.on(
        "response",
        lambda r: fetched.append((r.url, r.status)) if "/vendor/fonts/" in r.url else None,
    )
    page.goto(f"/s/{token}")
    page.evaluate(
        """([one, other]) => {
      for (const [id, text] of [['glyphs-one', one], ['glyphs-other', other]]) {
        const span = document.createElement('p');
        span.id = id; span.textContent = text; span.style.fontSize = '40px';
        span.style.display = 'inline-block';
        document.querySelector('main').prepend(span);
      }
    }""",
        [one, other],
    )
    page.evaluate("() => document.fonts.ready")
    page.wait_for_function(
        "family => [...document.fonts].some(f => f.family.replace(/\"/g, '') === family && f.status === 'loaded')",
        arg=script,
    )
    first = page.locator("#glyphs-one").screenshot(path=screenshots / f"glyphs-{language}-one.png")
    second = page.locator("#glyphs-other").screenshot(
        path=screenshots / f"glyphs-{language}-other.png"
    )
    assert first != second
    assert any(status == 200 and url.endswith(".woff2") for url, status in fetched), fetched
    assert page.evaluate(
        '([family, text]) => document.fonts.check(`16px "${family}"`, text)', [script, one]
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_switching_language_mid_page_keeps_the_answers(
    app, new_phone, make_round, invite, javascript
):
    (token,) = invite(make_round(languages=NINE, drafts_accepted=DRAFTS), language="uk")
    page = new_phone(java_script_enabled=javascript).new_page()
    page.goto(f"/s/{token}")
    wait_for_load(page, lambda: page.locator("form[action$='/svar/start'] button").click())
    expect(page.locator("#progress-label")).to_have_text("Сторінка 1 з 5")
    page.locator("label[for='q-kl-meeting-welcoming']").click()
    page.locator("label[for='q-kl-meeting-contact-0']").click()
    switch = page.locator(".language-switch button[value='ar']")
    expect(switch).to_have_text("العربية")
    wait_for_load(page, switch.click)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.url.endswith("/svar/side/meeting")
    expect(page.locator("#q-kl-meeting-welcoming")).to_be_checked()
    expect(page.locator("#q-kl-meeting-contact-0")).to_be_checked()
    expect(page.locator("fieldset.question legend").first).to_have_text(
        "أشعر بالترحيب في مركز التوظيف."
    )


def test_read_aloud_appears_only_where_the_browser_has_a_voice(new_phone, make_round, invite):
    (token,) = invite(make_round(languages=NINE, drafts_accepted=DRAFTS), language="ar")
    quiet = new_phone().new_page()  # headless Chromium here has no voices
    quiet.goto(f"/s/{token}")
    wait_for_load(quiet, lambda: quiet.locator("form[action$='/svar/start'] button").click())
    expect(quiet.locator("button.read-aloud").first).to_be_hidden()
    quiet.context.close()

    (token,) = invite(
        make_round(languages=NINE, drafts_accepted=DRAFTS, title="Stemme"), language="ar"
    )
    context = new_phone()
    context.add_init_script(
        """(() => {
      window.__spoken = [];
      const voice = {lang: 'ar-SA', name: 'Test voice', default: true};
      speechSynthesis.getVoices = () => [voice];
      speechSynthesis.speak = u => window.__spoken.push([u.lang, u.text]);
      speechSynthesis.cancel = () => {};
    })();"""
    )
    page = context.new_page()
    page.goto(f"/s/{token}")
    wait_for_load(page, lambda: page.locator("form[action$='/svar/start'] button").click())
    button = page.locator("fieldset.question").first.locator("button.read-aloud")
    expect(button).to_be_visible()
    expect(button).to_have_text("اقرأ بصوت عالٍ")
    button.click()
    spoken = page.evaluate("() => window.__spoken")
    assert spoken and spoken[0][0] == "ar-SA"
    assert "أشعر بالترحيب في مركز التوظيف." in spoken[0][1] and "أوافق تمامًا" in spoken[0][1]
