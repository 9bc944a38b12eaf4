"""Issue 13: every citizen in their own language.

Nine languages in the catalogues, the questionnaire, the scales and the demo's local
questions; honest translation statuses; the send list's language, ?lang and a language
switch that keeps the page's answers; counts per answering language, never under 5.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from questionnaires import QuestionnaireError, find_questionnaire
from questionnaires.loader import parse_questionnaire
from questionnaires.scales import (
    BACK_TRANSLATIONS,
    LIKERT5,
    RECOMMEND0_10,
    SATISFACTION5,
    SCALE_LANGUAGES,
    YESNO,
)
from survey.bank.lix import lix
from survey.core.extensions import db
from survey.core.i18n import LANGUAGE_NAMES, language_code
from survey.models import Answer, Response, Round
from tests.staff import close_rounds, logged_in, make_user

ROOT = Path(__file__).resolve().parent.parent
NINE = ("da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti")
TRANSLATED = ("ar", "fa", "so", "tr", "uk", "pl", "ti")
CITIZEN_SOURCES = ("survey/web/respond/", "survey/responding/", "survey/web/errors.py")
CITIZEN_TEMPLATES = (
    "survey/templates/base.html",
    "survey/templates/error.html",
    "survey/web/accessibility/templates/accessibility.html",
)
HAS_LETTERS = re.compile(r"[^\W\d_]")
HTML_LANG = re.compile(r'<html lang="([a-z]+)" dir="(ltr|rtl)">')


def html_lang(response) -> tuple[str, str]:
    match = HTML_LANG.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:200]
    return match.group(1), match.group(2)


# --- 1: languages everywhere -------------------------------------------------------------


@pytest.fixture(scope="module")
def citizen_messages(tmp_path_factory) -> set[str]:
    """Every message the citizen's pages, their errors and the thank-you page can show."""
    template = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(template), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        catalog = read_po(handle)
    wanted = set()
    for message in catalog:
        places = [path for path, _line in message.locations]
        if message.id and any(
            path.startswith(CITIZEN_SOURCES) or path in CITIZEN_TEMPLATES for path in places
        ):
            wanted.add(message.id if isinstance(message.id, str) else message.id[0])
    return wanted


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_citizen_text_is_translated(citizen_messages, language):
    path = ROOT / f"survey/translations/{language}/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {}
    for message in catalog:
        if message.id and not message.fuzzy:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                key = message.id if isinstance(message.id, str) else message.id[0]
                translated[key] = strings
    assert len(citizen_messages) > 80
    missing = sorted(citizen_messages - set(translated))
    assert not missing, f"{language}: {len(missing)} citizen texts untranslated: {missing[:5]}"
    for key in citizen_messages:
        wanted = set(re.findall(r"%\((\w+)\)[sd]", key))
        for string in translated[key]:
            assert set(re.findall(r"%\((\w+)\)[sd]", string)) == wanted, (language, key)
            assert string != key or key in {"Borgerblik"}, (language, key)  # not left English


def test_kl_questionnaire_scales_and_demo_questions_exist_in_all_nine():
    for version in (1, 2):
        assert find_questionnaire("kl-beskaeftigelse", version).languages == NINE
    assert find_questionnaire("virksomheder", 1).languages == NINE
    for scale in (LIKERT5, YESNO, SATISFACTION5, RECOMMEND0_10):
        for _value, labels in scale:
            assert tuple(labels) == SCALE_LANGUAGES == NINE
    from survey.demo.setup import ODENSE_QUESTIONS

    for spec in ODENSE_QUESTIONS:
        assert set(spec["texts"]) == set(NINE), spec["code"]
        assert len(set(spec["texts"].values())) == 9  # nothing copied from another language


# --- 2: honest translations, one scale -----------------------------------------------------


@pytest.mark.parametrize("language", [lang for lang in NINE if lang != "en"])
def test_scale_labels_mean_the_same_in_every_language(language):
    """Each label's back-translation equals the English label of the same value."""
    for scale in (LIKERT5, YESNO, SATISFACTION5, RECOMMEND0_10):
        for value, labels in scale:
            if not HAS_LETTERS.search(labels[language]):  # 1-9 of the 0-10 scale: digits
                assert labels[language] == labels["en"] == str(value)
                continue
            back = BACK_TRANSLATIONS[language][labels[language]]
            assert back == labels["en"], (language, value, labels[language], back)


