"""Issue 11's smaller holes, each replayed: CPR numbers in disguise, a quadratic header,
mathtext in staff text, a one-time password that opened the results, a delimiter the other
Excel splits on, links that followed the Host header, a cross-site link that wrote audit
events, and an administrator learning of accounts in another municipality."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import func, select

from survey.core.config import ConfigError, load_config
from survey.core.extensions import db
from survey.ingest.cpr import contains_cpr, mask_cpr
from survey.invitations.sendlist import parse_send_list
from survey.models import Answer, AuditEvent, Response, Round, User

DISGUISED = [
    "0101901234",
    "010190-1234",
    "010190_1234",
    "010190.1234",
    "010190/1234",
    "cpr:0101901234",
    "01-01-90-1234",
    "01 01 90 1234",
    "x-3112991234-y",
]


@pytest.mark.parametrize("cpr", DISGUISED)
def test_cpr_numbers_in_disguise_are_recognised(cpr):
    assert contains_cpr(cpr)
    assert "1234" not in mask_cpr(f"Mit CPR er {cpr}, ring til mig")


@pytest.mark.parametrize("text", ["4520123456", "20123456", "3201901234", "0113901234", "A-101"])
def test_numbers_that_are_not_cpr_pass(text):
    # Not a day 01-31 and a month 01-12 first, or not ten digits: phone numbers, references.
    assert not contains_cpr(text)


@pytest.mark.parametrize("column", ["reference", "department", "benefit_group", "age_band"])
@pytest.mark.parametrize("cpr", ["010190_1234", "cpr:0101901234", "01-01-90-1234"])
def test_a_cpr_number_is_refused_in_every_send_list_column(app, column, cpr):
    columns = ["reference", "department"] if column == "reference" else ["reference", column]
    cells = [cpr if name == column else "r-1" for name in columns]
    data = (";".join(columns) + "\n" + ";".join(cells) + "\n").encode()
    with app.test_request_context():
        checked = parse_send_list(data)
    assert not checked.ok
    assert any("cpr" in error.lower() for error in checked.errors), checked.errors
    assert all(cpr not in error for error in checked.errors)  # the number is not echoed


def test_a_cpr_number_is_refused_in_every_import_column(app):
    from questionnaires import find_questionnaire
    from survey.ingest.importer import ImportError_, import_round
    from survey.models import Municipality

    data = (
        "kl.meeting.respect;kl.overall.comment;department\n"
        "4;Ring på 010190-1234;nord\n"
        "5;fint;cpr:0101901234\n"
    ).encode()
    with app.test_request_context():
        with pytest.raises(ImportError_) as refused:
            import_round(
                db.session.get(Municipality, 461),
                "Import",
                find_questionnaire("kl-beskaeftigelse", 1),
                data,
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0
    problems = refused.value.problems
    assert any(p.startswith("row 2, column kl.overall.comment") and "CPR" in p for p in problems)
    assert any(p.startswith("row 3, column department") and "CPR" in p for p in problems)


def test_a_header_of_many_columns_is_read_in_linear_time(app):
    """0.5 MB of header held a worker for 218 s (a count per column); now it is answered."""
    header = ";".join(f"x{n}" for n in range(60_000)) + ";x1\nr\n"

    def too_slow(*_args):
        raise TimeoutError("the header was parsed in quadratic time")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)  # a watchdog against a hang, not a speed measurement
    try:
        with app.test_request_context():
            checked = parse_send_list(header.encode())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert any("x1" in error for error in checked.errors)


def test_mathtext_in_staff_text_is_printed_as_written(app, sign_in, people, make_round):
    round_id = make_round(title="Runde $x^2$ og $\\alpha$", state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        snapshot = dict(survey_round.snapshot)
        pages = [dict(page) for page in snapshot["pages"]]
        pages[0]["title"] = {"da": "Mødet $\\frac{1}{0}$", "en": "Meeting $\\x$"}
        # the theme's title (declared in the file, frozen with the round) heads its section
        themes = [dict(theme) for theme in snapshot["themes"]]
        themes[0]["title"] = dict(pages[0]["title"])
        snapshot["themes"] = themes
        # The chart labels are the items' texts: one that mathtext cannot parse.
        items = [dict(item) for item in pages[0]["items"]]
        for item in items:
            if item["code"] == "kl.meeting.respect":
                item["text"] = {"da": "Jeg blev mødt med $\\udefineret{respekt}$", "en": "$\\x$"}
        pages[0]["items"] = items
        snapshot["pages"] = pages
        survey_round.snapshot = snapshot
        db.session.commit()
    _answers(app, round_id, 6)
    analyst = sign_in(people.odense_analyst)
    page = analyst.get(f"/results/?round={round_id}")
    assert page.status_code == 200
    assert "$\\frac{1}{0}$" in page.get_data(as_text=True)
    assert "$\\udefineret{respekt}$" in page.get_data(as_text=True)
    for fmt in ("html", "pdf", "xlsx", "docx"):
        assert analyst.get(f"/results/report.{fmt}?round={round_id}").status_code == 200, fmt


def test_a_one_time_password_opens_nothing_but_the_password_page(app, sign_in, people, make_round):
    round_id = make_round()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == people.odense_analyst))
        user.must_change_password = True
        db.session.commit()
    analyst = sign_in(people.odense_analyst)
    for path in (
        "/results/",
        f"/results/?round={round_id}",
        f"/results/report.html?round={round_id}",
        "/admin/rounds",
        "/admin/questions",
    ):
        response = analyst.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/password"), path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_either_delimiter_in_a_cell_is_quoted_in_every_csv(app, sign_in, people, make_round):
    round_id = make_round(state="closed")
    _answers(app, round_id, 5, comment='Godt;=1+1,"=2+2"')
    analyst = sign_in(people.odense_analyst)
    for query in ("", "&sep=semicolon"):
        body = analyst.get(f"/results/export.csv?round={round_id}{query}").get_data(as_text=True)
        assert '"Godt;=1+1,""=2+2"""' in body, query
        # No delimiter of either kind stands unquoted before a formula sign.
        for line in body.splitlines()[1:]:
            outside = line.split('"')[::2]
            assert not any(sep + "=" in part for part in outside for sep in ";,"), line


