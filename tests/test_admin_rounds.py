"""Rounds in the admin pages: create, local questions, preview, open (frozen), close, reopen."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from staff import audit_actions, bank_question, logged_in, make_user, text_of

from questionnaires import find_questionnaire
from survey.core.extensions import db
from survey.models import LocalQuestion, Round, RoundQuestion
from survey.models.base import today
from survey.rounds.definition import round_definition

FIRST = "Jeg fik hjælp til at skrive en ansøgning"
SECOND = "Jeg ved, hvem jeg kan ringe til"
INTERNSHIP_YES = {"item": "kl.progress.internship", "in": [1]}
ALERT_ERROR = 'class="alert alert-error"'


@pytest.fixture
def admin(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "admin@rodovre.dk", "admin", 175)
    return logged_in(app, "admin@odense.dk")


def create_round(admin, **fields) -> int:
    data = {
        "title": "Borgerundersøgelse forår 2026",
        "questionnaire": "kl-beskaeftigelse:1",
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=30)).isoformat(),
        "languages": ["en"],
        **fields,
    }
    response = admin.post("/admin/rounds/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/admin/rounds/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def definition(app, round_id: int):
    with app.app_context():
        return round_definition(db.session.get(Round, round_id))


def links(app, round_id: int) -> list[tuple[str, str, int]]:
    """(Danish text, placement, position) of the round's local questions, in order."""
    with app.app_context():
        rows = db.session.execute(
            select(LocalQuestion.texts, RoundQuestion.placement, RoundQuestion.position)
            .join(LocalQuestion, LocalQuestion.id == RoundQuestion.local_question_id)
            .where(RoundQuestion.round_id == round_id)
            .order_by(RoundQuestion.position)
        ).all()
        return [(texts["da"], placement, position) for texts, placement, position in rows]


def page_texts(app, round_id: int, key: str) -> list[str]:
    return [item.text["da"] for item in definition(app, round_id).page(key).items]


def state(app, round_id: int) -> str:
    with app.app_context():
        return db.session.get(Round, round_id).state


def test_create_a_round_from_the_questionnaire(app, admin):
    page = admin.get("/admin/rounds/new").get_data(as_text=True)
    assert 'value="kl-beskaeftigelse:1"' in page
    round_id = create_round(admin)
    with app.app_context():
        created = db.session.get(Round, round_id)
        assert created.title == "Borgerundersøgelse forår 2026"
        assert (created.questionnaire_key, created.questionnaire_version) == (
            "kl-beskaeftigelse",
            1,
        )
        assert (created.opens_on, created.closes_on) == (today(), today() + timedelta(days=30))
        assert created.languages == ["da", "en"]
        assert (created.state, created.snapshot, created.open_code) == ("draft", None, None)
        assert created.municipality_code == 461
    danish_only = create_round(admin, languages=[], title="Kun dansk")
    with app.app_context():
        assert db.session.get(Round, danish_only).languages == ["da"]
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "Borgerundersøgelse forår 2026" in page
    # Closing before opening, no title, or an unknown questionnaire: refused, nothing made.
    for bad in (
        {"closes_on": (today() - timedelta(days=1)).isoformat()},
        {"title": ""},
        {"questionnaire": "hemmelig:9"},
    ):
        data = {
            "title": "X",
            "questionnaire": "kl-beskaeftigelse:1",
            "opens_on": today().isoformat(),
            **bad,
        }
        response = admin.post("/admin/rounds/new", data)
        assert response.status_code == 400, bad
        assert "error-summary" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Round)).all()) == 2
    assert audit_actions(app, 461).count("round.create") == 2