def test_the_english_scale_no_longer_says_agree_for_delvist_enig():
    labels = dict(LIKERT5)
    assert labels[4]["da"] == "Delvist enig" and labels[4]["en"] == "Partly agree"
    assert labels[2]["en"] == "Partly disagree"


STATUS_FILE = """\
key: mini
version: 1
title: {da: "Mini", en: "Mini", ar: "صغير"}
languages: [da, en, ar]
translations:
  da: {status: source}
  en: {status: reviewed, reviewed_by: "A. Translator", reviewed_on: 2026-11-01}
  ar: {status: draft}
themes:
  - {key: meeting, title: {da: "Mødet", en: "Meeting", ar: "اللقاء"}}
pages:
  - key: meeting
    theme: meeting
    title: {da: "Mødet", en: "Meeting", ar: "اللقاء"}
    items:
      - code: mini.first
        type: yesno
        text: {da: "Første?", en: "First?", ar: "الأول؟"}
"""


def test_translation_statuses_are_read_and_a_missing_one_is_a_draft():
    questionnaire = parse_questionnaire(STATUS_FILE, "mini.yaml")
    assert questionnaire.translation_status("en") == "reviewed"
    assert questionnaire.draft_languages == ("ar",)
    without = parse_questionnaire(
        STATUS_FILE.replace(
            '  en: {status: reviewed, reviewed_by: "A. Translator", reviewed_on: 2026-11-01}\n', ""
        ),
        "mini.yaml",
    )
    assert without.draft_languages == ("en", "ar")


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ("  ar: {status: draft}", 8, "status 'finished'"),
        (
            '  en: {status: reviewed, reviewed_by: "A. Translator", reviewed_on: 2026-11-01}',
            7,
            "does not say reviewed_by",
        ),
        ("  ar: {status: draft}", 8, "not in languages"),
    ],
)
def test_translation_status_errors_name_file_and_line(change, line, message):
    replacement = {
        "status 'finished'": "  ar: {status: finished}",
        "does not say reviewed_by": "  en: {status: reviewed, reviewed_on: 2026-11-01}",
        "not in languages": "  ar: {status: draft}\n  so: {status: draft}",
    }[message]
    broken = STATUS_FILE.replace(change, replacement)
    with pytest.raises(QuestionnaireError) as raised:
        parse_questionnaire(broken, "mini.yaml")
    expected_line = line + 1 if message == "not in languages" else line
    assert str(raised.value).startswith(f"mini.yaml:{expected_line}: "), str(raised.value)
    assert message in str(raised.value)


def test_a_draft_language_is_offered_only_when_accepted(app, client, make_round, invite):
    refused = make_round(languages=NINE)
    accepted = make_round(languages=NINE, drafts_accepted=list(TRANSLATED), title="Accepteret")
    with app.app_context():
        assert db.session.get(Round, refused).snapshot["languages"] == ["da", "en"]
        assert db.session.get(Round, accepted).snapshot["languages"] == list(NINE)
    (token,) = invite(refused)
    client.get(f"/s/{token}")
    assert html_lang(client.get("/svar?lang=ar")) == ("da", "ltr")
    other = app.test_client()
    (token,) = invite(accepted)
    other.get(f"/s/{token}")
    landing = other.get("/svar?lang=ar")
    assert html_lang(landing) == ("ar", "rtl")
    html = landing.get_data(as_text=True)
    for language in NINE:  # every offered language by its own name, in its own script
        assert f'lang="{language}" hreflang="{language}">{LANGUAGE_NAMES[language]}<' in html or (
            f'<strong lang="{language}">{LANGUAGE_NAMES[language]}</strong>' in html
        ), language


def test_creating_a_round_with_an_unaccepted_draft_is_refused_with_a_message(app, cli):
    result = cli(
        "round",
        "create",
        "--municipality",
        "461",
        "--title",
        "Arabisk",
        "--version",
        "1",
        "--languages",
        "da,ar",
        ok=False,
    )
    assert result.exit_code == 1
    assert "ar" in result.output and "kladde" in result.output
    accepted = cli(
        "round",
        "create",
        "--municipality",
        "461",
        "--title",
        "Arabisk",
        "--version",
        "1",
        "--languages",
        "da,ar",
        "--accept-draft-languages",
    )
    round_id = int(accepted.stdout.strip().splitlines()[-1])
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        assert survey_round.languages == ["da", "ar"]
        assert survey_round.draft_languages_accepted == ["ar"]