def test_links_never_follow_the_host_header_outside_demo_mode(monkeypatch, tmp_path):
    for name in ("PUBLIC_BASE_URL", "BORGERBLIK_DEMO", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    keys = {"SECRET_KEY": "s" * 32, "TOKEN_KEY": "t" * 32, "CONTACT_KEY": "c" * 32}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(str(tmp_path), keys)
    config = load_config(str(tmp_path), {**keys, "PUBLIC_BASE_URL": "https://svar.example/"})
    assert config["PUBLIC_BASE_URL"] == "https://svar.example"


def test_a_cross_site_link_cannot_make_a_download_write_the_audit_trail(
    app, sign_in, people, make_round
):
    round_id = make_round(state="closed")
    _answers(app, round_id, 5)
    analyst = sign_in(people.odense_analyst)
    for path in (f"/results/report.html?round={round_id}", f"/results/export.csv?round={round_id}"):
        response = analyst.get(path, headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403, path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    same_site = analyst.get(
        f"/results/report.html?round={round_id}", headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same_site.status_code == 200


def test_creating_a_user_does_not_reveal_accounts_in_other_municipalities(sign_in, people):
    admin = sign_in(people.odense_admin)
    answers = {}
    for email in (people.rodovre_admin, people.operator, people.odense_analyst):
        page = admin.post("/admin/users", {"email": email, "role": "analyst"})
        assert page.status_code == 400
        answers[email] = page.get_data(as_text=True)
    elsewhere = "Denne e-mailadresse kan ikke få en konto her. Spørg jeres driftsansvarlige."
    assert elsewhere in answers[people.rodovre_admin]
    assert elsewhere in answers[people.operator]
    assert "findes allerede" not in answers[people.rodovre_admin]
    assert "findes allerede" in answers[people.odense_analyst]  # their own staff: they see it


def _answers(app, round_id: int, count: int, comment: str | None = None) -> None:
    from survey.models.base import random_id, today

    with app.app_context():
        for _ in range(count):
            response = Response(
                id=random_id(),
                round_id=round_id,
                channel="open",
                ui_language="da",
                completed=True,
                started_on=today(),
                completed_on=today(),
            )
            db.session.add(response)
            db.session.flush()
            db.session.add(
                Answer(response_id=response.id, item_code="kl.meeting.respect", value="4")
            )
            if comment:
                db.session.add(
                    Answer(response_id=response.id, item_code="kl.overall.comment", value=comment)
                )
        db.session.commit()
