"""Oversized bodies and files, floods of fields, and path traversal in download names.

tests/test_sendlist.py already turns a 10 MB junk send list into a clear message; this
module adds a 2 MB citizen post, a form field over the form memory limit, 100 000 fields,
a send list just over 5 MB and one over the upload limit, and traversal attempts.
"""

from __future__ import annotations

import io

import pytest
from sec_helpers import answer_rows, data_state, response_rows, table_counts
from staff import bank_question
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.invitations.sendlist import MAX_BYTES

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

TOO_LARGE_DA = "Det, du sendte, er for stort"


@pytest.fixture
def on_page(app, make_round, invite, citizen):
    (token,) = invite(make_round())
    citizen.open(f"/s/{token}")
    citizen.start()
    citizen.get()
    assert citizen.page_key == "meeting"
    return citizen


def test_a_2_mb_citizen_post_gets_the_413_page_and_saves_nothing(app, on_page):
    before = (answer_rows(app), response_rows(app))
    big = "x" * (2 * 1024 * 1024)
    for fields in (
        {"kl.meeting.welcoming": "4", "kl.meeting.respect": big},
        {"kl.meeting.welcoming": "4", "junk": big},
    ):
        response = on_page.post_page(fields)
        assert response.status_code == 413
        page = response.get_data(as_text=True)
        assert TOO_LARGE_DA in page and "Traceback" not in page
    assert (answer_rows(app), response_rows(app)) == before
    # The citizen carries on as if nothing happened.
    response = on_page.post_page(
        {f"kl.meeting.{c}": "4" for c in ("welcoming", "respect", "health", "contact")}
    )
    assert response.status_code == 302


def test_one_multipart_field_over_the_form_memory_limit_is_413_and_nothing_is_saved(app, on_page):
    before = answer_rows(app)
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    form = {
        "csrf_token": on_page.csrf,
        "page": "meeting",
        "kl.meeting.welcoming": "4",
        "kl.meeting.respect": "y" * (limit + 10),
    }
    response = on_page.client.post(on_page.location, data=form, content_type="multipart/form-data")
    assert response.status_code == 413
    assert answer_rows(app) == before


def _post_work(app, on_page, fields: int) -> tuple:
    """What the app does for a page post with `fields` stray fields, counted rather than
    timed: its answer, the SQL it runs, the items it reads and the control-character checks
    it makes."""
    from survey.core import cursor_reads, security
    from survey.core.extensions import db
    from survey.responding import answers

    checks, items_read, statements = [0], [0], []
    check, read_item = security.has_control_characters, answers._read_item

    def counting_check(text):
        checks[0] += 1
        return check(text)

    def counting_read(*args):
        items_read[0] += 1
        return read_item(*args)

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    body = "&".join(f"f{n}=1" for n in range(fields))
    body = f"csrf_token={on_page.csrf}&page=meeting&action=next&" + body
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "has_control_characters", counting_check)
        patch.setattr(answers, "_read_item", counting_read)
        cursor_reads.listen(engine, "before_cursor_execute", record)
        try:
            response = on_page.client.post(
                on_page.location, data=body, content_type="application/x-www-form-urlencoded"
            )
        finally:
            cursor_reads.remove(engine, "before_cursor_execute", record)
    return response.status_code, statements, items_read[0], checks[0]


def test_a_flood_of_fields_is_refused_with_no_more_work_than_one_stray_field(app, on_page):
    """100 000 fields get the answer one stray field gets, after the same statements and
    without reading a single item; per field only the control-character check runs (a
    name and a value each). Counted, not timed."""
    before = answer_rows(app)
    one = _post_work(app, on_page, 1)
    flood = _post_work(app, on_page, 100_000)
    assert one[0] == flood[0] == 400
    assert flood[1] == one[1]  # the same SQL, none of it per field
    assert one[2] == flood[2] == 0  # refused at the first unknown field, before any item
    assert flood[3] <= one[3] + 2 * 100_000  # linear: one check per name and per value
    assert answer_rows(app) == before


@pytest.fixture
def admin(people, sign_in):
    return sign_in(people.odense_admin)