def test_the_admin_form_asks_to_accept_draft_languages(app):
    make_user(app, "admin-sprog@odense.dk", "admin", 461)
    admin = logged_in(app, "admin-sprog@odense.dk")
    data = {"title": "Sprog", "questionnaire": "kl-beskaeftigelse:1", "languages": ["en", "ti"]}
    refused = admin.post("/admin/rounds/new", data=data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "kladdeoversættelser" in page and "Tigrinya" in page
    with app.app_context():
        assert db.session.scalar(select(Round).where(Round.title == "Sprog")) is None
    created = admin.post("/admin/rounds/new", data={**data, "accept_drafts": "y"})
    assert created.status_code == 302
    with app.app_context():
        survey_round = db.session.scalar(select(Round).where(Round.title == "Sprog"))
        assert survey_round.languages == ["da", "en", "ti"]
        assert survey_round.draft_languages_accepted == ["ti"]


# --- 4: the citizen's language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("ar", "ar"),
        ("AR", "ar"),
        ("arabisk", "ar"),
        ("Arabic", "ar"),
        ("العربية", "ar"),
        ("en-GB", "en"),
        ("engelsk", "en"),
        ("farsi", "fa"),
        ("Dari", "fa"),
        ("tigrinya", "ti"),
        ("ትግርኛ", "ti"),
        ("ukrainsk", "uk"),
        ("klingon", None),
        ("", None),
        (None, None),
    ],
)
def test_send_list_languages_are_read_by_code_or_name(written, code):
    assert language_code(written) == code


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("en", ("en", "ltr")),
        ("arabisk", ("ar", "rtl")),
        ("ti", ("ti", "ltr")),
        ("fa", ("fa", "rtl")),
    ],
)
def test_the_send_list_language_opens_the_link_in_that_language(
    client, make_round, invite, written, expected
):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    (token,) = invite(round_id, language=written)
    assert client.get(f"/s/{token}").status_code == 303
    assert html_lang(client.get("/svar")) == expected


def test_lang_in_the_link_wins_over_the_send_list(client, make_round, invite):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    (token,) = invite(round_id, language="ar")
    client.get(f"/s/{token}?lang=uk")
    assert html_lang(client.get("/svar")) == ("uk", "ltr")


def test_switching_language_mid_page_keeps_the_pages_answers(app, citizen, make_round, invite):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    assert citizen.page_key == "meeting"
    page = citizen.get().get_data(as_text=True)
    assert 'form="answers" name="switch_language" value="ar"' in page  # a button, not a link
    switched = citizen.post_page(
        {"kl.meeting.welcoming": 5, "kl.meeting.respect": 0}, extra={"switch_language": "ar"}
    )
    assert switched.status_code == 302 and citizen.page_key == "meeting"
    shown = citizen.get()
    assert html_lang(shown) == ("ar", "rtl")
    html = shown.get_data(as_text=True)
    assert "أشعر بالترحيب في مركز التوظيف." in html
    assert re.search(r'name="kl.meeting.welcoming" value="5" checked', html)
    assert re.search(r'name="kl.meeting.respect" value="0" checked', html)
    with app.app_context():
        saved = dict(db.session.execute(select(Answer.item_code, Answer.value)).all())
        assert saved == {"kl.meeting.welcoming": "5", "kl.meeting.respect": "0"}
        assert db.session.scalar(select(Response.ui_language)) == "ar"


def test_a_language_switch_with_a_too_long_text_loses_nothing(citizen, make_round, invite):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    for _ in range(5):  # to the page with the comment box
        if citizen.page_key == "overall":
            break
        citizen.post_page({})
    text = "ø" * 1001
    shown = citizen.post_page({"kl.overall.comment": text}, extra={"switch_language": "uk"})
    assert shown.status_code == 422
    assert text in shown.get_data(as_text=True)


def test_rtl_pages_mirror_with_logical_properties():
    css = (ROOT / "survey/static/app.css").read_text()
    assert '[dir="rtl"] .form-radio + label' in css and "padding-inline-start" in css
    for rule in re.findall(r"\.landing-facts \{[^}]*\}|\.skipnav \{[^}]*\}", css):
        assert "left" not in rule.replace("inline-start", ""), rule


# --- 7: plain language ---------------------------------------------------------------------------


