"""The citizen's pages, rule by rule: landing, questions, resume, status pages, bad input."""

from __future__ import annotations

import copy
import re
import secrets
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from questionnaires import find_questionnaire
from survey.core.extensions import db
from survey.models import Answer, Response, Round
from survey.models.base import today

MEETING = ["kl.meeting.welcoming", "kl.meeting.respect", "kl.meeting.health", "kl.meeting.contact"]
GOALS = ["kl.goals.clear", "kl.goals.own", "kl.goals.next_step"]
PROGRESSION = [
    "kl.progress.job_openings",
    "kl.progress.belief",
    "kl.progress.closer",
    "kl.progress.internship",
]
OVERALL_LIKERT = ["kl.overall.satisfied", "kl.overall.right_help", "kl.overall.difference"]
LOCAL = ["odense.internship.purpose", "odense.internship.treatment"]
PAGE_ORDER = ["meeting", "goals", "conversation", "progression", "overall", "local"]

TAMPERED_DA = "Svarene kunne ikke læses"
TAMPERED_EN = "The answers could not be read"
CSRF_DA = "Formularen var udløbet eller kom ikke fra denne side"
CSRF_EN = "The form had expired or was not sent from this site"


# --- reading pages ----------------------------------------------------------------------


class PageParser(HTMLParser):
    """Fieldsets with their inputs, textareas, ids and links of one HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.fieldsets: list[dict] = []
        self.inputs: list[dict] = []
        self.textareas: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.lang = None
        self._fieldset = None
        self._capture = None  # ("legend"|"textarea"|"label", key)
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        elif tag == "fieldset":
            self._fieldset = {"legend": "", "inputs": []}
            self.fieldsets.append(self._fieldset)
        elif tag == "legend":
            self._capture, self._text = ("legend", None), []
        elif tag == "label" and "for" in attributes:
            self._capture, self._text = ("label", attributes["for"]), []
        elif tag == "textarea":
            self._capture, self._text = ("textarea", attributes["name"]), []
        elif tag == "input":
            self.inputs.append(attributes)
            if self._fieldset is not None:
                self._fieldset["inputs"].append(attributes)

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self._fieldset = None
        elif self._capture and tag == self._capture[0]:
            kind, key = self._capture
            text = "".join(self._text)
            if kind == "legend":
                self._fieldset["legend"] = text.strip()
            elif kind == "label":
                self.labels[key] = text.strip()
            else:
                self.textareas[key] = text
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._text.append(data)

    def checked(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for attributes in self.inputs:
            if "checked" in attributes:
                chosen.setdefault(attributes["name"], []).append(attributes["value"])
        return chosen

    def radios(self, name: str) -> list[dict]:
        return [a for a in self.inputs if a.get("type") == "radio" and a.get("name") == name]


def parsed(response) -> PageParser:
    return PageParser(response.get_data(as_text=True))


def title_of(response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True), re.S)
    return match.group(1).strip() if match else ""


# --- database facts ---------------------------------------------------------------------


def saved_answers(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Answer.item_code, Answer.value)).all())


def response_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def the_response(app) -> dict:
    with app.app_context():
        response = db.session.scalar(select(Response))
        return {
            "id": response.id,
            "current_page": response.current_page,
            "completed": response.completed,
            "resume_hash": response.resume_hash,
        }


# --- fixtures and steps -----------------------------------------------------------------


@pytest.fixture
def new_citizen(app, citizen):
    """Another browser: a fresh test client with no cookies."""
    return lambda: type(citizen)(app.test_client())


@pytest.fixture
def token(make_round, invite) -> str:
    (issued,) = invite(make_round())
    return issued


@pytest.fixture
def started(citizen, token):
    """A citizen who opened their link and pressed Start; now on the first page."""
    assert citizen.open(f"/s/{token}").status_code == 303
    citizen.start()
    assert citizen.page_key == "meeting"
    return citizen


def answers_for(codes, value="4", **special) -> dict:
    return {code: special.get(code.rsplit(".", 1)[-1], value) for code in codes}


def post_ok(citizen, answers, action="next", expect=None):
    response = citizen.post_page(answers, action=action)
    assert response.status_code == 302, response.get_data(as_text=True)
    if expect:
        assert citizen.page_key == expect, citizen.location
    return response


def walk_to(citizen, target: str, internship: int = 2) -> None:
    """Answer every page with 4 (and the internship as given) until `target` is shown."""
    for _ in range(len(PAGE_ORDER)):
        if citizen.page_key == target:
            return
        html = citizen.get().get_data(as_text=True)
        codes = sorted(set(re.findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html)))
        answers = {code: "4" for code in codes if not code.endswith("comment")}
        if "kl.progress.internship" in answers:
            answers["kl.progress.internship"] = str(internship)
        post_ok(citizen, answers)
    assert citizen.page_key == target


def finish(citizen, internship: int = 2) -> None:
    walk_to(citizen, "overall", internship)
    while not citizen.location.endswith("/svar/tak"):
        html = citizen.get().get_data(as_text=True)
        codes = set(re.findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html))
        post_ok(citizen, {code: "5" for code in codes if not code.endswith("comment")})


def set_required(app, round_id: int, code: str) -> None:
    """Mark an item of an opened round required, as a questionnaire file may."""
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        snapshot = copy.deepcopy(survey_round.snapshot)
        for page in snapshot["pages"]:
            for item in page["items"]:
                if item["code"] == code:
                    item["required"] = True
        survey_round.snapshot = snapshot
        db.session.commit()


# --- landing page -----------------------------------------------------------------------


def test_landing_says_who_asks_why_how_long_and_that_it_is_anonymous(app, citizen, token):
    with app.app_context():
        from survey.models import Municipality

        db.session.get(Municipality, 461).service_name = "Jobcenter Odense"
        db.session.commit()
    citizen.open(f"/s/{token}")
    response = citizen.get("/svar")
    html = response.get_data(as_text=True)
    page = parsed(response)
    assert response.status_code == 200
    assert page.lang == "da"
    assert "Jobcenter Odense vil gerne høre om din oplevelse med jobcentret." in html  # who
    assert "<strong>Hvorfor:</strong>" in html  # why
    assert "Det tager cirka 5 minutter." in html  # how long
    assert "<strong>Anonymt:</strong> Din sagsbehandler kan ikke se, hvad du svarer." in html
    assert "Åbn det samme link senere for at fortsætte" in html  # stop and come back
    assert "?lang=en" in page.links  # the other language, as a plain link
    assert ">Start</button>" in html
    assert "<script" not in html  # works with JavaScript off


def test_landing_switches_to_english_with_lang_en_and_back(app, citizen, token):
    citizen.open(f"/s/{token}")
    response = citizen.get("/svar?lang=en")
    html = response.get_data(as_text=True)
    assert parsed(response).lang == "en"
    assert "<h1>Your experience of the job centre</h1>" in html
    assert "Odense Kommune would like to hear about your experience with the job centre." in html
    assert "It takes about 5 minutes." in html
    assert "<strong>Anonymous:</strong> Your caseworker cannot see what you answer." in html
    assert "?lang=da" in parsed(response).links
    # The choice sticks for the pages that follow.
    citizen.start()
    page = citizen.get()
    page_html = page.get_data(as_text=True)
    assert parsed(page).lang == "en"
    assert "<h1>Meeting the job centre</h1>" in page_html
    assert "Page 1 of 5" in page_html
    assert parsed(page).labels["q-kl-meeting-welcoming-0"] == "Don't know"
    post_ok(citizen, {"kl.meeting.welcoming": "0"}, expect="goals")
    with app.app_context():
        assert db.session.scalar(select(Response.ui_language)) == "en"
    citizen.location = "/svar/side/meeting"
    # And switches back.
    again = citizen.get(citizen.location + "?lang=da")
    assert parsed(again).lang == "da"
    assert "<h1>Mødet med jobcentret</h1>" in again.get_data(as_text=True)


def test_a_danish_only_round_offers_no_english(citizen, make_round, invite):
    (only_da,) = invite(make_round(languages=("da",)))
    citizen.open(f"/s/{only_da}")
    response = citizen.get("/svar?lang=en")
    assert parsed(response).lang == "da"
    assert "?lang=en" not in parsed(response).links


# --- pages of questions -----------------------------------------------------------------


def test_every_choice_question_is_its_own_fieldset_and_nothing_is_preselected(app, started):
    definition = find_questionnaire("kl-beskaeftigelse", 1)  # the rounds of these tests
    texts = {item.code: item.text["da"] for item in definition.items}
    texts.update(
        {
            "odense.internship.purpose": "Min virksomhedspraktik nåede sit mål.",
            "odense.internship.treatment": "Jeg blev behandlet godt i min virksomhedspraktik.",
        }
    )
    seen_pages, textareas = [], {}
    for _ in PAGE_ORDER:
        response = started.get()
        page = parsed(response)
        html = response.get_data(as_text=True)
        seen_pages.append(started.page_key)
        assert page.checked() == {}, f"pre-selected answer on {started.page_key}"
        assert "<table" not in html  # no grid or matrix on a phone
        names = []
        for fieldset in page.fieldsets:
            fieldset_names = {attributes["name"] for attributes in fieldset["inputs"]}
            assert len(fieldset_names) == 1, fieldset
            (name,) = fieldset_names
            assert fieldset["legend"] == texts[name]
            names.append(name)
        choice_codes = [
            code
            for code in re.findall(r'name="((?:kl|odense)\.[a-z0-9_.]+)"', html)
            if code not in page.textareas
        ]
        assert names == list(dict.fromkeys(choice_codes))  # one fieldset per question
        assert not set(page.textareas) & set(names)  # free text: a labelled textarea
        textareas.update(page.textareas)
        answers = {name: "4" for name in names}
        if "kl.progress.internship" in answers:
            answers["kl.progress.internship"] = "1"
        post_ok(started, answers)
        if started.location.endswith("/svar/tak"):
            break
    assert seen_pages == PAGE_ORDER
    assert set(textareas) == {"kl.overall.comment"}


def test_ved_ikke_is_offered_on_every_likert_item(started):
    likert_seen = 0
    for _ in PAGE_ORDER:
        page = parsed(started.get())
        for fieldset in page.fieldsets:
            name = fieldset["inputs"][0]["name"]
            values = [attributes["value"] for attributes in fieldset["inputs"]]
            if name == "kl.progress.internship":
                assert values == ["1", "2"]  # yes/no: no "ved ikke"
                continue
            assert values == ["5", "4", "3", "2", "1", "0"], name
            dont_know = next(a for a in fieldset["inputs"] if a["value"] == "0")
            assert page.labels[dont_know["id"]] == "Ved ikke"
            likert_seen += 1
        answers = {f["inputs"][0]["name"]: "0" for f in page.fieldsets}
        if "kl.progress.internship" in answers:
            answers["kl.progress.internship"] = "1"
        post_ok(started, answers)
        if started.location.endswith("/svar/tak"):
            break
    assert likert_seen == 17 + 2  # 17 core likert items and Odense's two


def test_progress_indicator_counts_the_pages_shown(started):
    html = started.get().get_data(as_text=True)
    assert "Side 1 af 5" in html
    assert '<progress max="5" value="1"' in html
    assert 'value="back"' not in html  # no back button on the first page
    walk_to(started, "goals")
    html = started.get().get_data(as_text=True)
    assert "Side 2 af 5" in html and 'value="back"' in html
    walk_to(started, "progression")
    assert "Side 4 af 5" in started.get().get_data(as_text=True)
    # Yes to the internship adds Odense's page: the count grows with it.
    post_ok(started, {"kl.progress.internship": "1"}, expect="overall")
    html = started.get().get_data(as_text=True)
    assert "Side 5 af 6" in html and ">Næste</button>" in html
    post_ok(started, {}, expect="local")
    html = started.get().get_data(as_text=True)
    assert "Side 6 af 6" in html and ">Send svar</button>" in html


def test_back_goes_to_the_previous_page_and_keeps_answers(app, started):
    meeting = {"kl.meeting.welcoming": "5", "kl.meeting.respect": "0", "kl.meeting.health": "2"}
    post_ok(started, meeting, expect="goals")
    goals = {"kl.goals.clear": "1", "kl.goals.next_step": "3"}
    post_ok(started, goals, action="back", expect="meeting")
    page = parsed(started.get())
    assert page.checked() == {code: [value] for code, value in meeting.items()}
    assert saved_answers(app) == {**meeting, **goals}  # back saves the page too
    post_ok(started, meeting, expect="goals")
    assert parsed(started.get()).checked() == {code: [value] for code, value in goals.items()}


def test_resume_in_a_new_browser_lands_where_the_citizen_left_off(app, started, token, new_citizen):
    """Another browser continues forward only (issue 11): it resumes where the citizen left
    off, but the pages answered in the browser that started the sheet stay out of its
    reach. (This test used to check that the new browser was shown the earlier answers.)"""
    meeting = answers_for(MEETING, "5")
    goals = answers_for(GOALS, "2", own="0")
    post_ok(started, meeting, expect="goals")
    post_ok(started, goals, expect="conversation")

    later = new_citizen()  # another phone, or the same phone with its cookies cleared
    assert later.open(f"/s/{token}").headers["Location"] == "/svar"
    landing = later.get("/svar").get_data(as_text=True)
    assert "Velkommen tilbage. Dine svar fra før er gemt." in landing
    assert "Du begyndte på en anden telefon eller computer." in landing
    assert ">Fortsæt</button>" in landing
    later.start()
    assert later.page_key == "conversation"
    page = later.get().get_data(as_text=True)
    assert 'value="back"' not in page  # "Tilbage" would lead to a locked page
    for locked in ("meeting", "goals"):
        later.location = f"/svar/side/{locked}"
        response = later.get()
        assert response.status_code == 302
        assert response.headers["Location"] == "/svar/side/conversation"
    assert saved_answers(app) == {**meeting, **goals}
    assert response_count(app) == 1
    # The browser that started the sheet still sees and changes everything.
    started.location = "/svar/side/meeting"
    assert parsed(started.get()).checked() == {code: [v] for code, v in meeting.items()}


def test_a_completed_link_says_kindly_that_it_was_used(app, started, token, new_citizen):
    finish(started)
    before = saved_answers(app)
    later = new_citizen()
    response = later.open(f"/s/{token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Du har allerede svaret</h1>" in html
    assert "Tak! Vi har fået dine svar, så linket kan ikke bruges igen." in html
    # The browser that answered cannot answer again either.
    assert started.client.get("/svar").headers["Location"] == "/svar/tak"
    started.location = "/svar/side/meeting"
    resent = started.post_page(answers_for(MEETING, "1"), page="meeting")
    assert resent.status_code == 302 and resent.headers["Location"] == "/svar/tak"
    again = started.client.post("/svar/start", data={"csrf_token": started.csrf})
    assert again.headers["Location"] == "/svar/tak"
    assert saved_answers(app) == before
    assert response_count(app) == 1


@pytest.mark.parametrize("kind", ["well-formed", "short", "long", "letters", "dots"])
def test_unknown_token_gets_404_and_the_same_page_whatever_its_form(client, token, kind):
    candidate = {
        "well-formed": secrets.token_urlsafe(20),
        "short": "abc",
        "long": "A" * 300,
        "letters": "%C3%A6%C3%B8%C3%A5",
        "dots": "a.b~c!d",
    }[kind]
    reference = client.get(f"/s/{secrets.token_urlsafe(20)}")
    response = client.get(f"/s/{candidate}")
    assert response.status_code == reference.status_code == 404
    assert response.get_data() == reference.get_data()
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert "<h1>Linket virker ikke</h1>" in html
    for hint in ("udløb", "format", "ugyldig", "findes ikke", "token"):
        assert hint not in html.lower()
    # The visitor is not let in afterwards either.
    assert client.get("/svar").status_code == 404


def test_unknown_open_link_gets_the_same_page(client):
    response = client.get("/o/nosuchcode")
    reference = client.get(f"/s/{secrets.token_urlsafe(20)}")
    assert response.status_code == 404
    assert response.get_data() == reference.get_data()


def test_closed_round_has_its_own_page(app, client, make_round, invite, open_code):
    round_id = make_round(state="closed")
    (closed_token,) = invite(round_id)
    response = client.get(f"/s/{closed_token}")
    assert response.status_code == 410
    assert "<h1>Spørgeskemaet er lukket</h1>" in response.get_data(as_text=True)
    assert client.get(f"/o/{open_code(round_id)}").status_code == 410
    # Past its closing date counts as closed even before someone closes it.
    late_round = make_round()
    with app.app_context():
        db.session.get(Round, late_round).closes_on = today() - timedelta(days=1)
        db.session.commit()
    (late_token,) = invite(late_round)
    assert client.get(f"/s/{late_token}").status_code == 410


def test_round_closed_midway_stops_further_answers(app, started):
    post_ok(started, answers_for(MEETING, "3"), expect="goals")
    before = saved_answers(app)
    with app.app_context():
        db.session.scalar(select(Round)).state = "closed"
        db.session.commit()
    assert started.get().status_code == 410
    response = started.post_page(answers_for(GOALS, "5"))
    assert response.status_code == 410
    assert "<h1>Spørgeskemaet er lukket</h1>" in response.get_data(as_text=True)
    assert saved_answers(app) == before


def test_not_yet_open_round_has_its_own_page(client, make_round, invite):
    (draft_token,) = invite(make_round(state="draft"))
    response = client.get(f"/s/{draft_token}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<h1>Spørgeskemaet er ikke åbnet endnu</h1>" in html
    opens = today() + timedelta(days=3)
    (early_token,) = invite(make_round(opens_on=opens))
    response = client.get(f"/s/{early_token}")
    assert response.status_code == 403
    assert "Du kan svare fra " in response.get_data(as_text=True)
    assert str(opens.year) in response.get_data(as_text=True)


def test_round_that_no_longer_exists_gets_the_unknown_link_page(app, started):
    with app.app_context():
        db.session.delete(db.session.scalar(select(Round)))
        db.session.commit()
    response = started.client.get("/svar/side/meeting")
    assert response.status_code == 404
    assert "<h1>Linket virker ikke</h1>" in response.get_data(as_text=True)


def test_page_without_a_session_explains_how_to_begin(client):
    response = client.get("/svar")
    assert response.status_code == 404
    assert "<h1>Åbn spørgeskemaet fra dit link</h1>" in response.get_data(as_text=True)


# --- mistakes a person can make ---------------------------------------------------------


def test_missing_required_answer_returns_the_page_with_a_linked_error_summary(
    app, citizen, make_round, invite
):
    round_id = make_round()
    set_required(app, round_id, "kl.meeting.welcoming")
    (required_token,) = invite(round_id)
    citizen.open(f"/s/{required_token}")
    citizen.start()
    entered = {"kl.meeting.respect": "4", "kl.meeting.health": "0", "kl.meeting.contact": "1"}
    response = citizen.post_page(entered)
    assert response.status_code == 422
    page = parsed(response)
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and "Tjek venligst dine svar" in html
    assert html.index('id="error-summary"') < html.index("<h1>") < html.index("<form")
    assert "#q-kl-meeting-welcoming" in page.links
    assert "q-kl-meeting-welcoming" in page.ids  # the link has somewhere to go
    assert "Svar venligst på spørgsmålet." in html
    assert page.checked() == {code: [value] for code, value in entered.items()}
    assert "<title>Fejl: " in html
    assert saved_answers(app) == {}
    # Going back is allowed without the required answer; going on with it works.
    post_ok(citizen, {"kl.meeting.welcoming": "5", **entered}, expect="goals")
    assert saved_answers(app)["kl.meeting.welcoming"] == "5"


def test_text_over_its_limit_returns_the_page_and_keeps_everything(app, started):
    walk_to(started, "overall")
    before = saved_answers(app)
    likert = answers_for(OVERALL_LIKERT, "2")
    too_long = "æ" * 1001
    response = started.post_page({**likert, "kl.overall.comment": too_long})
    assert response.status_code == 422
    page = parsed(response)
    html = response.get_data(as_text=True)
    assert "#q-kl-overall-comment" in page.links
    assert "q-kl-overall-comment" in page.ids
    assert "Svaret er 1001 tegn langt" in html
    assert page.textareas["kl.overall.comment"] == too_long
    assert page.checked() == {code: [value] for code, value in likert.items()}
    assert saved_answers(app) == before  # nothing from the refused page
    just_right = "ø" * 1000
    response = started.post_page({**likert, "kl.overall.comment": just_right}, action="back")
    assert response.status_code == 302
    assert saved_answers(app)["kl.overall.comment"] == just_right


# --- tampered posts ---------------------------------------------------------------------


def _goals_with(**extra):
    return lambda citizen: citizen.post_page(
        {**answers_for(GOALS, "5"), **extra.get("answers", {})},
        page=extra.get("page"),
        action=extra.get("action", "next"),
        csrf=extra.get("csrf"),
        extra=extra.get("fields"),
    )


def _missing_csrf(citizen):
    data = {"page": "goals", "action": "next", **answers_for(GOALS, "5")}
    return citizen.client.post(citizen.location, data=data)


def _csrf_of_another_session(citizen):
    from flask_wtf.csrf import generate_csrf

    with citizen.client.application.test_request_context():
        foreign = generate_csrf()  # well signed, but made for somebody else's session
    assert foreign != citizen.csrf
    return _goals_with(csrf=foreign)(citizen)


def _hidden_page(citizen):
    citizen.location = "/svar/side/local"
    return citizen.post_page(answers_for(LOCAL, "5"), page="local")


def _unknown_page(citizen):
    citizen.location = "/svar/side/nowhere"
    return citizen.post_page({}, page="nowhere")


TAMPERED = {
    "option not offered": (_goals_with(answers={"kl.goals.own": "7"}), False),
    "value out of range": (_goals_with(answers={"kl.goals.own": "-1"}), False),
    "huge number": (_goals_with(answers={"kl.goals.own": "9" * 40}), False),
    "not a number": (_goals_with(answers={"kl.goals.own": "abc"}), False),
    "decimal": (_goals_with(answers={"kl.goals.own": "4.0"}), False),
    "arabic-indic digit": (_goals_with(answers={"kl.goals.own": "٤"}), False),
    "empty value": (_goals_with(answers={"kl.goals.own": ""}), False),
    "two values for one radio": (_goals_with(answers={"kl.goals.own": ["4", "5"]}), False),
    "unknown item code": (_goals_with(fields={"kl.nowhere.at_all": "3"}), False),
    "item of another page": (_goals_with(fields={"kl.meeting.welcoming": "1"}), False),
    "hidden local item": (_goals_with(fields={"odense.internship.purpose": "5"}), False),
    "page field from another page": (_goals_with(page="meeting"), False),
    "unknown action": (_goals_with(action="delete"), False),
    "post to a hidden page": (_hidden_page, False),
    "post to an unknown page": (_unknown_page, False),
    "missing CSRF": (_missing_csrf, True),
    "wrong CSRF": (_goals_with(csrf="not-a-real-token"), True),
    "CSRF of another session": (_csrf_of_another_session, True),
}


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("case", list(TAMPERED))
def test_tampered_post_gets_400_in_the_citizens_language_and_saves_nothing(
    app, started, case, language
):
    if language == "en":
        started.get(started.location + "?lang=en")
    meeting = answers_for(MEETING, "2")
    post_ok(started, meeting, expect="goals")
    started.get()
    before, sheet = saved_answers(app), the_response(app)
    send, is_csrf = TAMPERED[case]
    response = send(started)
    assert response.status_code == 400, response.get_data(as_text=True)
    page = parsed(response)
    assert page.lang == language
    expected = {
        ("da", False): TAMPERED_DA,
        ("en", False): TAMPERED_EN,
        ("da", True): CSRF_DA,
        ("en", True): CSRF_EN,
    }[language, is_csrf]
    assert title_of(response) == expected
    assert saved_answers(app) == before == meeting
    assert the_response(app) == sheet
    assert response_count(app) == 1


def test_yes_no_item_refuses_ved_ikke(app, started):
    walk_to(started, "progression")
    before = saved_answers(app)
    response = started.post_page({"kl.progress.internship": "0"})
    assert response.status_code == 400
    assert saved_answers(app) == before


def test_nul_character_in_free_text_is_refused(app, started):
    walk_to(started, "overall")
    before = saved_answers(app)
    response = started.post_page({"kl.overall.comment": "hej\x00med dig"})
    assert response.status_code == 400
    assert saved_answers(app) == before


# --- double submits and the back button -------------------------------------------------


def test_double_submit_makes_one_response_with_the_same_answers(app, started):
    goals_page = "/svar/side/goals"
    post_ok(started, answers_for(MEETING, "3"), expect="goals")
    data = answers_for(GOALS, "1")
    first = started.post_page(data)
    started.location = goals_page
    second = started.post_page(data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == "/svar/side/conversation"
    assert response_count(app) == 1
    assert saved_answers(app) == {**answers_for(MEETING, "3"), **data}


def test_double_start_makes_one_response(app, citizen, token):
    citizen.open(f"/s/{token}")
    citizen.get("/svar")
    first = citizen.client.post("/svar/start", data={"csrf_token": citizen.csrf})
    second = citizen.client.post("/svar/start", data={"csrf_token": citizen.csrf})
    assert first.headers["Location"] == second.headers["Location"] == "/svar/side/meeting"
    assert response_count(app) == 1


def test_double_submit_of_the_last_page_completes_once(app, started):
    walk_to(started, "overall")
    last = answers_for(OVERALL_LIKERT, "5")
    old_cookie = started.client.get_cookie("borgerblik").value  # as the browser sent it
    assert started.post_page(last).headers["Location"] == "/svar/tak"
    answers = saved_answers(app)
    started.client.set_cookie("borgerblik", old_cookie)
    started.location = "/svar/side/overall"
    again = started.post_page(last)
    assert again.status_code == 302 and again.headers["Location"] == "/svar/tak"
    assert response_count(app) == 1
    assert saved_answers(app) == answers
    assert the_response(app)["completed"] is True


def test_double_submit_of_the_last_page_from_the_open_link_completes_once(
    app, make_round, open_code, new_citizen
):
    visitor = new_citizen()
    visitor.open(f"/o/{open_code(make_round())}")
    visitor.start()
    walk_to(visitor, "overall")
    last = answers_for(OVERALL_LIKERT, "5")
    old_cookie = visitor.client.get_cookie("borgerblik").value
    assert visitor.post_page(last).headers["Location"] == "/svar/tak"
    visitor.client.set_cookie("borgerblik", old_cookie)  # the second click's request
    visitor.location = "/svar/side/overall"
    again = visitor.post_page(last)
    assert again.status_code == 302 and again.headers["Location"] == "/svar/tak"
    assert "Tak for dine svar" in visitor.client.get("/svar/tak").get_data(as_text=True)
    # The landing page no longer offers to start a second sheet.
    assert visitor.client.get("/svar").headers["Location"] == "/svar/tak"
    assert response_count(app) == 1
    assert the_response(app)["completed"] is True


def test_browser_back_after_completion_shows_the_thank_you_page(started):
    finish(started)
    for path in ("/svar/side/meeting", "/svar/side/overall", "/svar"):
        response = started.client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/svar/tak"


# --- the open link (QR poster) ----------------------------------------------------------


def test_each_visitor_of_the_open_link_gets_a_fresh_sheet_kept_in_their_session(
    app, make_round, open_code, new_citizen
):
    code = open_code(make_round())
    first, second = new_citizen(), new_citizen()
    for visitor in (first, second):
        assert visitor.open(f"/o/{code}").headers["Location"] == "/svar"
        landing = visitor.get("/svar").get_data(as_text=True)
        assert "På denne telefon kan du komme tilbage senere" in landing
        visitor.start()
    post_ok(first, answers_for(MEETING, "5"), expect="goals")
    post_ok(second, answers_for(MEETING, "1"), expect="goals")
    assert response_count(app) == 2
    # The first visitor scans the poster again: same sheet, where they left off.
    first.open(f"/o/{code}")
    first.start()
    assert first.page_key == "goals"
    first.location = "/svar/side/meeting"
    assert parsed(first.get()).checked() == {code: ["5"] for code in MEETING}
    assert response_count(app) == 2
    # After sending, the next scan on the same phone says so (issue 11: one sheet per
    # browser; this test used to expect a new sheet at once) and offers someone else a
    # new, empty sheet, which they must ask for.
    finish(first)
    answered = first.open(f"/o/{code}")
    assert answered.status_code == 200
    html = answered.get_data(as_text=True)
    assert "<h1>Du har allerede svaret på denne telefon</h1>" in html
    assert first.client.get("/svar").headers["Location"] == "/svar/tak"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    someone_else = first.client.post(f"/o/{code}/ny", data={"csrf_token": csrf})
    assert someone_else.status_code == 303 and someone_else.headers["Location"] == "/svar"
    assert ">Start</button>" in first.get("/svar").get_data(as_text=True)
    first.start()
    assert first.page_key == "meeting"
    assert parsed(first.get()).checked() == {}
    assert response_count(app) == 3


# --- free text --------------------------------------------------------------------------

FREE_TEXT = (
    "Rødgrød med fløde på Ærø – ÆØÅ æøå.\n"
    "Tak 😀👍🏽 👨‍👩‍👧\n"
    "شكرا لكم على المساعدة\n"
    "<script>alert(1)</script> <img src=x onerror=alert(1)> & \"quotes\" 'too'"
)


def test_free_text_is_stored_exactly_and_shown_escaped(app, started):
    walk_to(started, "overall")
    started.post_page({"kl.overall.comment": FREE_TEXT}, action="back")
    assert saved_answers(app)["kl.overall.comment"] == FREE_TEXT
    started.location = "/svar/side/overall"
    response = started.get()
    html = response.get_data(as_text=True)
    assert parsed(response).textareas["kl.overall.comment"] == FREE_TEXT
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html and "<img src=x" not in html
    assert "شكرا لكم على المساعدة" in html and "👍🏽" in html and "Ærø" in html


def test_windows_line_breaks_are_stored_as_plain_newlines(app, started):
    walk_to(started, "overall")
    started.post_page({"kl.overall.comment": "linje 1\r\nlinje 2"}, action="back")
    assert saved_answers(app)["kl.overall.comment"] == "linje 1\nlinje 2"


# --- conditions -------------------------------------------------------------------------


def test_changing_internship_from_yes_to_no_deletes_the_local_answers(app, started):
    walk_to(started, "local", internship=1)
    post_ok(started, answers_for(LOCAL, "5"), action="back", expect="overall")
    assert {code: saved_answers(app)[code] for code in LOCAL} == answers_for(LOCAL, "5")
    post_ok(started, answers_for(OVERALL_LIKERT, "4"), action="back", expect="progression")
    post_ok(started, {**answers_for(PROGRESSION, "4"), "kl.progress.internship": "2"})
    assert started.page_key == "overall"
    saved = saved_answers(app)
    assert not set(LOCAL) & set(saved)
    assert saved["kl.progress.internship"] == "2"
    html = started.get().get_data(as_text=True)
    assert "Side 5 af 5" in html and ">Send svar</button>" in html
    # The local page is not shown any more, and its answers do not come back with "yes".
    assert started.client.get("/svar/side/local").status_code == 302
    started.location = "/svar/side/progression"
    post_ok(started, {**answers_for(PROGRESSION, "4"), "kl.progress.internship": "1"})
    started.location = "/svar/side/local"
    assert parsed(started.get()).checked() == {}


def test_hidden_page_is_not_served(started):
    response = started.client.get("/svar/side/local")
    assert response.status_code == 302
    assert response.headers["Location"] == "/svar/side/meeting"
