"""Send lists through the invitations page: links once, hashes kept, every bad row listed."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import segno
from PIL import Image
from sqlalchemy import select
from staff import answer_all, audit_actions, links_download, logged_in, make_user
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.core.extensions import db
from survey.invitations.issuing import open_link
from survey.invitations.response_rate import response_rate
from survey.invitations.tokens import invitation_hash
from survey.models import AuditEvent, BackgroundValue, Invitation, Round

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

BOM = "\ufeff"
HEADER = [
    "number",
    "reference",
    "link",
    "benefit_group",
    "age_band",
    "gender",
    "language",
    "department",
]
VALUES = {
    "benefit_group": ["kontanthjaelp", "dagpenge", "sygedagpenge", "uddannelseshjaelp"],
    "age_band": ["18-29", "30-49", "50+"],
}


@pytest.fixture
def admin(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    with app.app_context():
        for variable, codes in VALUES.items():
            for code in codes:
                db.session.add(BackgroundValue(variable=variable, code=code, label={"da": code}))
        db.session.commit()
    return logged_in(app, "admin@odense.dk")


def upload(admin, round_id: int, content: bytes, action: str = "create", name: str = "liste.csv"):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": admin.token(),
            "action": action,
            "file": FileStorage(io.BytesIO(content), filename=name, content_type="text/csv"),
        }
    )
    return admin.client.post(
        f"/admin/rounds/{round_id}/invitations",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def invitations(app) -> list[Invitation]:
    with app.app_context():
        found = db.session.scalars(select(Invitation).order_by(Invitation.number)).all()
        db.session.expunge_all()
        return found


def errors(response) -> list[str]:
    page = response.get_data(as_text=True)
    box = page.split('id="sendlist-errors"')[1].split("</ul>")[0]
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", box, re.S)]


def rejected(app, admin, round_id: int, content: bytes) -> list[str]:
    """Upload `content` to create links; it must be refused with nothing imported."""
    response = upload(admin, round_id, content)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    assert "Filen blev ikke indlæst" in response.get_data(as_text=True)
    assert invitations(app) == []
    assert "invitations.create" not in audit_actions(app)
    return errors(response)


def read_links(response) -> list[dict]:
    body = links_download(response)[0]
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_a_clean_file_gives_links_once_and_keeps_only_hashes(
    app, admin, make_round, client, delimiter
):
    round_id = make_round(local=False)
    lines = [
        ["reference", "benefit_group", "age_band", "department"],
        ["A-1", "kontanthjaelp", "18-29", "vest"],
        ["A-2", "Dagpenge", "", ""],
        ["A-3", "", "50+", "oest"],
    ]
    content = (BOM + "\r\n".join(delimiter.join(row) for row in lines) + "\r\n").encode()
    checked = upload(admin, round_id, content, action="check")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    assert "Filen er i orden" in checked.get_data(as_text=True)
    assert invitations(app) == []

    response = upload(admin, round_id, content)
    assert "3 links blev oprettet" in response.get_data(as_text=True)  # the confirmation
    assert links_download(response)[1] == f"links-round-{round_id}-1-3.csv"
    rows = read_links(response)
    assert [(r["number"], r["reference"]) for r in rows] == [
        ("1", "A-1"),
        ("2", "A-2"),
        ("3", "A-3"),
    ]
    assert [(r["benefit_group"], r["age_band"], r["department"]) for r in rows] == [
        ("kontanthjaelp", "18-29", "vest"),
        ("dagpenge", "", ""),
        ("", "50+", "oest"),
    ]
    tokens = []
    for row in rows:
        link = urlsplit(row["link"])
        assert (link.scheme, link.netloc) == ("http", "localhost")
        assert link.path.startswith("/s/")
        tokens.append(link.path.removeprefix("/s/"))
    assert len(set(tokens)) == 3 and all(len(t) >= 27 for t in tokens)

    stored = invitations(app)
    with app.app_context():
        assert [i.token_hash for i in stored] == [invitation_hash(t) for t in tokens]
    assert [(i.benefit_group, i.age_band, i.department) for i in stored] == [
        ("kontanthjaelp", "18-29", "vest"),
        ("dagpenge", None, None),
        (None, "50+", "oest"),
    ]
    with app.app_context():
        dump = "\n".join(
            str(row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
        )
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "invitations.create")
        )
        assert (event.details, event.municipality_code) == ({"count": 3}, 461)
    assert not any(token in dump for token in tokens)
    assert "A-1" not in dump  # the reference is handed back, never stored

    for token in tokens:
        citizen = app.test_client()
        entered = citizen.get(f"/s/{token}")
        assert (entered.status_code, entered.headers["Location"]) == (303, "/svar")
        assert citizen.get("/svar").status_code == 200
    # A second file continues the numbering.
    more = upload(admin, round_id, b"reference\nB-1\n")
    assert [r["number"] for r in read_links(more)] == ["4"]


def test_formula_cells_are_refused_row_by_row(app, admin, make_round):
    round_id = make_round(local=False)
    content = (
        b"reference;department\n"
        b"=1+1;vest\n"
        b"A-2;+4512345678\n"
        b"A-3;-2\n"
        b"@SUM(A1);vest\n"
        b'A-5;=HYPERLINK("http://evil.example")\n'
        b"A-6;vest\n"
    )
    found = rejected(app, admin, round_id, content)
    tail = ": en celle må ikke begynde med =, +, - eller @ (en regnearksformel)."
    assert found == [
        "Række 2, kolonne reference" + tail,
        "Række 3, kolonne department" + tail,
        "Række 4, kolonne department" + tail,
        "Række 5, kolonne reference" + tail,
        "Række 6, kolonne department" + tail,
    ]


def test_latin_1_gets_a_clear_message(app, admin, make_round):
    content = "reference;department\nA-1;Århus Øst\n".encode("latin-1")
    assert rejected(app, admin, make_round(local=False), content) == [
        'Filen er ikke UTF-8-tekst. Gem den i Excel som "CSV UTF-8 (kommasepareret)".'
    ]


def test_ten_megabytes_of_junk_is_too_large_and_harmless(app, admin, make_round):
    round_id = make_round(local=False)
    junk = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    assert rejected(app, admin, round_id, junk) == [
        "Filen fylder 10.0 MB. En udsendelsesliste må højst fylde 5 MB."
    ]
    # Far beyond any send list: refused before it is read, with a plain page.
    huge = upload(admin, round_id, b"x" * (16 * 1024 * 1024))
    assert huge.status_code == 413
    assert "Det, du sendte, er for stort" in huge.get_data(as_text=True)
    assert invitations(app) == []


def test_duplicates_missing_and_unknown_columns_and_values(app, admin, make_round):
    round_id = make_round(local=False)
    assert rejected(app, admin, round_id, b"reference\nA-1\nA-2\nA-1\nA-2\n") == [
        "Række 4, kolonne reference: referencen A-1 står også i række 2.",
        "Række 5, kolonne reference: referencen A-2 står også i række 3.",
    ]
    assert rejected(app, admin, round_id, b"benefit_group\nkontanthjaelp\n") == [
        'Kolonnen "reference" mangler (jeres eget id for hver række, ikke et cpr-nummer).'
    ]
    found = rejected(app, admin, round_id, b"reference;cpr;name\nA-1;x;y\n")
    assert found == [
        "Ukendte kolonner: cpr, name. Tilladte kolonner: reference, mobile, email, benefit_group, age_band, "
        "gender, language, department."
    ]
    found = rejected(
        app,
        admin,
        round_id,
        b"reference;benefit_group;age_band\nA-1;flexjob;18-29\nA-2;dagpenge;90+\n",
    )
    assert found == [
        'Række 2, kolonne benefit_group: ukendt værdi "flexjob" '
        "(kendte: dagpenge, kontanthjaelp, sygedagpenge, uddannelseshjaelp).",
        'Række 3, kolonne age_band: ukendt værdi "90+" (kendte: 18-29, 30-49, 50+).',
    ]
    assert rejected(app, admin, round_id, b"reference;reference\nA-1;A-2\n") == [
        "Kolonner, der optræder mere end én gang: reference."
    ]


def test_cpr_like_references_wrong_cell_counts_and_empty_files(app, admin, make_round):
    round_id = make_round(local=False)
    found = rejected(app, admin, round_id, b"reference\n010190-1234\n0101901234\nA-3\n")
    cpr = ": dette ligner et cpr-nummer. Brug et andet id. Cpr-numre må ikke uploades."
    assert found == ["Række 2, kolonne reference" + cpr, "Række 3, kolonne reference" + cpr]
    found = rejected(app, admin, round_id, b"reference;age_band\nA-1;18-29;x\nA-2\nA-3;30-49\n")
    assert found == [
        "Række 2 har 3 celler, men der er 2 kolonner.",
        "Række 3 har 1 celler, men der er 2 kolonner.",
    ]
    empty = "Filen er tom. Første linje skal angive kolonnernes navne."
    assert rejected(app, admin, round_id, b"") == [empty]
    assert rejected(app, admin, round_id, BOM.encode()) == [empty]
    assert rejected(app, admin, round_id, b"reference\r\n\r\n") == [
        "Filen har ingen rækker under kolonnenavnene."
    ]


def test_all_problems_of_a_file_are_listed_together(app, admin, make_round):
    content = b"reference;benefit_group\n=A1;dagpenge\nA-2;ukendt\nA-3\n010190-1234;dagpenge\nA-5;dagpenge\n"
    found = rejected(app, admin, make_round(local=False), content)
    assert [message.split(":")[0].split(" har ")[0] for message in found] == [
        "Række 2, kolonne reference",
        "Række 3, kolonne benefit_group",
        "Række 4",
        "Række 5, kolonne reference",
    ]


def test_an_old_code_mapped_by_the_operator_is_stored_as_the_new_code(app, admin, make_round):
    make_user(app, "drift@kl.dk", "operator")
    operator = logged_in(app, "drift@kl.dk")
    with app.app_context():
        old_id = db.session.scalar(
            select(BackgroundValue.id).where(BackgroundValue.code == "uddannelseshjaelp")
        )
    response = operator.post(
        f"/admin/background-values/{old_id}/replace", {"replaced_by": "kontanthjaelp"}
    )
    assert response.status_code == 302
    round_id = make_round(local=False)
    content = (
        b"reference;benefit_group\nA-1;uddannelseshjaelp\nA-2;UDDANNELSESHJAELP\nA-3;dagpenge\n"
    )
    checked = upload(admin, round_id, content, action="check").get_data(as_text=True)
    assert "benefit_group: uddannelseshjaelp → kontanthjaelp (2 rækker)" in html.unescape(checked)
    rows = read_links(upload(admin, round_id, content))
    assert [r["benefit_group"] for r in rows] == ["kontanthjaelp", "kontanthjaelp", "dagpenge"]
    assert [i.benefit_group for i in invitations(app)] == [
        "kontanthjaelp",
        "kontanthjaelp",
        "dagpenge",
    ]
    # A code with no replacement that is switched off is simply unknown.
    assert "background_value.replace" in audit_actions(app)


def test_the_reminder_list_download_is_gone(app, admin, make_round, citizen):
    """Comparing reminder lists before and after told which named citizen had just answered.
    Borgerblik sends the reminders itself now (tests/test_delivery.py)."""
    round_id = make_round(local=False)
    content = b"reference;benefit_group\nA-1;dagpenge\nA-2;dagpenge\nA-3;kontanthjaelp\n"
    rows = read_links(upload(admin, round_id, content))
    citizen.open(urlsplit(rows[1]["link"]).path)
    citizen.start()
    answer_all(citizen)
    assert admin.get(f"/admin/rounds/{round_id}/reminders.csv").status_code == 404
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "reminders.csv" not in page
    assert "invitations.reminder_list" not in audit_actions(app, 461)


def test_response_rate_per_group_hides_groups_under_five(app, admin, make_round, invite):
    round_id = make_round(local=False)
    invite(round_id, 6, benefit_group="kontanthjaelp")
    invite(round_id, 3, benefit_group="dagpenge")
    invite(round_id, 1, benefit_group="sygedagpenge")
    with app.app_context():
        rate = response_rate(round_id)
        assert (rate.overall.invited, rate.overall.completed) == (10, 0)
        assert [(g.label, g.invited) for g in rate.groups["benefit_group"]] == [
            ("kontanthjaelp", 6)
        ]
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert ">kontanthjaelp</th>" not in page  # labels show as "Ydelsesgruppe: code"
    assert "Ydelsesgruppe: kontanthjaelp" in page
    assert "dagpenge" not in page and "sygedagpenge" not in page and "andre små grupper" not in page
    invite(round_id, 1, benefit_group="sygedagpenge")  # the small groups now pool to 5
    with app.app_context():
        rate = response_rate(round_id)
        assert [(g.label, g.invited) for g in rate.groups["benefit_group"]] == [
            ("kontanthjaelp", 6),
            ("__other__", 5),
        ]
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "Ydelsesgruppe: andre små grupper" in page
    assert "dagpenge" not in page and "sygedagpenge" not in page


def _qr_matrix_candidates(link: str) -> list[list[list[bool]]]:
    found = []
    for error in ("l", "m", "q", "h"):
        for boost in (True, False):
            qr = segno.make(link, error=error, boost_error=boost)
            found.append([[bool(cell) for cell in row] for row in qr.matrix])
    return found


def test_qr_codes_are_valid_svg_and_png_encoding_the_open_link(app, admin, make_round):
    round_id = make_round(local=False)
    with app.app_context():
        link = open_link(db.session.get(Round, round_id))
    assert urlsplit(link).path.startswith("/o/")
    candidates = _qr_matrix_candidates(link)

    png = admin.get(f"/admin/rounds/{round_id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    data = png.get_data()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data)).convert("L")
    assert _png_matrix(image) in candidates

    svg = admin.get(f"/admin/rounds/{round_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data())  # noqa: S314 (our own server's output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text
    assert _svg_matrix(root) in candidates

    # A draft's QR code can be printed before it opens (issue 17): the code is made then,
    # and the link says the questionnaire has not opened instead of being unknown.
    draft = make_round(local=False, state="draft")
    assert admin.get(f"/admin/rounds/{draft}/qr.svg").status_code == 200
    with app.app_context():
        code = db.session.get(Round, draft).open_code
    assert code and app.test_client().get(f"/o/{code}").status_code == 403


def _png_matrix(image) -> list[list[bool]]:
    """Read the module grid back from the pixels: find the quiet zone and module size."""
    width, height = image.size
    assert width == height
    pixels = image.load()
    dark = [[pixels[x, y] < 128 for x in range(width)] for y in range(height)]
    top = next(y for y in range(height) if any(dark[y]))
    left = next(x for x in range(width) if any(dark[y][x] for y in range(height)))
    module = next(x for x in range(left, width) if not dark[top][x]) - left  # finder: 7 modules
    assert module % 7 == 0
    module //= 7
    size = (width - 2 * left) // module
    return [
        [dark[top + r * module + module // 2][left + c * module + module // 2] for c in range(size)]
        for r in range(size)
    ]


def _svg_matrix(root) -> list[list[bool]]:
    """Read the module grid back from segno's path: M/m moves and h runs of dark modules."""
    path = root.find("{http://www.w3.org/2000/svg}path")
    cells = set()
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.get("d")):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            run = numbers[0] if command == "h" else numbers[0] - x
            cells.update((int(x) + i, int(y)) for i in range(int(run)))
            x += run
    left = min(cx for cx, _ in cells)
    top = min(cy for _, cy in cells)
    size = max(cx for cx, _ in cells) - left + 1
    return [[(left + c, top + r) in cells for c in range(size)] for r in range(size)]