def test_local_questions_are_added_reordered_moved_and_removed(app, admin):
    round_id = create_round(admin)
    first = bank_question(app, 461, FIRST, "I got help writing an application")
    second = bank_question(app, 461, SECOND)
    for question in (first, second):
        response = admin.post(
            f"/admin/rounds/{round_id}/questions", {"question_id": question, "placement": "end"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#local-questions")
    assert links(app, round_id) == [(FIRST, "end", 0), (SECOND, "end", 1)]
    assert page_texts(app, round_id, "local") == [FIRST, SECOND]
    # The same question twice is refused.
    admin.post(f"/admin/rounds/{round_id}/questions", {"question_id": first, "placement": "end"})
    assert len(links(app, round_id)) == 2

    base = f"/admin/rounds/{round_id}/questions"
    assert admin.post(f"{base}/{second}/up").status_code == 302
    assert links(app, round_id) == [(SECOND, "end", 0), (FIRST, "end", 1)]
    assert page_texts(app, round_id, "local") == [SECOND, FIRST]
    assert admin.post(f"{base}/{second}/down").status_code == 302
    assert page_texts(app, round_id, "local") == [FIRST, SECOND]
    admin.post(f"{base}/{first}/up")  # already first: nothing moves
    assert page_texts(app, round_id, "local") == [FIRST, SECOND]

    assert admin.post(f"{base}/{first}/place", {"placement": "goals"}).status_code == 302
    goals = page_texts(app, round_id, "goals")
    core = find_questionnaire("kl-beskaeftigelse", 1)
    core_goals = [i.text["da"] for i in core.page("goals").items]
    assert goals == [*core_goals, FIRST]
    assert page_texts(app, round_id, "local") == [SECOND]
    assert admin.post(f"{base}/{first}/place", {"placement": "nowhere"}).status_code == 400

    assert admin.post(f"{base}/{second}/remove").status_code == 302
    assert links(app, round_id) == [(FIRST, "goals", 0)]
    assert "local" not in [page.key for page in definition(app, round_id).pages]
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert FIRST in page and SECOND not in page.split('id="local-questions"')[1].split("<form")[0]
    assert audit_actions(app, 461) == [
        "login",
        "round.create",
        "round.question_add",
        "round.question_add",
        "round.question_up",
        "round.question_down",
        "round.question_up",
        "round.question_place",
        "round.question_remove",
    ]


def test_a_conditional_question_goes_after_the_page_of_its_condition(app, admin):
    round_id = create_round(admin)
    conditional = bank_question(app, 461, FIRST, show_if=INTERNSHIP_YES)
    add = f"/admin/rounds/{round_id}/questions"
    for placement in ("meeting", "progression"):  # before, or on the page of, the condition
        response = admin.post(add, {"question_id": conditional, "placement": placement})
        assert response.status_code == 302
        assert links(app, round_id) == []
        shown = admin.get(response.headers["Location"]).get_data(as_text=True)
        assert ALERT_ERROR in shown
        # The message names the question it waits for and that question's page.
        assert html.escape("vises kun efter et svar på “Har du været i virksomhedspraktik") in (
            shown
        )
        assert (
            html.escape(
                "på siden “På vej mod job eller uddannelse”. Placér det efter en senere side"
            )
            in shown
        )
    admin.post(add, {"question_id": conditional, "placement": "overall"})
    assert links(app, round_id) == [(FIRST, "overall", 0)]
    detail = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert (
        html.escape("Vises kun for borgere, der svarede Ja til “Har du været i virksomhedspraktik")
        in detail
    )  # the round's page names the answer it waits for
    assert page_texts(app, round_id, "overall")[-1] == FIRST
    place = f"/admin/rounds/{round_id}/questions/{conditional}/place"
    admin.post(place, {"placement": "progression"})
    assert links(app, round_id) == [(FIRST, "overall", 0)]
    admin.post(place, {"placement": "end"})
    assert links(app, round_id) == [(FIRST, "end", 0)]
    item = definition(app, round_id).item(_code(app, conditional))
    assert (item.show_if.item, item.show_if.values) == ("kl.progress.internship", (1,))


def _code(app, question_id: int) -> str:
    with app.app_context():
        return db.session.get(LocalQuestion, question_id).code


def test_preview_renders_every_page_in_each_language_inside_its_own_frame_policy(app, admin):
    round_id = create_round(admin)
    question = bank_question(app, 461, FIRST, "I got help writing an application")
    conditional = bank_question(app, 461, SECOND, "I know who to call", show_if=INTERNSHIP_YES)
    admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": question, "placement": "meeting"}
    )
    admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": conditional, "placement": "end"}
    )
    pages = definition(app, round_id).pages
    assert [page.key for page in pages] == [
        "meeting",
        "goals",
        "conversation",
        "progression",
        "overall",
        "local",
    ]
    for language in ("da", "en"):
        for page in pages:
            outer = admin.get(
                f"/admin/rounds/{round_id}/preview?page={page.key}&preview_lang={language}"
            )
            assert outer.status_code == 200
            policy = outer.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
            frame_url = f"/admin/rounds/{round_id}/preview/{page.key}/frame?preview_lang={language}"
            assert html.escape(frame_url) in outer.get_data(as_text=True)
            frame = admin.get(frame_url)
            assert frame.status_code == 200
            policy = frame.headers["Content-Security-Policy"]
            assert "frame-ancestors 'self'" in policy and "form-action 'none'" in policy
            assert "script-src 'none'" in policy and "frame-ancestors 'none'" not in policy
            assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
            body = frame.get_data(as_text=True)
            assert f'<html lang="{language}"' in body
            assert f"<h1>{html.escape(page.title[language])}</h1>" in body
            for item in page.items:
                assert html.escape(item.text[language]) in body, (language, page.key, item.code)
            assert 'name="csrf_token"' not in body
    local = admin.get(f"/admin/rounds/{round_id}/preview/local/frame?preview_lang=en")
    # The notes are the staff member's (in Danish here), quoting the English citizens see:
    # made in the language previewed, they were English in every untranslated language.
    local_html = local.get_data(as_text=True)
    assert 'lang="da" dir="ltr">Forhåndsvisning: Svarene bliver ikke gemt.' in local_html
    assert 'lang="da" dir="ltr">Vises kun for borgere, der svarede Yes til “' in local_html
    assert "Shown only to citizens" not in local_html
    meeting = admin.get(f"/admin/rounds/{round_id}/preview/meeting/frame?preview_lang=da")
    assert html.escape(FIRST) in meeting.get_data(as_text=True)
    for odd in ("zz", "ar", "%3Cb%3E"):  # not offered by the round: shown in Danish, no error
        frame = admin.get(f"/admin/rounds/{round_id}/preview/meeting/frame?preview_lang={odd}")
        assert frame.status_code == 200 and '<html lang="da"' in frame.get_data(as_text=True)
    assert admin.get(f"/admin/rounds/{round_id}/preview/nowhere/frame").status_code == 404
    assert admin.get(f"/admin/rounds/{round_id}/preview?page=nowhere").status_code == 404
    detail = admin.get(f"/admin/rounds/{round_id}")
    assert "frame-ancestors 'none'" in detail.headers["Content-Security-Policy"]
    assert detail.headers["X-Frame-Options"] == "DENY"


