"""Send-list uploads that cannot go wrong quietly (issue 17, point 2): templates, labels as
well as codes, the checked file kept, references repeated across uploads refused unless
confirmed, and a confirmation page with the counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from staff import audit_actions, links_download, logged_in, make_user, text_of

from survey.core.extensions import db
from survey.models import BackgroundValue, Invitation, Municipality, PendingUpload

pytestmark = pytest.mark.usefixtures("links_allowed")


@pytest.fixture
def admin(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "admin2@odense.dk", "admin", 461)
    with app.app_context():
        db.session.add_all(
            [
                BackgroundValue(
                    variable="benefit_group",
                    code="kontanthjaelp",
                    label={"da": "Kontanthjælp", "en": "Cash benefit"},
                ),
                BackgroundValue(
                    variable="benefit_group", code="dagpenge", label={"da": "Dagpenge"}
                ),
                BackgroundValue(
                    variable="benefit_group",
                    code="uddannelseshjaelp",
                    label={"da": "Uddannelseshjælp"},
                    active=False,
                    replaced_by="kontanthjaelp",
                ),
            ]
        )
        db.session.commit()
    return logged_in(app, "admin@odense.dk")


def post(admin, round_id, action, content=None, **fields):
    data = {"action": action, **fields}
    if content is not None:
        data["file"] = (io.BytesIO(content), "liste.csv", "text/csv")
    return admin.post(
        f"/admin/rounds/{round_id}/invitations", data, content_type="multipart/form-data"
    )


def kept_id(page: str) -> str:
    return page.split('name="upload" value="', 1)[1].split('"', 1)[0]


def invitation_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def test_labels_are_accepted_case_and_accent_insensitively(app, admin, make_round):
    round_id = make_round(local=False)
    content = (
        "reference;benefit_group\nr1;kontanthjælp\nr2;KONTANTHJAELP\nr3;Cash benefit\n"
        "r4;dagpenge\nr5;uddannelseshjælp\n"
    ).encode()
    response = post(admin, round_id, "create", content)
    rows = list(csv.DictReader(io.StringIO(links_download(response)[0][1:]), delimiter=";"))
    assert [row["benefit_group"] for row in rows] == ["kontanthjaelp"] * 3 + [
        "dagpenge",
        "kontanthjaelp",  # the retired value's label does not count, but its code maps on
    ]


def test_an_unknown_label_is_refused_naming_the_known_codes(app, admin, make_round):
    round_id = make_round(local=False)
    response = post(admin, round_id, "create", b"reference;benefit_group\nr1;Pension\n")
    assert response.status_code == 400
    assert 'ukendt værdi "Pension"' in text_of(response.get_data(as_text=True))
    assert invitation_count(app) == 0


def test_the_checked_file_is_kept_for_the_create_step(app, admin, make_round):
    round_id = make_round(local=False)
    checked = post(admin, round_id, "check", b"reference\nOdense-Reference-0001\nr2\n")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Filen er i orden" in page
    upload_id = kept_id(page)
    with app.app_context():  # kept encrypted: the references are not readable in the table
        sealed = db.session.get(PendingUpload, upload_id).sealed
    assert "Odense-Reference-0001" not in sealed  # (a short marker could occur in base64)
    # Another administrator cannot use it.
    other = logged_in(app, "admin2@odense.dk")
    stolen = post(other, round_id, "create", upload=upload_id)
    assert stolen.status_code == 400 and invitation_count(app) == 0
    created = post(admin, round_id, "create", upload=upload_id)
    text = text_of(created.get_data(as_text=True))
    assert "2 links blev oprettet" in text and "Nummer 1 til 2" in text
    assert links_download(created)[1] == f"links-round-{round_id}-1-2.csv"
    with app.app_context():  # used once, then gone
        assert db.session.get(PendingUpload, upload_id) is None
    assert invitation_count(app) == 2


def test_a_second_upload_of_the_same_references_needs_confirmation(app, admin, make_round):
    round_id = make_round(local=False)
    content = b"reference\nr1\nr2\nr3\n"
    post(admin, round_id, "create", content)
    assert invitation_count(app) == 3
    again = post(admin, round_id, "create", content)
    page = again.get_data(as_text=True)
    assert "3 referencer har allerede et link" in text_of(page)
    assert invitation_count(app) == 3  # refused: the same people do not get twelve links
    confirmed = post(admin, round_id, "create", upload=kept_id(page), confirm_repeats="y")
    assert "3 links blev oprettet" in text_of(confirmed.get_data(as_text=True))
    assert invitation_count(app) == 6
    assert "invitations.repeats_confirmed" in audit_actions(app)
    # A new reference alone goes through without a question.
    fresh = post(admin, round_id, "create", b"reference\nr4\n")
    assert "1 link blev oprettet" in text_of(fresh.get_data(as_text=True))


def test_references_are_compared_within_the_round_only(app, admin, make_round):
    first, second = make_round(local=False), make_round(local=False, title="Anden")
    post(admin, first, "create", b"reference\nr1\n")
    response = post(admin, second, "create", b"reference\nr1\n")
    assert "1 link blev oprettet" in text_of(response.get_data(as_text=True))


def test_templates_list_the_columns_and_the_allowed_values(app, admin):
    csv_file = admin.get("/admin/send-list-template.csv")
    assert csv_file.mimetype == "text/csv"
    assert csv_file.get_data(as_text=True).lstrip("\ufeff").startswith("reference;mobile;email")
    workbook = load_workbook(io.BytesIO(admin.get("/admin/send-list-template.xlsx").get_data()))
    assert [cell.value for cell in workbook.worksheets[0][1]][:3] == [
        "reference",
        "mobile",
        "email",
    ]
    values = {tuple(row[:3]) for row in workbook.worksheets[1].iter_rows(values_only=True)}
    assert ("benefit_group", "kontanthjaelp", "Kontanthjælp") in values
    assert not any(row[1] == "uddannelseshjaelp" for row in values)  # retired: not offered


def test_one_problem_is_named_in_the_singular(app, admin, make_round):
    """The send page said "Ret disse 1 fejl"."""
    round_id = make_round(local=False)
    response = admin.post(
        f"/admin/rounds/{round_id}/send",
        {"file": (io.BytesIO(b"reference;mobile\nr1;123\n"), "l.csv"), "action": "preview"},
        content_type="multipart/form-data",
    )
    page = text_of(response.get_data(as_text=True))
    assert "Der er 1 fejl. Ret den, og upload filen igen:" in page
    assert "Ret disse 1" not in page
    links = post(admin, round_id, "check", b"reference\n=1\n=2\n")
    assert "Der er 2 fejl: ret dem" in text_of(links.get_data(as_text=True))


def test_the_send_page_keeps_the_file_and_asks_before_inviting_again(app, admin, make_round):
    round_id = make_round(local=False)
    content = b"reference;mobile\nr1;20123456\nr2;20123457\n"

    def send_page(action, content=None, **fields):
        data = {"action": action, **fields}
        if content is not None:
            data["file"] = (io.BytesIO(content), "l.csv")
        return admin.post(
            f"/admin/rounds/{round_id}/send", data, content_type="multipart/form-data"
        )

    checked = send_page("check", content)
    assert checked.status_code == 200
    sent = send_page("send", upload=kept_id(checked.get_data(as_text=True)))
    assert sent.status_code == 302 and invitation_count(app) == 2
    again = send_page("send", content)
    assert "2 referencer har allerede et link" in text_of(again.get_data(as_text=True))
    assert invitation_count(app) == 2
    confirmed = send_page("send", upload=kept_id(again.get_data(as_text=True)), confirm_repeats="y")
    assert confirmed.status_code == 302 and invitation_count(app) == 4


def test_the_command_line_refuses_repeated_references_too(app, cli, make_round, tmp_path):
    round_id = make_round(local=False)
    with app.app_context():
        db.session.execute(
            update(Municipality).where(Municipality.code == 461).values(may_download_links=True)
        )
        db.session.commit()
    path = tmp_path / "liste.csv"
    path.write_text("reference\nr1\n")
    cli("round", "invite", str(round_id), "--send-list", str(path), "--output", str(tmp_path / "a"))
    refused = cli(
        "round",
        "invite",
        str(round_id),
        "--send-list",
        str(path),
        "--output",
        str(tmp_path / "b"),
        ok=False,
    )
    assert refused.exit_code == 1 and "--repeat-references" in refused.output
    assert invitation_count(app) == 1
    cli(
        "round",
        "invite",
        str(round_id),
        "--send-list",
        str(path),
        "--repeat-references",
        "--output",
        str(tmp_path / "c"),
    )
    assert invitation_count(app) == 2


def test_each_message_preview_is_marked_with_its_own_language(app, admin, make_round):
    """The English invitation's preview on a Danish page had no lang: a screen reader read it
    with Danish pronunciation (WCAG 3.1.2). Each preview now names its language and direction."""
    round_id = make_round(local=False)
    page = admin.get(f"/admin/rounds/{round_id}/send").get_data(as_text=True)
    previews = re.findall(r'<span class="message-preview"([^>]*)>', page)
    marked = [re.fullmatch(r' lang="([a-z]+)" dir="(ltr|rtl)"', attrs) for attrs in previews]
    assert previews and all(marked), previews
    languages = {match.group(1) for match in marked if match}
    assert {"da", "en"} <= languages
