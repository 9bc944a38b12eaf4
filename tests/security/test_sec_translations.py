"""Translations: who may mark a bank translation reviewed, and whose.

Attack: an administrator of another municipality (or an analyst, or the operator) marks
Odense's draft translation "reviewed", so Odense's rounds offer it to citizens as checked.
Defence: the review action is for administrators only, and finds the question only within
the signed-in administrator's own municipality (404 otherwise); nothing changes and no
audit line is written.
"""

from __future__ import annotations

from sqlalchemy import select
from staff import bank_question

from survey.core.extensions import db
from survey.models import AuditEvent, LocalQuestion


def test_only_the_municipalitys_own_administrator_marks_a_translation_reviewed(
    app, people, sign_in
):
    question_id = bank_question(app, 461, "Jeg fik hjælp.", "I got help.", english_reviewed=False)
    data = {"question_id": question_id, "language": "en"}
    for email, status in (
        (people.rodovre_admin, 404),
        (people.odense_analyst, 403),
        (people.operator, 403),
    ):
        response = sign_in(email).post("/admin/translations/bank/review", data)
        assert response.status_code == status, email
    unknown = sign_in(people.odense_admin).post(
        "/admin/translations/bank/review", {"question_id": question_id, "language": "ar"}
    )
    assert unknown.status_code == 404  # no Arabic text: nothing to review
    with app.app_context():
        assert db.session.get(LocalQuestion, question_id).translation_state("en") == "draft"
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "question.translation_review")
            )
            is None
        )
    assert (
        sign_in(people.odense_admin).post("/admin/translations/bank/review", data).status_code
        == 302
    )


def test_only_the_operator_handles_the_shipped_questionnaires_translations(app, people, sign_in):
    """Attack: a municipality's administrator or analyst uses the operator's page to get a
    questionnaire file with texts of their choosing marked "reviewed" by a name of their
    choosing. Defence: the page, its download and its upload are the operator's alone."""
    import io

    from questionnaires.exchange import to_csv
    from questionnaires.translation import Unit

    upload = {
        "questionnaire": "kl-beskaeftigelse:1",
        "file": (io.BytesIO(to_csv([Unit("title", "x", "y")], "uk")), "uk.csv"),
        "reviewed_by": "Not a translator",
    }
    download = "/admin/questionnaire-translations/download?questionnaire=kl-beskaeftigelse:1"
    for email in (people.odense_admin, people.odense_analyst, people.rodovre_admin):
        browser = sign_in(email)
        assert browser.get("/admin/questionnaire-translations").status_code == 403, email
        assert browser.get(f"{download}&language=uk&fmt=csv").status_code == 403, email
        posted = browser.post(
            "/admin/questionnaire-translations", upload, content_type="multipart/form-data"
        )
        assert posted.status_code == 403, email
        upload["file"] = (io.BytesIO(to_csv([Unit("title", "x", "y")], "uk")), "uk.csv")
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "questionnaire.translations_upload")
            )
            is None
        )
    assert sign_in(people.operator).get("/admin/questionnaire-translations").status_code == 200