def test_odense_questions_are_plain_with_a_full_stop_and_one_placement_term():
    from survey.demo.setup import ODENSE_QUESTIONS

    for spec in ODENSE_QUESTIONS:
        danish = spec["texts"]["da"]
        assert lix(danish) < 40, (danish, lix(danish))
        for language, text in spec["texts"].items():
            assert text.rstrip().endswith((".", "።")), (language, text)
        assert "virksomhedspraktik" in danish
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    terms = {"en": "work placement", "tr": "yeri staj", "pl": "prakty", "uk": "стажуван"}
    internship = kl.item("kl.progress.internship")
    for language, term in terms.items():
        assert term in internship.text[language].lower(), language
        for spec in ODENSE_QUESTIONS:
            assert term in spec["texts"][language].lower(), (spec["code"], language)


# --- 8: counts per answering language --------------------------------------------------------


def _answers_in(app, round_id: int, per_language: dict[str, int]) -> None:
    with app.app_context():
        for language, count in per_language.items():
            for _ in range(count):
                db.session.add(
                    Response(
                        round_id=round_id, channel="open", ui_language=language, completed=True
                    )
                )
        db.session.commit()


def test_counts_per_language_are_never_under_five(app, make_round):
    from survey.comparison.languages import answering_languages

    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED), state="closed")
    _answers_in(app, round_id, {"da": 40, "ar": 12, "uk": 6, "ti": 3})
    close_rounds(app, round_id)
    with app.app_context():
        counts = answering_languages(db.session.get(Round, round_id))
    # Tigrinya's 3 would be 61 - 40 - 12 - 6: Ukrainian joins it, and only their sum shows.
    assert counts.shown == [("da", 40), ("ar", 12)]
    assert counts.grouped == ["ti", "uk"] and counts.grouped_count == 9
    assert counts.draft_languages == list(TRANSLATED)
    for _language, n in counts.shown:
        assert n >= 5


def test_the_results_page_names_draft_languages_and_counts_answers_per_language(app, make_round):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    _answers_in(app, round_id, {"da": 20, "so": 7, "pl": 2})
    close_rounds(app, round_id)
    make_user(app, "analytiker-sprog@odense.dk", "analyst", 461)
    analyst = logged_in(app, "analytiker-sprog@odense.dk")
    page = analyst.get(f"/results/?round={round_id}").get_data(as_text=True)
    assert "kladdeoversættelser" in page and "Tigrinya" in page and "Somali" in page
    section = page[page.index('id="answer-languages"') :]
    section = section[: section.index("</section>")]
    assert re.search(r"Dansk</td><td[^>]*>20<", section)
    assert ">2<" not in section and ">7<" not in section  # 2 alone, or 29 - 20 = 9 - 2
    assert re.search(r"Samlet: Polsk, Somali</td><td[^>]*>9<", section)


def test_the_report_counts_answers_per_language_in_every_format(app, make_round):
    from survey.reporting.builder import build_report
    from survey.reporting.html import render_report_html

    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    _answers_in(app, round_id, {"da": 20, "so": 7, "pl": 2})
    close_rounds(app, round_id)
    with app.test_request_context():
        report = build_report(db.session.get(Round, round_id))
        html = render_report_html(report)
    expected = "Afsluttede svar pr. sprog: Dansk: 20; Polsk, Somali samlet: 9."
    assert report.languages == expected
    assert expected in html
    assert any("kladdeoversættelser" in sentence for sentence in report.summary)


def test_staff_pages_stay_danish_or_english_whatever_the_browser_asks(app):
    make_user(app, "admin-browser@odense.dk", "admin", 461)
    admin = logged_in(app, "admin-browser@odense.dk")
    page = admin.get("/admin/rounds", headers={"Accept-Language": "ar, en;q=0.5"})
    assert html_lang(page) == ("en", "ltr")
    page = admin.get("/admin/rounds", headers={"Accept-Language": "ti"})
    assert html_lang(page) == ("da", "ltr")


def test_the_language_is_kept_for_the_sheet_when_the_link_is_opened_again(
    app, citizen, make_round, invite
):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED))
    (token,) = invite(round_id, language="uk")
    citizen.open(f"/s/{token}")
    citizen.start()
    citizen.post_page({"kl.meeting.welcoming": 4}, extra={"switch_language": "ti"})
    later = app.test_client()  # the same link on another phone, days later
    assert later.get(f"/s/{token}").status_code == 303
    assert html_lang(later.get("/svar")) == ("ti", "ltr")


