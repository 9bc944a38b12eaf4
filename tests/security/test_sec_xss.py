"""Stored XSS through every text staff or citizens can enter, entered through the forms.

Payloads: <script>, an attribute break-out with <img onerror> and a javascript: URL, in
one text. Every page that shows the text must show it whole, as text, with nothing a
browser would run (no script element, no event handler attribute, no script URL); the
spreadsheets and the Word report must hold it as plain text.

tests/test_question_bank.py already shows question texts (da/en) as text in the bank,
the editor, the round page, the preview frames and the citizen's page. This module adds
help texts, options, round titles, the sender name, background value labels, e-mail
addresses, send list cells, the citizen's free text, and the results page, charts, report
(HTML, XLSX, DOCX) and exports.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sec_helpers import (
    HOSTILE,
    IMG,
    JS_URL,
    SCRIPT,
    assert_inert,
    assert_shown_inert,
    id_from_location,
    quote_every_comment,
    shows_text,
    walk,
)
from sqlalchemy import select
from staff import Staff

from survey.core.extensions import db
from survey.models import LocalQuestion

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

TITLE = "Runde " + HOSTILE
QUESTION_DA = "Spørgsmål " + HOSTILE
QUESTION_EN = "Question " + HOSTILE
HELP_DA = "Hjælp " + HOSTILE
HELP_EN = "Help " + HOSTILE
OPTIONS_DA = ["Ja " + SCRIPT, "Nej " + IMG, "Måske " + JS_URL]
OPTIONS_EN = ["Yes " + SCRIPT, "No " + IMG, "Maybe " + JS_URL]
SENDER = "Jobcenter " + HOSTILE
LABEL_DA = "Kontant " + HOSTILE
COMMENT = "Kommentar " + HOSTILE
EMAIL = SCRIPT + "@evil.dk"
LOGIN_EMAIL = '"><img/src=x/onerror=alert(1)>@evil.dk'


@pytest.fixture
def hostile(app, people, sign_in):
    """An Odense round whose every staff-entered text carries the payloads, opened."""
    operator = sign_in(people.operator)
    response = operator.post(
        "/admin/background-values",
        {
            "variable": "benefit_group",
            "code": "kontant",
            "label_da": LABEL_DA,
            "label_en": LABEL_DA,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    admin = sign_in(people.odense_admin)
    response = admin.post(
        "/admin/municipality",
        {"service_name": SENDER, "accessibility_url": 'https://was.example/"><script>x</script>'},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = admin.post(
        "/admin/questions/new",
        {
            "text_da": QUESTION_DA,
            "text_en": QUESTION_EN,
            "help_da": HELP_DA,
            "help_en": HELP_EN,
            "type": "single",
            "options_da": "\n".join(OPTIONS_DA),
            "options_en": "\n".join(OPTIONS_EN),
            "condition": "",
            "action": "save",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        question_id = db.session.scalar(select(LocalQuestion.id).order_by(LocalQuestion.id.desc()))
    # English typed in the editor is a draft: reviewed, so the round offers it.
    response = admin.post(
        "/admin/translations/bank/review", {"question_id": question_id, "language": "en"}
    )
    assert response.status_code == 302
    response = admin.post(
        "/admin/rounds/new",
        {"title": TITLE, "questionnaire": "kl-beskaeftigelse:1", "languages": "en"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    round_id = id_from_location(response)
    response = admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": question_id, "placement": "meeting"}
    )
    assert response.status_code == 302
    assert admin.post(f"/admin/rounds/{round_id}/open", {"understood": "y"}).status_code == 302
    return {"admin": admin, "operator": operator, "round_id": round_id, "question_id": question_id}


def test_staff_texts_are_shown_as_text_on_every_staff_page(app, hostile):
    admin, operator, round_id = hostile["admin"], hostile["operator"], hostile["round_id"]
    question_texts = (QUESTION_DA, HELP_DA, *OPTIONS_DA)
    pages = {
        "rounds": ("/admin/rounds", (TITLE,)),
        "round": (f"/admin/rounds/{round_id}", (TITLE, QUESTION_DA)),
        "question bank": ("/admin/questions", (QUESTION_DA,)),
        "translations": ("/admin/translations", (QUESTION_DA,)),
        "editor": (f"/admin/questions/{hostile['question_id']}/edit", question_texts),
        "settings": ("/admin/municipality", (SENDER,)),
        "audit": ("/admin/audit", (TITLE,)),
        "preview da": (f"/admin/rounds/{round_id}/preview?page=meeting", (TITLE,)),
        "frame da": (f"/admin/rounds/{round_id}/preview/meeting/frame", question_texts),
        "frame en": (
            f"/admin/rounds/{round_id}/preview/meeting/frame?preview_lang=en",
            (QUESTION_EN, HELP_EN, *OPTIONS_EN),
        ),
    }
    for where, (path, texts) in pages.items():
        response = admin.get(path)
        assert response.status_code == 200, (where, response.status_code)
        assert_shown_inert(response.get_data(as_text=True), where, *texts)
    # The results picker lists closed rounds (results exist once a round has closed).
    assert admin.post(f"/admin/rounds/{round_id}/close", {"understood": "y"}).status_code == 302
    picker = admin.get("/results/")
    assert picker.status_code == 200
    assert_shown_inert(picker.get_data(as_text=True), "results picker", TITLE)
    page = operator.get("/admin/background-values").get_data(as_text=True)
    assert_shown_inert(page, "background values", LABEL_DA)


def test_a_script_url_is_not_accepted_as_the_accessibility_statement(app, hostile):
    for url in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>x</script>"):
        response = hostile["admin"].post("/admin/municipality", {"accessibility_url": url})
        assert response.status_code == 400, url
        assert_inert(response.get_data(as_text=True), url)
    # The statement page links the https address, its quote escaped inside the attribute.
    page = hostile["admin"].get("/tilgaengelighed").get_data(as_text=True)
    assert_inert(page, "accessibility page")


def test_e_mail_addresses_with_markup_are_text_in_users_audit_and_login(app, people, hostile):
    admin, operator = hostile["admin"], hostile["operator"]
    response = admin.post("/admin/users", {"email": EMAIL, "role": "analyst"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_shown_inert(response.get_data(as_text=True), "user created", EMAIL)
    assert_shown_inert(admin.get("/admin/users").get_data(as_text=True), "users", EMAIL)
    failed = Staff(app).login(LOGIN_EMAIL, "forkert kodeord her")
    assert failed.status_code == 401
    assert_shown_inert(failed.get_data(as_text=True), "login form", LOGIN_EMAIL)
    trail = operator.get("/admin/audit").get_data(as_text=True)
    assert_shown_inert(trail, "operator audit", EMAIL, LOGIN_EMAIL.lower())


def test_send_list_cells_with_markup_are_text_in_the_error_list(app, hostile):
    admin, round_id = hostile["admin"], hostile["round_id"]
    files = {
        "column name": f"reference,{SCRIPT}\nr1,x\n",
        "value": f"reference;benefit_group\nr1;{SCRIPT}\n",
        "reference": f'reference\n{IMG}\n"{SCRIPT}"\n',
    }
    for where, content in files.items():
        response = admin.post(
            f"/admin/rounds/{round_id}/invitations",
            {"file": (io.BytesIO(content.encode()), "liste.csv", "text/csv"), "action": "check"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, where
        page = response.get_data(as_text=True)
        assert_inert(page, where)
        if where != "reference":
            assert shows_text(page, SCRIPT), where


def _xlsx_strings(body: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(body))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    values.append(cell.value)
    return values


def _docx_texts(body: bytes) -> list[str]:
    document = Document(io.BytesIO(body))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode()
    assert "<script" not in xml and "<img" not in xml
    return texts


def test_citizen_and_staff_texts_are_text_for_citizens_results_reports_and_exports(
    app, hostile, new_citizen, invite, people, sign_in
):
    admin, round_id = hostile["admin"], hostile["round_id"]
    # Invitations as Borgerblik issues them (a round whose links were handed out to staff
    # is never split, and this test shows the split page too).
    tokens = invite(round_id, 6, benefit_group="kontant")
    assert len(tokens) == 6
    for number, token in enumerate(tokens):
        citizen = new_citizen()
        assert citizen.open(f"/s/{token}").status_code == 303
        landing = citizen.get("/svar").get_data(as_text=True)
        citizen.start()
        if number == 0:
            assert_shown_inert(landing, "landing", SENDER)
            # The accessibility page links the municipality's statement (an https address
            # with a quote and markup in it), escaped inside the attribute.
            statement = citizen.client.get("/tilgaengelighed").get_data(as_text=True)
            assert_shown_inert(statement, "accessibility page", "https://was.example/")
            page = citizen.get().get_data(as_text=True)
            assert_shown_inert(page, "citizen page da", QUESTION_DA, HELP_DA, *OPTIONS_DA, SENDER)
            page = citizen.get(citizen.location + "?lang=en").get_data(as_text=True)
            assert_shown_inert(page, "citizen page en", QUESTION_EN, HELP_EN, *OPTIONS_EN)
        pages = walk(citizen, comment=COMMENT)
        for page in pages:
            assert_inert(page, "citizen journey")
        if number == 0:
            assert_shown_inert(pages[-1], "thanks", SENDER)
    # A comment over the limit comes back in its text area, as text.
    citizen = new_citizen()
    citizen.open(f"/o/{_open_code(app, round_id)}")
    citizen.start()
    while citizen.page_key != "overall":
        assert citizen.post_page({}).status_code == 302
    response = citizen.post_page({"kl.overall.comment": COMMENT * 20})
    assert response.status_code == 422
    assert_shown_inert(response.get_data(as_text=True), "422 page", COMMENT)

    assert admin.post(f"/admin/rounds/{round_id}/close", {"understood": "y"}).status_code == 302
    for path in (f"/results/?round={round_id}", f"/results/?round={round_id}&by=benefit_group"):
        page = admin.get(path).get_data(as_text=True)
        assert_shown_inert(page, path, TITLE, QUESTION_DA)
    reflected = admin.get(f"/results/?round={round_id}&x={IMG}").get_data(as_text=True)
    assert_inert(reflected, "reflected query")

    quote_every_comment(app, round_id)  # an analyst chose them: reports quote only those
    report = admin.get(f"/results/report.html?round={round_id}&free_text=1")
    assert report.status_code == 200
    assert "script-src" not in report.headers["Content-Security-Policy"]
    assert_shown_inert(report.get_data(as_text=True), "report", TITLE, QUESTION_DA, COMMENT)
    for option in OPTIONS_DA:
        assert shows_text(report.get_data(as_text=True), option)

    cells = _xlsx_strings(admin.get(f"/results/report.xlsx?round={round_id}&free_text=1").data)
    for text in (TITLE, QUESTION_DA, COMMENT, *OPTIONS_DA):
        assert text in cells, text
    texts = _docx_texts(admin.get(f"/results/report.docx?round={round_id}&free_text=1").data)
    for text in (TITLE, QUESTION_DA, COMMENT, *OPTIONS_DA):
        assert any(text in t for t in texts), text

    # Raw comments in exports are the analyst's (an administrator's leave free text out).
    analyst = sign_in(people.odense_analyst)
    exported = analyst.get(f"/results/export.csv?round={round_id}").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(exported))).count != 0
    assert sum(row.count(COMMENT) for row in csv.reader(io.StringIO(exported))) == 6
    cells = _xlsx_strings(analyst.get(f"/results/export.xlsx?round={round_id}").data)
    assert cells.count(COMMENT) == 6 and QUESTION_DA in cells
    codebook = admin.get(f"/results/export.codebook?round={round_id}").get_data(as_text=True)
    assert QUESTION_DA in [cell for row in csv.reader(io.StringIO(codebook)) for cell in row]


def _open_code(app, round_id: int) -> str:
    from survey.models import Round

    with app.app_context():
        return db.session.get(Round, round_id).open_code
