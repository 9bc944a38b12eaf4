"""A citizen answers a whole round through the test client, internship branch included."""

import re

from sqlalchemy import func, select

from survey.core.extensions import db
from survey.models import Answer, Invitation, Response

LIKERT = "4"


def answer_everything(citizen, internship: int) -> list[str]:
    visited = []
    for _ in range(10):
        html = citizen.get().get_data(as_text=True)
        visited.append(citizen.page_key)
        codes = sorted(set(__import__("re").findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html)))
        answers = {}
        for code in codes:
            if code == "kl.progress.internship":
                answers[code] = internship
            elif code.endswith("comment"):
                answers[code] = "Tak for hjælpen æøå"
            else:
                answers[code] = LIKERT
        response = citizen.post_page(answers)
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak"):
            return visited
    raise AssertionError("never reached the thank-you page")


def test_invitation_yes_to_internship_sees_local_page(app, citizen, make_round, invite):
    round_id = make_round()
    (token,) = invite(round_id, benefit_group="kontanthjaelp")
    assert citizen.open(f"/s/{token}").headers["Location"] == "/svar"
    citizen.start()
    pages = answer_everything(citizen, internship=1)
    assert pages == ["meeting", "goals", "conversation", "progression", "overall", "local"]
    assert "Tak for dine svar" in citizen.get("/svar/tak").get_data(as_text=True)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.completed and response.resume_hash is None
        assert response.benefit_group == "kontanthjaelp"
        assert db.session.scalar(select(Invitation.state)) == "completed"
        codes = set(db.session.scalars(select(Answer.item_code)))
        assert {"odense.internship.purpose", "odense.internship.treatment"} <= codes


def test_no_to_internship_skips_local_page(app, citizen, make_round, invite):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    pages = answer_everything(citizen, internship=2)
    assert "local" not in pages
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def _answer_page(citizen, internship: int, action: str = "next"):
    html = citizen.get().get_data(as_text=True)
    codes = sorted(set(__import__("re").findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html)))
    answers = {
        code: internship if code == "kl.progress.internship" else LIKERT
        for code in codes
        if not code.endswith("comment")
    }
    response = citizen.post_page(answers, action=action)
    assert response.status_code == 302, response.get_data(as_text=True)
    return answers


def test_a_changed_branch_drops_the_answers_it_hides(app, citizen, make_round, invite):
    """Saying no to the internship after answering the local page drops the local answers,
    stores the changed answer and moves the sheet on (one statement on PostgreSQL)."""
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    while citizen.page_key != "local":
        _answer_page(citizen, internship=1)
    local = _answer_page(citizen, internship=1, action="back")  # saved, back to "overall"
    assert citizen.page_key == "overall" and local
    with app.app_context():
        codes = set(db.session.scalars(select(Answer.item_code)))
        assert set(local) <= codes
    citizen.location = "/svar/side/progression"
    _answer_page(citizen, internship=2)
    assert citizen.page_key == "overall"
    with app.app_context():
        stored = dict(db.session.execute(select(Answer.item_code, Answer.value)).all())
        assert stored["kl.progress.internship"] == "2"
        assert not set(local) & set(stored)
        assert db.session.scalar(select(Response.current_page)) == "overall"


def test_every_page_names_an_icon_that_is_served(client):
    """Without one, each browser's first visit asks for /favicon.ico: a 404 in the log."""
    page = client.get("/svar").get_data(as_text=True)  # no sheet: the page that says so
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon, page[:600]
    with client.get(icon.group(1)) as served:  # a file's response: closed when read
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
        assert served.get_data().startswith(b"<svg")