def test_every_catalogue_has_an_honest_status():
    from survey.core.i18n import CATALOGUE_STATUS, ui_languages

    assert set(CATALOGUE_STATUS) == set(ui_languages()) == set(NINE)
    assert {lang for lang, s in CATALOGUE_STATUS.items() if s["status"] == "draft"} == set(
        TRANSLATED
    )
    reviewed = [s for s in CATALOGUE_STATUS.values() if s["status"] == "reviewed"]
    assert all(s["reviewed_by"] and s["reviewed_on"] for s in reviewed)


def test_the_round_page_says_which_languages_citizens_are_offered(app, make_round):
    from survey.models import LocalQuestion

    round_id = make_round(languages=("da", "en", "ar", "uk"), state="draft")
    make_user(app, "admin-tilbud@odense.dk", "admin", 461)
    admin = logged_in(app, "admin-tilbud@odense.dk")
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    # Each name in its own <bdi>, in the reader's language: "Engelsk" is Danish, so it is not
    # marked lang="en" (a screen reader would say it in English), and the round's languages
    # are named as the offered ones are (the page said "Sprog: Dansk, English" above
    # "Borgerne tilbydes: Dansk, Engelsk").
    assert "<bdi>Dansk</bdi>, <bdi>Engelsk</bdi>" in page and 'lang="en">Engelsk' not in page
    page = re.sub(r"</?bdi[^>]*>", "", page)
    assert "Borgerne tilbydes: Dansk, Engelsk" in page
    assert "Tilbydes ikke: Arabisk, Ukrainsk" in page  # drafts not accepted
    with app.app_context():
        db.session.get(Round, round_id).draft_languages_accepted = ["ar", "uk"]
        db.session.commit()
    page = re.sub(
        r"</?bdi[^>]*>", "", admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    )
    assert "Arabisk (kladdeoversættelse), Ukrainsk (kladdeoversættelse)" in page
    assert "Tilbydes ikke" not in page
    with app.app_context():  # a local question without Ukrainian: no Ukrainian for anyone
        question = db.session.scalar(
            select(LocalQuestion).where(LocalQuestion.code == "odense.internship.purpose")
        )
        question.texts = {k: v for k, v in question.texts.items() if k != "uk"}
        db.session.commit()
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "Tilbydes ikke: Ukrainsk" in page


# --- invitations and reminders in every language ---------------------------------------------

# A long base address and a long sender name: what a municipality might really have.
SAMPLE_BASE_URL = "https://borgerblik.hoeje-taastrup.dk"
SAMPLE_ORGANISATION = "Jobcenter Høje-Taastrup"
MAX_SMS_PARTS = 3


@pytest.mark.parametrize("language", NINE)
def test_every_language_has_short_default_texts_that_can_be_sent(language):
    from survey.delivery.texts import DEFAULT_TEXTS, check_text, render, sample_link, sms_count

    texts = DEFAULT_TEXTS[language]
    for kind in ("invitation", "reminder"):
        text = texts[kind]
        check_text(text)  # raises on a lost or unknown placeholder
        assert "{organisation}" in text and text.count("{link}") == 1, (language, kind)
        if language != "en":
            assert text != DEFAULT_TEXTS["en"][kind]  # its own, not the English fallback
        sent = render(text, sample_link(SAMPLE_BASE_URL), SAMPLE_ORGANISATION)
        assert sms_count(sent).segments <= MAX_SMS_PARTS, (language, kind, sms_count(sent))


def test_the_message_texts_page_shows_every_language_of_the_round_in_its_direction(app, make_round):
    round_id = make_round(languages=NINE, drafts_accepted=list(TRANSLATED), state="draft")
    make_user(app, "admin-tekster@odense.dk", "admin", 461)
    admin = logged_in(app, "admin-tekster@odense.dk")
    page = admin.get(f"/admin/rounds/{round_id}/messages").get_data(as_text=True)
    for language in NINE:
        field = re.search(rf'<textarea[^>]*name="invitation_{language}"[^>]*>', page)
        assert field, language
        direction = "rtl" if language in ("ar", "fa") else "ltr"
        assert f'lang="{language}"' in field.group(0), field.group(0)
        assert f'dir="{direction}"' in field.group(0), field.group(0)
    assert "يريد" in page and "ተሞክሮኹም" in page  # the languages' own default texts
