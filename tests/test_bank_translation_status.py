"""The local question bank's translations carry a status: draft (imported or typed, not
checked by a professional translator) or reviewed (by a named staff member, on a date),
and the fingerprint of the Danish they were made from, so a changed Danish text shows them
as stale. A round offers a draft (or stale) language only when its administrator accepted
drafts, and names it as a draft."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from staff import add_to_round, bank_question, logged_in, make_user

from questionnaires.exchange import read, to_csv
from survey.core.extensions import db
from survey.models import AuditEvent, LocalQuestion, Round
from survey.rounds.definition import round_definition

DANISH = "Jeg fik hjælp til at skrive en ansøgning."
ENGLISH = "I got help writing an application."
ADMIN = "admin-status@odense.dk"


def _question(app, question_id: int) -> LocalQuestion:
    with app.app_context():
        question = db.session.get(LocalQuestion, question_id)
        db.session.expunge(question)
        return question


def _offered(app, round_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    with app.app_context():
        definition = round_definition(db.session.get(Round, round_id))
        db.session.remove()
        return definition.languages, definition.draft_languages


def _upload_english(admin) -> None:
    download = admin.get("/admin/translations/download?what=bank&language=en&fmt=csv")
    _language, units = read(download.data)
    done = [replace(unit, target=ENGLISH) for unit in units]
    stored = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(to_csv(done, "en")), "bank-en.csv")},
        content_type="multipart/form-data",
    )
    assert stored.status_code == 200, stored.get_data(as_text=True)


def _review(admin, question_id: int, language: str = "en"):
    return admin.post(
        "/admin/translations/bank/review", {"question_id": question_id, "language": language}
    )


def test_an_imported_translation_is_a_draft_offered_only_when_drafts_are_accepted(app, make_round):
    make_user(app, ADMIN, "admin", 461)
    admin = logged_in(app, ADMIN)
    question_id = bank_question(app, 461, DANISH)
    round_id = make_round(461, local=False, state="draft", languages=("da", "en"))
    add_to_round(app, round_id, question_id)
    _upload_english(admin)

    question = _question(app, question_id)
    entry = question.translations["en"]
    assert entry["status"] == "draft" and entry["source"] == question.danish_fingerprint()
    assert question.translation_state("en") == "draft"
    # Not offered: the English of the local question is a draft nobody accepted.
    assert _offered(app, round_id)[0] == ("da",)
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "Tilbydes ikke: Engelsk" in page
    settings = {"title": "Forår 2026", "languages": ["en"]}
    refused = admin.post(f"/admin/rounds/{round_id}/settings", settings)
    assert refused.status_code == 400 and "kladdeoversættelser" in refused.get_data(as_text=True)
    accepted = admin.post(f"/admin/rounds/{round_id}/settings", {**settings, "accept_drafts": "y"})
    assert accepted.status_code == 302
    assert _offered(app, round_id) == (("da", "en"), ("en",))  # offered, and named as draft


def test_an_administrator_reviews_a_translation_and_the_round_offers_it(app, make_round):
    make_user(app, ADMIN, "admin", 461)
    admin = logged_in(app, ADMIN)
    question_id = bank_question(app, 461, DANISH)
    round_id = make_round(461, local=False, state="draft", languages=("da", "en"))
    add_to_round(app, round_id, question_id)
    _upload_english(admin)
    page = admin.get("/admin/translations").get_data(as_text=True)
    assert "Kladde" in page and "Jeg har tjekket den: markér som gennemgået" in page

    reviewed = _review(admin, question_id)
    assert reviewed.status_code == 302
    entry = _question(app, question_id).translations["en"]
    assert entry["status"] == "reviewed"
    assert entry["reviewed_by"] == ADMIN and entry["reviewed_on"] == date.today().isoformat()
    assert _offered(app, round_id) == (("da", "en"), ())
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "question.translation_review")
        )
        assert event.actor == ADMIN and event.municipality_code == 461
        assert event.details["language"] == "en" and event.details["reviewed_by"] == ADMIN
    page = admin.get("/admin/translations").get_data(as_text=True)
    assert "Gennemgået" in page and ADMIN in page
    trail = admin.get("/admin/audit").get_data(as_text=True)
    assert "Oversættelse i banken markeret som gennemgået" in trail


def test_a_changed_danish_text_makes_the_translation_stale_and_a_draft_again(app, make_round):
    make_user(app, ADMIN, "admin", 461)
    admin = logged_in(app, ADMIN)
    question_id = bank_question(app, 461, DANISH, ENGLISH)  # English reviewed
    round_id = make_round(461, local=False, state="draft", languages=("da", "en"))
    add_to_round(app, round_id, question_id)
    assert _question(app, question_id).translation_state("en") == "reviewed"
    assert _offered(app, round_id)[0] == ("da", "en")

    # The Danish changes in the editor; the English is left as it was.
    edited = admin.post(
        f"/admin/questions/{question_id}/edit",
        {
            "type": "likert5",
            "condition": "",
            "action": "save",
            "text_da": "Jeg fik hjælp til min ansøgning.",
            "text_en": ENGLISH,
        },
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    question = _question(app, question_id)
    assert question.texts["en"] == ENGLISH  # still there, never silently current:
    assert question.translation_state("en") == "stale"
    assert question.translation_is_draft("en")
    assert _offered(app, round_id)[0] == ("da",)
    page = admin.get("/admin/translations").get_data(as_text=True)
    assert "Forældet: den danske tekst er ændret" in page
    # The export tells the translator which texts to look at again.
    _language, units = read(
        admin.get("/admin/translations/download?what=bank&language=en&fmt=csv").data
    )
    assert [unit.stale for unit in units] == [True]

    assert _review(admin, question_id).status_code == 302  # checked against the new Danish
    assert _question(app, question_id).translation_state("en") == "reviewed"
    assert _offered(app, round_id)[0] == ("da", "en")


def test_a_translation_typed_in_the_editor_is_a_draft_and_an_unknown_source_is_not_stale(app):
    question_id = bank_question(app, 461, DANISH, ENGLISH, english_reviewed=False)
    question = _question(app, question_id)
    assert question.translations["en"]["status"] == "draft"
    assert question.translations["en"]["translated_by"] == "typed in the question editor"
    with app.app_context():
        stored = db.session.get(LocalQuestion, question_id)
        stored.translations = {
            "en": {"status": "reviewed", "reviewed_by": "x", "reviewed_on": "2026-01-02"}
        }
        stored.texts = {**stored.texts, "da": "En anden dansk tekst."}
        db.session.commit()
    # Recorded before sources were: unknown, so not stale.
    assert _question(app, question_id).translation_state("en") == "reviewed"
