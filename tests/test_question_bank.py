"""The local question bank: create, edit, versions, retire, LIX, and markup shown as text."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from staff import add_to_round, audit_actions, logged_in, make_user

from survey.bank.lix import lix
from survey.core.extensions import db
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.rounds.definition import round_definition

TEXT = "Jeg blev godt behandlet i min praktik"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def admin(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    return logged_in(app, "admin@odense.dk")


def save(admin, url: str = "/admin/questions/new", **fields):
    data = {"type": "likert5", "condition": "", "action": "save", **fields}
    return admin.post(url, data)


def questions(app) -> list[LocalQuestion]:
    with app.app_context():
        found = db.session.scalars(select(LocalQuestion).order_by(LocalQuestion.id)).all()
        db.session.expunge_all()
        return found


def new_question(admin, app, **fields) -> LocalQuestion:
    before = {q.id for q in questions(app)}
    response = save(admin, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    (created,) = [q for q in questions(app) if q.id not in before]
    return created


def snapshot_texts(app, round_id: int, code: str) -> dict:
    with app.app_context():
        return round_definition(db.session.get(Round, round_id)).item(code).text


def test_create_needs_danish_and_english_is_optional(app, admin):
    assert save(admin, text_da="", text_en="Only English").status_code == 400
    assert save(admin, text_da="   ", text_en="Only English").status_code == 400
    assert questions(app) == []
    danish_only = new_question(admin, app, text_da=TEXT)
    assert danish_only.texts == {"da": TEXT}
    assert danish_only.code == "local.m461.jeg_blev_godt_behandlet_i"
    assert (danish_only.version, danish_only.compare_key, danish_only.retired) == (
        1,
        danish_only.code,
        False,
    )
    assert (danish_only.municipality_code, danish_only.type) == (461, "likert5")
    both = new_question(admin, app, text_da=TEXT, text_en="I was treated well")
    assert both.texts == {"da": TEXT, "en": "I was treated well"}
    assert both.code == danish_only.code + "_2"  # codes stay unique
    listing = admin.get("/admin/questions").get_data(as_text=True)
    assert listing.count(html.escape(TEXT)) == 2
    assert listing.count("Ingen engelsk tekst endnu") == 1
    conditional = new_question(
        admin, app, text_da="Praktikken hjalp mig", condition="kl.progress.internship=1"
    )
    assert conditional.show_if == {"item": "kl.progress.internship", "in": [1]}
    choice = new_question(
        admin, app, text_da="Hvor mødte du op?", type="single", options_da="Her\nDer\nAndet sted"
    )
    assert [o["label"]["da"] for o in choice.options] == ["Her", "Der", "Andet sted"]
    assert [o["value"] for o in choice.options] == [1, 2, 3]
    assert audit_actions(app, 461).count("question.create") == 4


def test_edit_in_place_while_no_opened_round_used_it(app, admin, make_round):
    question = new_question(admin, app, text_da=TEXT)
    draft = make_round(local=False, state="draft")
    add_to_round(app, draft, question.id)
    response = save(
        admin, f"/admin/questions/{question.id}/edit", text_da="Jeg blev behandlet godt"
    )
    assert response.status_code == 302
    (edited,) = questions(app)
    assert (edited.id, edited.version, edited.code) == (question.id, 1, question.code)
    assert edited.texts == {"da": "Jeg blev behandlet godt"}
    assert snapshot_texts(app, draft, question.code) == {"da": "Jeg blev behandlet godt"}
    assert "question.edit" in audit_actions(app, 461)


@pytest.mark.parametrize("comparable", [True, False])
def test_edit_after_an_opened_round_makes_a_new_version(app, admin, make_round, comparable):
    question = new_question(admin, app, text_da=TEXT, text_en="I was treated well")
    opened = make_round(local=False, state="draft", title="Forår")
    add_to_round(app, opened, question.id)
    assert admin.post(f"/admin/rounds/{opened}/open", {"understood": "y"}).status_code == 302
    draft = make_round(local=False, state="draft", title="Efterår")
    add_to_round(app, draft, question.id)
    form = admin.get(f"/admin/questions/{question.id}/edit").get_data(as_text=True)
    assert 'name="not_comparable"' in form  # offered only once the wording is frozen

    fields = {"text_da": "Jeg blev behandlet ordentligt", "text_en": "I was treated properly"}
    if not comparable:
        fields["not_comparable"] = "y"
    response = save(admin, f"/admin/questions/{question.id}/edit", **fields)
    assert response.status_code == 302
    old, new = questions(app)
    assert (old.id, old.version, old.retired) == (question.id, 1, True)
    assert old.texts == {"da": TEXT, "en": "I was treated well"}
    assert (new.code, new.version, new.retired) == (question.code, 2, False)
    assert new.texts == {"da": "Jeg blev behandlet ordentligt", "en": "I was treated properly"}
    if comparable:
        assert new.compare_key == old.compare_key == question.code
    else:
        assert new.compare_key != old.compare_key
        assert old.compare_key == question.code
    # The opened round keeps the old wording; the draft round now asks the new one.
    assert snapshot_texts(app, opened, question.code)["da"] == TEXT
    assert snapshot_texts(app, draft, question.code)["da"] == "Jeg blev behandlet ordentligt"
    with app.app_context():
        assert (
            db.session.scalar(
                select(RoundQuestion.local_question_id).where(RoundQuestion.round_id == draft)
            )
            == new.id
        )
    assert audit_actions(app, 461)[-1] == "question.new_version"
    # Saving the old version's page again (a double click, the back button) makes no third
    # version beside the second: a replaced version cannot be edited.
    again = save(admin, f"/admin/questions/{question.id}/edit", text_da="Endnu en formulering")
    assert again.status_code == 404
    assert [(q.version, q.retired) for q in questions(app)] == [(1, True), (2, False)]
    assert admin.get(f"/admin/questions/{question.id}/edit").status_code == 404


def test_retired_questions_leave_the_add_list_and_rounds_that_used_them_are_listed(
    app, admin, make_round
):
    kept = new_question(admin, app, text_da="Jeg forstod brevet fra jobcentret")
    retired = new_question(admin, app, text_da=TEXT)
    spring = make_round(local=False, state="draft", title="Forår 2026")
    autumn = make_round(local=False, state="draft", title="Efterår 2026")
    add_to_round(app, spring, retired.id)
    admin.post(f"/admin/rounds/{spring}/open", {"understood": "y"})
    # Edited after use: version 2 is used by the autumn round, version 1 by the spring round.
    save(admin, f"/admin/questions/{retired.id}/edit", text_da="Jeg blev godt behandlet")
    version_two = questions(app)[-1]
    add_to_round(app, autumn, version_two.id)
    listing = admin.get("/admin/questions").get_data(as_text=True)
    row = _row(listing, "Jeg blev godt behandlet<")
    assert "Forår 2026" in row and "Efterår 2026" in row
    assert f'href="/admin/rounds/{spring}"' in row and f'href="/admin/rounds/{autumn}"' in row
    assert "Forår" not in _row(listing, "Jeg forstod brevet")

    refused = admin.post(f"/admin/questions/{version_two.id}/retire")  # not confirmed
    assert refused.headers["Location"] == f"/admin/questions/{version_two.id}/retire/confirm"
    assert "question.retire" not in audit_actions(app, 461)
    retire = f"/admin/questions/{version_two.id}/retire"
    assert "kan ikke fortrydes" in admin.get(retire + "/confirm").get_data(as_text=True)
    assert admin.post(retire, {"understood": "y"}).status_code == 302
    assert "question.retire" in audit_actions(app, 461)
    fresh = make_round(local=False, state="draft", title="Vinter")
    page = admin.get(f"/admin/rounds/{fresh}").get_data(as_text=True)
    select_box = page.split('name="question_id"')[1].split("</select>")[0]
    assert "Jeg forstod brevet fra jobcentret" in select_box
    assert "Jeg blev godt behandlet" not in select_box and TEXT not in select_box
    # Posting the retired id anyway adds nothing.
    admin.post(
        f"/admin/rounds/{fresh}/questions", {"question_id": version_two.id, "placement": "end"}
    )
    with app.app_context():
        assert (
            db.session.scalars(select(RoundQuestion).where(RoundQuestion.round_id == fresh)).all()
            == []
        )
    # The round that used it keeps it.
    assert snapshot_texts(app, spring, retired.code)["da"] == TEXT
    assert kept.id


def _row(listing: str, marker: str) -> str:
    start = listing.index(marker)
    return listing[listing.rindex("<tr>", 0, start) : listing.index("</tr>", start)]


# --- LIX -------------------------------------------------------------------------------


def test_lix_matches_hand_counted_danish_sentences():
    # "Jeg blev godt behandlet." 4 words, 1 sentence, 1 long word (behandlet).
    assert lix("Jeg blev godt behandlet.") == round(4 / 1 + 100 * 1 / 4, 1) == 29.0
    # 6 words, 1 sentence, 3 long words (Formålet, virksomhedspraktikforløb, opfyldt).
    assert lix("Formålet med mit virksomhedspraktikforløb blev opfyldt.") == 56.0
    assert round(6 / 1 + 100 * 3 / 6, 1) == 56.0
    # 7 words, 2 sentences, 2 long words (Sagsbehandleren, lyttede); "hjælp" has 5 letters.
    assert lix("Jeg fik hjælp. Sagsbehandleren lyttede til mig.") == round(7 / 2 + 100 * 2 / 7, 1)
    assert lix("Jeg fik hjælp. Sagsbehandleren lyttede til mig.") == 32.1
    # Exactly six letters is not long; digits are not words; no words gives no score.
    assert lix("Hjælpe mig nu 2026!") == round(3 / 1 + 0, 1) == 3.0
    assert lix("") is None and lix("123 ...") is None


def test_editor_shows_the_lix_score_and_warns_above_40(app, admin):
    easy = save(admin, text_da="Jeg blev godt behandlet.", action="check")
    assert easy.status_code == 200
    box = _lix_box(easy.get_data(as_text=True))
    assert (
        "Læsbarhed (LIX) af det danske spørgsmål og hjælpeteksten tilsammen: 29,0." in box
        and "alert-info" in box
    )
    assert "Over 40 er svært at læse" not in box
    hard = save(
        admin, text_da="Formålet med mit virksomhedspraktikforløb blev opfyldt.", action="check"
    )
    box = _lix_box(hard.get_data(as_text=True))
    assert (
        "Læsbarhed (LIX) af det danske spørgsmål og hjælpeteksten tilsammen: 56,0." in box
        and "alert-warning" in box
    )
    assert "Over 40 er svært at læse" in box
    assert questions(app) == []  # checking saves nothing
    new_question(admin, app, text_da="Formålet med mit virksomhedspraktikforløb blev opfyldt.")
    new_question(admin, app, text_da="Jeg blev godt behandlet.")
    listing = admin.get("/admin/questions").get_data(as_text=True)
    hard_row = _row(listing, "Formålet med mit")
    easy_row = _row(listing, "Jeg blev godt behandlet.")
    assert ">56,0 <strong" in hard_row and "svær at læse" in hard_row
    assert ">29,0<" in easy_row and "svær at læse" not in easy_row


def test_the_editor_and_the_list_give_one_score_for_question_and_help(app, admin):
    """Issue 17: the check said 22.7 where the list said 35.6 for the same question (the
    check counted the help text, the list did not). Both now score question and help."""
    text = "Hvordan var samtalen"  # no question mark: still its own sentence
    help_text = "Tænk på den seneste samtale med din sagsbehandler. Svar ærligt."
    checked = save(admin, text_da=text, help_da=help_text, action="check")
    box = _lix_box(checked.get_data(as_text=True))
    score = re.search(r"tilsammen: (\d+,\d)\.", box).group(1)
    # By hand: 3 + 8 + 2 = 13 words in 3 sentences; 5 long words (Hvordan, samtalen,
    # seneste, samtale, sagsbehandler): 13 / 3 + 100 * 5 / 13 = 42.8 (the text alone: 69.7)
    assert score == "42,8"
    new_question(admin, app, text_da=text, help_da=help_text)
    assert f">{score} <strong" in _row(admin.get("/admin/questions").get_data(as_text=True), text)


def _lix_box(page: str) -> str:
    match = re.search(
        r'<div class="alert [^"]*" role="status" id="lix-result">.*?</div>\s*</div>', page, re.S
    )
    assert match, page
    return match.group(0)


# --- markup is text --------------------------------------------------------------------


def test_markup_in_question_texts_is_shown_as_text_everywhere(
    app, admin, make_round, citizen, invite
):
    danish = f"Var mødet godt? {XSS_SCRIPT} {XSS_IMG}"
    english = f"Was the meeting good? {XSS_IMG} {XSS_SCRIPT}"
    question = new_question(admin, app, text_da=danish, text_en=english)
    assert question.texts == {"da": danish, "en": english}  # stored exactly as typed
    round_id = make_round(local=False, state="draft")

    def assert_escaped(page: str, where: str) -> None:
        assert "<script>alert(1)" not in page, where
        assert "<img src=x" not in page, where
        assert "onerror=alert(1)>" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", ""), (
            where
        )
        assert html.escape(XSS_SCRIPT) in page or html.escape(XSS_SCRIPT, quote=False) in page, (
            where
        )
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, where

    assert_escaped(admin.get("/admin/questions").get_data(as_text=True), "bank list")
    assert_escaped(
        admin.get(f"/admin/questions/{question.id}/edit").get_data(as_text=True), "editor"
    )
    assert_escaped(admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True), "add list")
    admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": question.id, "placement": "meeting"}
    )
    assert_escaped(admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True), "round page")
    for language in ("da", "en"):
        frame = admin.get(f"/admin/rounds/{round_id}/preview/meeting/frame?preview_lang={language}")
        assert_escaped(frame.get_data(as_text=True), f"preview {language}")
    admin.post(f"/admin/rounds/{round_id}/open", {"understood": "y"})
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    page = citizen.get().get_data(as_text=True)
    assert citizen.page_key == "meeting"
    assert_escaped(page, "citizen page")
    assert html.escape("Var mødet godt?") in page