def _upload(admin, round_id: int, content: bytes, action: str = "create"):
    # Encoded here, in memory: the test client spools a large body to a temporary file that
    # nothing closes (a ResourceWarning of the test client's, not of the app's).
    boundary, body = encode_multipart(
        {
            "csrf_token": admin.token(),
            "action": action,
            "file": FileStorage(io.BytesIO(content), "liste.csv", content_type="text/csv"),
        }
    )
    return admin.client.post(
        f"/admin/rounds/{round_id}/invitations",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_send_list_just_over_5_mb_gets_a_clear_message(app, admin, make_round):
    round_id = make_round(local=False)
    rows = []
    size = 0
    number = 0
    while size <= MAX_BYTES:
        line = f"ref-{number:08d}\n"
        rows.append(line)
        size += len(line)
        number += 1
    content = ("reference\n" + "".join(rows)).encode()
    assert MAX_BYTES < len(content) < MAX_BYTES + 1024
    counts = table_counts(app)
    response = _upload(admin, round_id, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Filen fylder 5.0 MB. En udsendelsesliste må højst fylde 5 MB." in page
    assert table_counts(app) == counts


def test_a_send_list_beyond_the_upload_limit_gets_the_413_page(app, admin, make_round):
    from survey.web.admin.invitation_views import UPLOAD_LIMIT

    round_id = make_round(local=False)
    counts = table_counts(app)
    response = _upload(admin, round_id, b"reference\n" + b"r\n" * (UPLOAD_LIMIT // 2 + 10))
    assert response.status_code == 413
    assert TOO_LARGE_DA in response.get_data(as_text=True)
    assert table_counts(app) == counts


def test_a_2_mb_staff_post_elsewhere_is_413(app, admin):
    before = data_state(app)
    response = admin.post("/admin/questions/new", {"text_da": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert data_state(app) == before


# --- path traversal -------------------------------------------------------------------------


TRAVERSALS = [
    "/results/report.pdf?round=../../etc/passwd",
    "/results/report.html?round=..%2F..%2Fetc%2Fpasswd",
    "/results/export.csv?round=../../wsgi.py",
    "/results/export.csv?round=1/../../wsgi.py",
    "/admin/rounds/1/qr.svg/../../",
    "/admin/rounds/1/qr.svg/..%2F..%2Fwsgi.py",
    "/admin/rounds/1/qr.png%2F..%2F..%2Fwsgi.py",
    "/admin/rounds/1/qr.../../wsgi.py",
    "/admin/rounds/1/reminders.csv/../../../wsgi.py",
    "/static/../wsgi.py",
    "/static/..%2fwsgi.py",
    "/static/%2e%2e/wsgi.py",
    "/static/%2e%2e%2f%2e%2e%2fwsgi.py",
    "/static/vendor/../../__init__.py",
    "/static/..\\..\\wsgi.py",
    "/static/..%5c..%5cwsgi.py",
    "/static//etc/passwd",  # (Werkzeug merges the slashes with a redirect to /static/etc/passwd)
    "/static/%2Fetc%2Fpasswd",
    "/static/....//....//wsgi.py",
    "/static/app.css%00.py",
    "/svar/side/..%2F..%2Fwsgi.py",
    "/s/..%2F..%2Fwsgi.py",
]
SECRETS = (b"create_app", b"root:", b"SECRET_KEY", b"import ", b"TOKEN_KEY")


def test_traversal_in_download_names_serves_no_file(app, admin, make_round):
    round_id = make_round(local=False)
    for path in TRAVERSALS:
        path = path.replace("/rounds/1/", f"/rounds/{round_id}/")
        response = admin.get(path, follow_redirects=True)
        assert response.status_code in (400, 404), (path, response.status_code)
        body = response.get_data()
        for secret in SECRETS:
            assert secret not in body, (path, secret)
    # The real files are there, so the 404s mean something.
    with admin.get("/static/app.css") as response:
        assert response.status_code == 200
    assert admin.get(f"/admin/rounds/{round_id}/qr.svg").status_code == 200


def test_download_names_are_built_from_numbers_only(app, admin, make_round, invite):
    round_id = make_round(local=False, state="closed", title='../../x"; filename="evil.sh')
    bank_question(app, 461, "Et spørgsmål")
    names = []
    for path in (
        f"/results/report.html?round={round_id}",
        f"/results/export.csv?round={round_id}",
        f"/results/export.codebook?round={round_id}",
        f"/admin/rounds/{round_id}/qr.png",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        response.get_data()  # the CSV export streams: read it to the end
        names.append(response.headers["Content-Disposition"])
    for disposition in names:
        assert disposition.startswith(("attachment; ", "inline; ")), disposition
        filename = disposition.split("filename=", 1)[1].strip('"')
        # Letters and digits of the slugged names, "-" within a part and "_" between parts.
        assert filename.replace("-", "").replace(".", "").replace("_", "").isalnum(), disposition
        assert ".." not in filename and "/" not in filename
