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
