"""The command line: questionnaire check and codebook, round create/open/close/invite, demo."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from questionnaires import QUESTIONNAIRE_DIR, find_questionnaire
from survey.core.extensions import db
from survey.demo.setup import DEMO_TITLE
from survey.models import Invitation, LocalQuestion, Response, Round
from survey.models.background import BACKGROUND_VARIABLES

ROOT = Path(__file__).resolve().parent.parent

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

KL_FILE = QUESTIONNAIRE_DIR / "kl-beskaeftigelse.yaml"
CSV_HEADER = ["number", "link", *BACKGROUND_VARIABLES]
SEND_LIST_HEADER = ["number", "reference", "link", *BACKGROUND_VARIABLES]


def path_of(link: str) -> str:
    parts = urlsplit(link)
    assert parts.scheme == "http" and parts.netloc == "localhost", link
    return parts.path


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_link_enters(client, link: str) -> None:
    """An invitation or open link exchanges itself for a session and lands on /svar."""
    response = client.get(path_of(link))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/svar"
    assert client.get("/svar").status_code == 200


# --- questionnaire check ----------------------------------------------------------------


def test_check_accepts_the_kl_file(cli):
    result = cli("questionnaire", "check", str(KL_FILE))
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert result.stdout == (
        f"{KL_FILE}: OK: kl-beskaeftigelse version 1, "
        f"{len(kl.pages)} pages, {len(kl.items)} items, 5 themes, 2 scales\n"
    )
    assert result.stderr == ""


def test_check_refuses_a_broken_file_with_file_line_and_message(cli, tmp_path):
    path = tmp_path / "broken.yaml"
    text = KL_FILE.read_text(encoding="utf-8").replace(
        "        type: yesno\n", "        type: yes-or-no\n"
    )
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "yes-or-no" in row)
    result = cli("questionnaire", "check", str(path), ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}:{line}: item 'kl.progress.internship'")
    assert "yes-or-no" in result.stderr


def test_check_refuses_a_missing_file(cli, tmp_path):
    result = cli("questionnaire", "check", str(tmp_path / "none.yaml"), ok=False)
    assert result.exit_code == 1
    assert "cannot be read" in result.stderr


# --- questionnaire codebook -------------------------------------------------------------


NINE = ["da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti"]


def test_codebook_json_has_the_exact_shape_with_all_nine_languages(cli):
    result = cli("questionnaire", "codebook", "kl-beskaeftigelse", "--version", "1", "--json")
    assert result.stdout.count("\n") == 1  # one JSON object, one line
    book = json.loads(result.stdout)
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert set(book) == {"key", "version", "languages", "translations", "themes", "items"}
    assert book["key"] == "kl-beskaeftigelse"
    assert book["version"] == 1
    assert book["themes"] == [
        {"key": theme.key, "title": {lang: theme.title[lang] for lang in NINE}}
        for theme in kl.themes
    ]
    assert book["languages"] == NINE
    assert book["translations"]["da"]["status"] == "source"
    assert book["translations"]["en"]["status"] == "reviewed"
    assert {lang for lang in NINE if book["translations"][lang]["status"] == "draft"} == set(
        NINE[2:]
    )
    assert [item["code"] for item in book["items"]] == [item.code for item in kl.items]
    for entry, item in zip(book["items"], kl.items, strict=True):
        assert set(entry) == {"code", "type", "theme", "scale", "compare_key", "text", "options"}
        assert entry["type"] == item.type
        assert entry["theme"] == item.theme
        assert entry["theme"] in {theme["key"] for theme in book["themes"]}
        assert list(entry["text"]) == NINE and all(entry["text"].values())
        assert entry["text"] == {lang: item.text[lang] for lang in NINE}
        for option, expected in zip(entry["options"], item.options, strict=True):
            assert option["value"] == expected.value
            assert list(option["label"]) == NINE and all(option["label"].values())
    by_code = {entry["code"]: entry for entry in book["items"]}
    welcoming = by_code["kl.meeting.welcoming"]
    assert welcoming["text"]["da"] == "Jeg bliver taget godt imod i jobcentret."
    assert welcoming["text"]["ar"] == "أشعر بالترحيب في مركز التوظيف."
    assert welcoming["options"][-1]["label"]["da"] == "Ved ikke"
    assert welcoming["options"][-1]["label"]["ti"] == "ኣይፈልጥን"
    assert [o["label"]["uk"] for o in by_code["kl.progress.internship"]["options"]] == [
        "Так",
        "Ні",
    ]
    assert by_code["kl.overall.comment"]["options"] == []
    assert "æ" in result.stdout and "ኣይፈልጥን" in result.stdout  # letters as themselves, no \\u


def test_codebook_plain_list_in_one_language(cli):
    result = cli(
        "questionnaire", "codebook", "kl-beskaeftigelse", "--version", "1", "--language", "uk"
    )
    assert "kl.goals.clear  [likert5, goals]  Я знаю, яка моя мета." in result.stdout
    assert "    4: Частково погоджуюся" in result.stdout


def test_codebook_of_an_unknown_key_fails(cli):
    result = cli("questionnaire", "codebook", "no-such-thing", "--json", ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no questionnaire with key 'no-such-thing'" in result.stderr


# --- rounds -----------------------------------------------------------------------------


@pytest.fixture
def odense_bank(app):
    from survey.demo.setup import ensure_odense_questions

    with app.app_context():
        ensure_odense_questions()
        db.session.commit()


def create_round(cli, *extra: str) -> int:
    result = cli("round", "create", "--municipality", "461", "--title", "Efterår 2026", *extra)
    return int(result.stdout.strip().splitlines()[-1])


def read_csv(text: str, header: list[str] = CSV_HEADER) -> list[dict]:
    reader = csv.reader(io.StringIO(text), delimiter=";")
    rows = list(reader)
    assert rows[0] == header
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_round_create_open_invite_close(app, cli, client, odense_bank):
    round_id = create_round(
        cli, "--local", "odense.internship.purpose", "--local", "odense.internship.treatment"
    )
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        assert survey_round.state == "draft"
        assert survey_round.municipality_code == 461
        assert survey_round.title == "Efterår 2026"
        assert survey_round.questionnaire_key == "kl-beskaeftigelse"
        assert survey_round.questionnaire_version == 2  # the newest version by default
        assert survey_round.snapshot is None
        assert [rq.question.code for rq in survey_round.local_questions] == [
            "odense.internship.purpose",
            "odense.internship.treatment",
        ]

    opened = cli("round", "open", str(round_id))
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        assert survey_round.state == "open"
        snapshot_codes = [
            item["code"] for page in survey_round.snapshot["pages"] for item in page["items"]
        ]
        assert snapshot_codes[-2:] == ["odense.internship.purpose", "odense.internship.treatment"]
        assert survey_round.open_code
        open_code = survey_round.open_code
    assert opened.stdout.strip().endswith(f"http://localhost/o/{open_code}")

    invited = cli("round", "invite", str(round_id), "--count", "3")
    rows = read_csv(invited.stdout)
    assert [row["number"] for row in rows] == ["1", "2", "3"]
    assert all(row[name] == "" for row in rows for name in BACKGROUND_VARIABLES)
    tokens = [path_of(row["link"]).removeprefix("/s/") for row in rows]
    assert len(set(tokens)) == 3 and all(len(token) >= 27 for token in tokens)
    with app.app_context():
        stored = set(db.session.scalars(select(Invitation.token_hash)))
        assert len(stored) == 3 and not stored & set(tokens)  # hashes only
    for row in rows:
        assert_link_enters(app.test_client(), row["link"])
    assert_link_enters(client, f"http://localhost/o/{open_code}")

    more = read_csv(cli("round", "invite", str(round_id), "--count", "2").stdout)
    assert [row["number"] for row in more] == ["4", "5"]  # numbering continues

    closed = cli("round", "close", str(round_id))
    assert closed.stdout == f"Round {round_id} is closed.\n"
    response = app.test_client().get(path_of(rows[0]["link"]))
    assert response.status_code == 410


def test_round_invite_from_a_send_list_keeps_background(app, cli, tmp_path, odense_bank):
    round_id = create_round(cli, "--local", "odense.internship.purpose")
    cli("round", "open", str(round_id))
    send_list = tmp_path / "sendeliste.csv"
    send_list.write_text(
        "reference,benefit_group,age_band\nr-1,kontanthjaelp,30-39\nr-2,dagpenge,\n",
        encoding="utf-8-sig",
    )
    output = tmp_path / "links.csv"
    result = cli(
        "round", "invite", str(round_id), "--send-list", str(send_list), "--output", str(output)
    )
    assert result.stdout == ""
    assert "2 links written." in result.stderr
    # The same file as the web page's download: the reference comes back beside each link.
    rows = read_csv(output.read_text(encoding="utf-8"), SEND_LIST_HEADER)
    assert [row["reference"] for row in rows] == ["r-1", "r-2"]
    assert [(row["benefit_group"], row["age_band"]) for row in rows] == [
        ("kontanthjaelp", "30-39"),
        ("dagpenge", ""),
    ]
    with app.app_context():
        invitations = db.session.scalars(select(Invitation).order_by(Invitation.number)).all()
        assert [(i.benefit_group, i.age_band) for i in invitations] == [
            ("kontanthjaelp", "30-39"),
            ("dagpenge", None),
        ]
    # The background travels to the response when the citizen starts.
    client = app.test_client()
    assert_link_enters(client, rows[0]["link"])
    html = client.get("/svar").get_data(as_text=True)
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/svar/start", data={"csrf_token": csrf}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert (response.benefit_group, response.age_band) == ("kontanthjaelp", "30-39")


def test_round_invite_refuses_unknown_columns(app, cli, tmp_path):
    round_id = create_round(cli)
    send_list = tmp_path / "list.csv"
    send_list.write_text("cpr;benefit_group\n0101011234;dagpenge\n", encoding="utf-8")
    result = cli("round", "invite", str(round_id), "--send-list", str(send_list), ok=False)
    assert result.exit_code == 1
    assert "unknown columns: cpr" in result.stderr.lower()
    with app.app_context():
        assert count(Invitation) == 0


def test_round_invite_runs_the_web_checks_row_by_row_and_issues_nothing(app, cli, tmp_path):
    """The command line once stored a cell =HYPERLINK(...) that the web page refuses."""
    round_id = create_round(cli)
    send_list = tmp_path / "list.csv"
    send_list.write_text(
        'reference;benefit_group\nr-1;=HYPERLINK("http://x")\nr-1;dagpenge\n0101011234;dagpenge\n',
        encoding="utf-8",
    )
    result = cli("round", "invite", str(round_id), "--send-list", str(send_list), ok=False)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Row 2, column benefit_group: a cell must not begin with =")
    assert lines[1] == "Row 3, column reference: the reference r-1 is also on row 2."
    assert lines[2].startswith("Row 4, column reference: this looks like a CPR number.")
    assert "nothing was issued" in lines[-1]
    with app.app_context():
        assert count(Invitation) == 0


def test_round_invite_reads_an_excel_send_list(app, cli, tmp_path):
    from openpyxl import Workbook

    round_id = create_round(cli)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference", "benefit_group", "age_band"])
    sheet.append(["r-1", "dagpenge", 30])  # Excel keeps a number a number
    sheet.append([None, None, None])
    sheet.append(["r-2", "kontanthjaelp", None])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    output = tmp_path / "links.csv"
    cli("round", "invite", str(round_id), "--send-list", str(path), "--output", str(output))
    rows = read_csv(output.read_text(encoding="utf-8"), SEND_LIST_HEADER)
    assert [(r["reference"], r["benefit_group"], r["age_band"]) for r in rows] == [
        ("r-1", "dagpenge", "30"),
        ("r-2", "kontanthjaelp", ""),
    ]


def test_round_invite_needs_exactly_one_source(cli):
    round_id = create_round(cli)
    result = cli("round", "invite", str(round_id), ok=False)
    assert result.exit_code == 1
    assert "either --count or --send-list" in result.stderr


def test_round_create_refuses_unknown_municipality_and_local_question(app, cli, odense_bank):
    result = cli("round", "create", "--municipality", "999", "--title", "X", ok=False)
    assert result.exit_code == 1
    assert "no municipality has the code 999" in result.stderr
    result = cli(
        "round", "create", "--municipality", "175", "--title", "X", "--local",
        "odense.internship.purpose", ok=False,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Rødovre has no local question 'odense.internship.purpose'" in result.stderr
    with app.app_context():
        assert count(Round) == 0  # nothing half-made


def test_round_state_errors(app, cli):
    round_id = create_round(cli)
    result = cli("round", "close", str(round_id), ok=False)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ")
    with app.app_context():
        assert db.session.get(Round, round_id).state == "draft"
    result = cli("round", "open", "987654", ok=False)
    assert result.exit_code == 1
    assert "there is no round 987654" in result.stderr


def test_opened_round_keeps_its_frozen_questions(app, cli, odense_bank):
    round_id = create_round(cli, "--local", "odense.internship.purpose")
    cli("round", "open", str(round_id))
    with app.app_context():
        question = db.session.scalar(
            select(LocalQuestion).where(LocalQuestion.code == "odense.internship.purpose")
        )
        question.texts = {"da": "Ny formulering", "en": "New wording"}
        db.session.commit()
        snapshot = db.session.get(Round, round_id).snapshot
        texts = [item["text"]["da"] for page in snapshot["pages"] for item in page["items"]]
        assert "Min virksomhedspraktik nåede sit mål." in texts
        assert "Ny formulering" not in texts


# --- demo -------------------------------------------------------------------------------


def table_sizes() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def run_demo(cli) -> dict:
    result = cli("demo", "--json")
    assert result.stdout.count("\n") == 1  # exactly one JSON object on stdout
    return json.loads(result.stdout)


def test_demo_json_has_the_exact_shape_and_working_links(app, cli):
    demo = run_demo(cli)
    assert set(demo) == {
        "municipality",
        "round_id",
        "citizen_links",
        "open_link",
        "users",
        "admin_round_url",
        "employer_round_id",
    }
    assert demo["municipality"] == 461
    assert isinstance(demo["round_id"], int)
    # Issue 2 prints [] and null; the administration issue fills them in (users with
    # e-mail and role, the round's admin address), so accept exactly those two forms.
    assert isinstance(demo["users"], list)
    assert all({"email", "role"} <= set(user) for user in demo["users"])
    if demo["users"]:
        assert path_of(demo["admin_round_url"]).startswith("/")
    else:
        assert demo["admin_round_url"] is None
    assert len(demo["citizen_links"]) >= 3
    assert len(set(demo["citizen_links"])) == len(demo["citizen_links"])
    assert all(path_of(link).startswith("/s/") for link in demo["citizen_links"])
    assert path_of(demo["open_link"]).startswith("/o/")
    with app.app_context():
        survey_round = db.session.get(Round, demo["round_id"])
        assert survey_round.municipality_code == 461
        assert survey_round.state == "open"
        assert survey_round.questionnaire_key == "kl-beskaeftigelse"
        # the current version, every language offered (drafts accepted knowingly)
        assert survey_round.questionnaire_version == 2
        assert survey_round.snapshot["languages"] == NINE
        local = [
            item
            for page in survey_round.snapshot["pages"]
            for item in page["items"]
            if item["source"] == "local"
        ]
        assert [item["text"]["da"] for item in local] == [
            "Min virksomhedspraktik nåede sit mål.",
            "Jeg blev behandlet godt i min virksomhedspraktik.",
        ]
        assert all(
            item["show_if"] == {"item": "kl.progress.internship", "in": [1]} for item in local
        )
    for link in demo["citizen_links"]:
        client = app.test_client()
        assert_link_enters(client, link)
        landing = client.get("/svar").get_data(as_text=True)
        assert "Jobcenter Odense" in landing
        assert ">Start</button>" in landing  # unused: nothing to continue
    assert_link_enters(app.test_client(), demo["open_link"])
    # the second questionnaire is demoed too: a closed employer round with results
    with app.app_context():
        employer = db.session.get(Round, demo["employer_round_id"])
        assert (employer.questionnaire_key, employer.state) == ("virksomheder", "closed")
    book = json.loads(cli("results", "compare", str(demo["employer_round_id"]), "--json").stdout)
    assert [t["key"] for t in book["themes"]] == ["contact", "recruitment", "keeping", "overall"]
    assert all(t["mean"] is not None for t in book["themes"])


def test_demo_is_idempotent_and_lists_only_unused_links(app, cli):
    first = run_demo(cli)
    with app.app_context():
        rows_after_first = table_sizes()
    second = run_demo(cli)
    for key in ("municipality", "round_id", "citizen_links", "open_link"):
        assert second[key] == first[key], key  # same round, same links
    with app.app_context():
        assert table_sizes() == rows_after_first  # nothing created twice
        assert count(Round, Round.title == DEMO_TITLE) == 1
        # The links listed are the demo's own; the three invented citizens the demo invites
        # through the outbox (instance/outbox/) are not listed.
        listed = count(
            Invitation,
            Invitation.round_id == first["round_id"],
            Invitation.send_batch_id.is_(None),
        )
        assert listed == len(first["citizen_links"])
        assert count(Invitation, Invitation.send_batch_id.is_not(None)) == 3
        assert count(LocalQuestion, LocalQuestion.municipality_code == 461) == 2
    for link in second["citizen_links"]:
        assert_link_enters(app.test_client(), link)
    # A citizen starts on the first link: the next run leaves it out.
    used = first["citizen_links"][0]
    client = app.test_client()
    assert_link_enters(client, used)
    html = client.get("/svar").get_data(as_text=True)
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/svar/start", data={"csrf_token": csrf}).status_code == 302
    again = run_demo(cli)
    assert again["round_id"] == first["round_id"]
    assert again["citizen_links"] == first["citizen_links"][1:]
    assert len(again["citizen_links"]) >= 3


def _flask_without_configuration(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    """`flask --app wsgi ...` as on a fresh machine: none of the keys, no demo mode, and an
    instance folder of its own (nothing kept from earlier runs)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "TOKEN_KEY", "CONTACT_KEY", "BORGERBLIK_DEMO", "FLASK_DEBUG"}
        and not key.startswith(("DATABASE_URL", "PUBLIC_BASE_URL"))
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "wsgi", *arguments],
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_questionnaire_commands_run_without_the_server_keys():
    """A translator's machine or a fresh checkout has no SECRET_KEY: the commands that only
    read questionnaire files still work, as the README writes them."""
    done = _flask_without_configuration(
        "questionnaire", "codebook", "kl-beskaeftigelse", "--json", cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    codebook = json.loads(done.stdout)
    nine = {"da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti"}
    assert set(codebook["items"][0]["text"]) == nine


def test_other_commands_without_the_keys_say_why_in_one_line():
    done = _flask_without_configuration("round", "list", cwd=ROOT)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "Borgerblik cannot start: SECRET_KEY is not set" in done.stderr