def test_opening_freezes_what_citizens_see(app, admin, citizen, invite):
    round_id = create_round(admin)
    question = bank_question(app, 461, FIRST, "I got help writing an application")
    admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": question, "placement": "meeting"}
    )
    assert admin.post(f"/admin/rounds/{round_id}/open", {"understood": "y"}).status_code == 302
    with app.app_context():
        opened = db.session.get(Round, round_id)
        assert opened.state == "open" and opened.open_code
        frozen = opened.snapshot
    assert [i.text["da"] for i in definition(app, round_id).page("meeting").items][-1] == FIRST

    reworded = "Jeg fik god hjælp til min ansøgning"
    response = admin.post(
        f"/admin/questions/{question}/edit",
        {"text_da": reworded, "type": "likert5", "condition": "", "action": "save"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Round, round_id).snapshot == frozen
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    page = citizen.get().get_data(as_text=True)
    assert citizen.page_key == "meeting"
    assert html.escape(FIRST) in page and html.escape(reworded) not in page

    # An opened round's questions and languages no longer change.
    other = bank_question(app, 461, SECOND)
    admin.post(f"/admin/rounds/{round_id}/questions", {"question_id": other, "placement": "end"})
    admin.post(f"/admin/rounds/{round_id}/questions/{question}/remove")
    admin.post(
        f"/admin/rounds/{round_id}/settings",
        {"title": "Nyt navn", "questionnaire": "kl-beskaeftigelse:1", "languages": []},
    )
    with app.app_context():
        opened = db.session.get(Round, round_id)
        assert opened.snapshot == frozen and opened.languages == ["da", "en"]
        assert opened.title == "Nyt navn"
    assert links(app, round_id) == [(FIRST, "meeting", 0)]
    # Opening twice is refused and does not touch the snapshot.
    response = admin.post(f"/admin/rounds/{round_id}/open", {"understood": "y"})
    assert ALERT_ERROR in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_close_and_reopen_only_while_within_the_dates(app, admin, citizen, invite):
    round_id = create_round(admin)
    admin.post(f"/admin/rounds/{round_id}/open", {"understood": "y"})
    (token,) = invite(round_id)
    assert admin.post(f"/admin/rounds/{round_id}/close", {"understood": "y"}).status_code == 302
    assert state(app, round_id) == "closed"
    assert citizen.open(f"/s/{token}").status_code == 410
    # Past its closing date: reopening is refused.
    settings = {"title": "Forår", "questionnaire": "kl-beskaeftigelse:1"}
    yesterday = today() - timedelta(days=1)
    response = admin.post(
        f"/admin/rounds/{round_id}/settings",
        {
            **settings,
            "opens_on": (today() - timedelta(days=20)).isoformat(),
            "closes_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    response = admin.post(f"/admin/rounds/{round_id}/reopen")
    assert state(app, round_id) == "closed"
    assert ALERT_ERROR in admin.get(response.headers["Location"]).get_data(as_text=True)
    # Closing day still ahead: reopening works, and citizens get in again.
    admin.post(
        f"/admin/rounds/{round_id}/settings",
        {
            **settings,
            "opens_on": (today() - timedelta(days=20)).isoformat(),
            "closes_on": today().isoformat(),
        },
    )
    assert admin.post(f"/admin/rounds/{round_id}/reopen").status_code == 302
    assert state(app, round_id) == "open"
    assert citizen.open(f"/s/{token}").status_code == 303
    # Closing a draft or reopening an open round is refused.
    assert admin.post(f"/admin/rounds/{round_id}/reopen").status_code == 302
    assert state(app, round_id) == "open"
    draft = create_round(admin, title="Kladde")
    admin.post(f"/admin/rounds/{draft}/close", {"understood": "y"})
    assert state(app, draft) == "draft"
    actions = audit_actions(app, 461)
    assert actions.count("round.open") == 1 and actions.count("round.close") == 1
    assert actions.count("round.reopen") == 1 and actions.count("round.settings") == 2


def test_every_round_action_is_in_the_audit_trail_of_its_municipality_only(app, admin):
    round_id = create_round(admin)
    question = bank_question(app, 461, FIRST)
    second = bank_question(app, 461, SECOND)
    base = f"/admin/rounds/{round_id}"
    admin.post(f"{base}/questions", {"question_id": question, "placement": "end"})
    admin.post(f"{base}/questions", {"question_id": second, "placement": "end"})
    admin.post(f"{base}/questions/{second}/up")
    admin.post(f"{base}/questions/{second}/down")
    admin.post(f"{base}/questions/{second}/place", {"placement": "overall"})
    admin.post(f"{base}/questions/{second}/remove")
    admin.post(f"{base}/settings", {"title": "Efterår", "questionnaire": "kl-beskaeftigelse:1"})
    admin.post(f"{base}/open", {"understood": "y"})
    admin.post(f"{base}/close", {"understood": "y"})
    admin.post(f"{base}/reopen")
    expected = [
        "round.create",
        "round.question_add",
        "round.question_add",
        "round.question_up",
        "round.question_down",
        "round.question_place",
        "round.question_remove",
        "round.settings",
        "round.open",
        "round.close",
        "round.reopen",
    ]
    assert [a for a in audit_actions(app, 461) if a.startswith("round.")] == expected
    trail = admin.get("/admin/audit").get_data(as_text=True)
    for action in set(expected):
        assert f'data-action="{action}"' in trail
    assert trail.count("admin@odense.dk") >= len(expected)
    rodovre = logged_in(app, "admin@rodovre.dk")
    other_trail = rodovre.get("/admin/audit").get_data(as_text=True)
    assert not any(f'data-action="{action}"' in other_trail for action in expected)
    assert "admin@odense.dk" not in other_trail
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    refused = logged_in(app, "analytiker@odense.dk").get("/admin/audit")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "Du har ikke adgang til denne side" in page
    assert "Siden er for en anden rolle end din" in page and "Prøv venligst igen" not in page


def test_a_missing_page_sends_staff_back_and_citizens_to_their_text_message(app):
    """Staff who opened a round that is not theirs were told to open "the link in a text
    message" again (a walkthrough): that is the citizens' way in, not theirs."""
    make_user(app, "side@odense.dk", "admin", 461)
    missing = logged_in(app, "side@odense.dk").get("/admin/rounds/987654")
    assert missing.status_code == 404
    staff_page = text_of(missing.get_data(as_text=True))
    assert "Tjek adressen, eller gå tilbage til den side, du kom fra." in staff_page
    assert "sms" not in staff_page
    citizen_page = text_of(app.test_client().get("/ingen-side").get_data(as_text=True))
    assert "Hvis du kom fra et link i en sms, så åbn det igen." in citizen_page


def test_placements_follow_the_themes_of_the_rounds_questionnaire(app, admin):
    """An employer-survey round offers its own themes and no other, each as the page the
    question goes on (the theme's last), in the order citizens meet them."""
    round_id = create_round(admin, questionnaire="virksomheder:1")
    question = bank_question(app, 461, FIRST)
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z_]+)"[^>]*>Efter siden: ([^<]+)</option>', page)
    employer = find_questionnaire("virksomheder", 1)
    last = {p.theme: (index, p) for index, p in enumerate(employer.pages)}
    expected = [
        (theme, p.title["da"]) for theme, (_, p) in sorted(last.items(), key=lambda t: t[1][0])
    ]
    assert [(key, html.unescape(title)) for key, title in offered] == expected
    assert {key for key, _ in offered} == {t.key for t in employer.themes}
    add = f"/admin/rounds/{round_id}/questions"
    admin.post(add, {"question_id": question, "placement": "meeting"})  # not a theme of it
    assert links(app, round_id) == []
    assert admin.post(add, {"question_id": question, "placement": "recruitment"}).status_code == 302
    assert links(app, round_id) == [(FIRST, "recruitment", 0)]
    recruitment = page_texts(app, round_id, "recruitment_help")  # the theme's last page
    assert recruitment[-1] == FIRST
