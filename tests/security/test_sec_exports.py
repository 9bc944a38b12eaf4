"""What leaves the system in files: formulas neutralised, and nobody re-identified through
small groups, blank background cells, times, tokens, row order or free text.

tests/test_statistics.py proves the suppression rules on frequency tables (no figure
under 5 answers through any split, secondary suppression) and tests/test_anonymity.py
that response ids are random and dates are days; tests/test_sendlist.py refuses formula
cells in send lists and pools small groups of the response rate. This module follows the
same rules out through the results page, the JSON contract, the report in every format
and the respondent-level exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sec_helpers import FORMULAS, close, quote_every_comment, seed_responses, walk
from staff import add_to_round, bank_question
from staff import text_of as visible_text

from survey.core.extensions import db
from survey.models import Round

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIKERT = ("kl.meeting.welcoming", "kl.goals.clear", "kl.overall.satisfied")


@pytest.fixture
def analyst(people, sign_in):
    return sign_in(people.odense_analyst)


def _csv_cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def _xlsx_cells(body: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(body))
    sheets = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
            rows.append([cell.value for cell in row])
        sheets[sheet.title] = rows
    return sheets


def _assert_no_live_formula(values, where: str) -> None:
    for value in values:
        if isinstance(value, str):
            assert not value.startswith(FORMULA_START), (where, value)


# --- formula injection ----------------------------------------------------------------------


def test_formulas_from_citizens_and_staff_are_neutralised_in_every_spreadsheet(
    app, analyst, make_round
):
    round_id = make_round(
        461, local=False, state="draft", title='=HYPERLINK("http://evil","Runde")'
    )
    question = bank_question(app, 461, '=HYPERLINK("http://evil","Klik")', type="likert5")
    add_to_round(app, round_id, question)
    with app.app_context():
        from survey.rounds.lifecycle import open_round

        open_round(db.session.get(Round, round_id))
        db.session.commit()
    comments = [*FORMULAS, "Alt var godt"]
    seed_responses(
        app,
        round_id,
        [{"answers": {"kl.meeting.welcoming": "4", "kl.overall.comment": c}} for c in comments],
    )
    close(app, round_id)
    neutralised = {"'" + formula for formula in FORMULAS}

    for delimiter, query in ((",", ""), (";", "&sep=semicolon")):
        text = analyst.get(f"/results/export.csv?round={round_id}{query}").get_data(as_text=True)
        cells = [cell for row in _csv_cells(text, delimiter) for cell in row]
        _assert_no_live_formula(cells, f"export.csv {delimiter}")
        assert neutralised <= set(cells)
    sheets = _xlsx_cells(analyst.get(f"/results/export.xlsx?round={round_id}").data)
    values = [value for rows in sheets.values() for row in rows for value in row]
    _assert_no_live_formula(values, "export.xlsx")
    assert neutralised <= set(values)
    codebook = analyst.get(f"/results/export.codebook?round={round_id}").get_data(as_text=True)
    _assert_no_live_formula([c for row in _csv_cells(codebook) for c in row], "codebook.csv")
    quote_every_comment(app, round_id)  # a report quotes only reviewed, chosen comments
    sheets = _xlsx_cells(analyst.get(f"/results/report.xlsx?round={round_id}&free_text=1").data)
    values = [value for rows in sheets.values() for row in rows for value in row]
    _assert_no_live_formula(values, "report.xlsx")
    assert neutralised <= set(values)
    assert '\'=HYPERLINK("http://evil","Runde")' in values


# --- re-identification ----------------------------------------------------------------------


def _split_round(app, make_round) -> int:
    """Benefit groups a: 7, b: 6, c: 2 answers; each group answers differently."""
    round_id = make_round(461, local=False)
    rows = []
    for group, count, value in (("a", 7, "5"), ("b", 6, "4"), ("c", 2, "1")):
        for _ in range(count):
            rows.append({"benefit_group": group, "answers": dict.fromkeys(LIKERT, value)})
    seed_responses(app, round_id, rows)
    close(app, round_id)
    return round_id


def _group_rows(page: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for row in re.findall(r'<tr class="group(?:-row)?">(.*?)</tr>', page, re.S):
        text = visible_text(row)
        label = text.split(":", 1)[1].split()[0]
        rows.setdefault(label, []).append(text)
    return rows


THEME_MEANS = "Temagennemsnit"


def test_a_split_never_shows_a_group_under_5_or_one_that_gives_it_away(app, analyst, make_round):
    round_id = _split_round(app, make_round)
    # The JSON contract.
    result = app.test_cli_runner().invoke(
        args=["results", "compare", str(round_id), "--by", "benefit_group", "--json"]
    )
    assert result.exit_code == 0, result.output
    contract = json.loads(result.output)
    checked = 0
    for item in contract["items"]:
        if item["code"] not in LIKERT:
            continue
        groups = {g["value"]: g["current"] for g in item["groups"]}
        assert groups["c"]["n"] is None  # 2 answered: not even that is given
        for value in ("c", "b"):  # c is small; b, the next smallest, would give c away
            side = groups[value]
            assert side["suppressed"] and side["share"] is None and side["positive"] is None
            assert side["mean"] is None and side["ci"] is None
        assert not groups["a"]["suppressed"] and groups["a"]["share"] == 1.0
        checked += 1
    assert checked == len(LIKERT)
    # The page and the report show the same.
    page = analyst.get(f"/results/?round={round_id}&by=benefit_group").get_data(as_text=True)
    report = analyst.get(f"/results/report.html?round={round_id}&by=benefit_group")
    for where, html in (("page", page), ("report", report.get_data(as_text=True))):
        rows = _group_rows(html)
        assert rows.keys() >= {"a", "b", "c"}, where
        for label in ("b", "c"):
            for text in rows[label]:
                assert "%" not in text, (where, text)
            assert any("under 5 svar" in text for text in rows[label]), where
        assert any("100 %" in text for text in rows["a"]), where
    sheets = _xlsx_cells(
        analyst.get(f"/results/report.xlsx?round={round_id}&by=benefit_group").data
    )
    group_rows = [
        row
        for name, rows in sheets.items()
        if name != THEME_MEANS
        for row in rows
        if isinstance(row[0], str) and ": " in row[0]
    ]
    small = [row for row in group_rows if row[0].rstrip().endswith((": b", ": c"))]
    assert small
    for row in small:
        assert all(value is None for value in row[2:6]), row
    # the theme means per group: theme, share, mean, interval low and high, respondents
    small = [row for row in sheets[THEME_MEANS] if str(row[0]).endswith((": b", ": c"))]
    assert small
    for row in small:
        assert all(value is None for value in row[1:5]), row
    document = Document(
        io.BytesIO(analyst.get(f"/results/report.docx?round={round_id}&by=benefit_group").data)
    )
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    small = [row for row in cells if row[0].strip().endswith((": b", ": c"))]
    assert small
    for row in small:
        assert "%" not in " ".join(row[2:]), row


def test_respondent_exports_merge_or_drop_every_background_value_under_5(
    app, analyst, make_round, invite, new_citizen
):
    """Blank counts as a value: one respondent without a gender in a round where everyone
    else has one is as easy to single out as one with a rare gender."""
    round_id = make_round(461, local=False)
    tokens = invite(round_id, 2, benefit_group="a", age_band="x", gender="k")
    rows = []
    for number in range(12):
        rows.append(
            {
                "benefit_group": "a" if number < 5 else "b" if number < 8 else "c",
                "age_band": "x" if number < 10 else "y",
                "gender": "k" if number < 11 else None,
                "answers": {"kl.meeting.welcoming": "4", "kl.overall.comment": f"Svar {number}"},
            }
        )
    seed_responses(app, round_id, rows)
    for token in tokens:  # two through real links, so there are tokens to look for
        citizen = new_citizen()
        citizen.open(f"/s/{token}")
        citizen.start()
        walk(citizen, comment="Via link")
    close(app, round_id)
    with app.app_context():
        from sqlalchemy import select

        from survey.models import Invitation, Response

        ids = sorted(db.session.scalars(select(Response.id).where(Response.round_id == round_id)))
        hashes = list(db.session.scalars(select(Invitation.token_hash)))
    assert len(ids) == 14

    text = analyst.get(f"/results/export.csv?round={round_id}").get_data(as_text=True)
    table = _csv_cells(text)
    header, body = table[0], table[1:]
    assert len(body) == 14
    for variable in ("benefit_group", "age_band", "gender", "language", "department"):
        if variable not in header:
            continue
        column = header.index(variable)
        values = [row[column] for row in body]
        for value in set(values):
            assert values.count(value) >= 5, (variable, value, values)
    assert "benefit_group" in header  # a: 7, b and c merged into "other": 7
    assert "age_band" not in header  # y: 2 cannot be merged into anything of 5
    # No times, tokens, hashes or response ids in any export.
    sheets = _xlsx_cells(analyst.get(f"/results/export.xlsx?round={round_id}").data)
    xlsx_text = json.dumps(sheets, default=str)
    with app.app_context():
        import tempfile

        from survey.reporting.exports import export_sav

        survey_round = db.session.get(Round, round_id)
        with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
            export_sav(survey_round, handle.name)
            sav = handle.read()
    for where, content in (("csv", text), ("xlsx", xlsx_text)):
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}|\d{1,2}:\d{2}\b", content), (
            where
        )
        for secret in [*tokens, *hashes, *ids]:
            assert secret not in content, (where, secret)
    for secret in [*tokens, *hashes, *ids]:
        assert secret.encode() not in sav
    # Rows come in the order of the random ids, not in the order people answered.
    comment_column = header.index("kl.overall.comment")
    exported = [row[comment_column] for row in body]
    in_answer_order = [f"Svar {n}" for n in range(12)] + ["Via link", "Via link"]
    assert exported != in_answer_order


def test_free_text_is_left_out_of_the_report_unless_asked_and_never_under_5(
    app, analyst, make_round
):
    few = make_round(461, local=False, title="Få kommentarer", state="closed")
    many = make_round(461, local=False, title="Mange kommentarer", state="closed")
    seed_responses(
        app, few, [{"answers": {"kl.overall.comment": f"Få-kommentar {n}"}} for n in range(4)]
    )
    seed_responses(
        app, many, [{"answers": {"kl.overall.comment": f"Kommentar {n}"}} for n in range(6)]
    )

    def report(round_id: int, query: str = "", fmt: str = "html") -> str:
        body = analyst.get(f"/results/report.{fmt}?round={round_id}{query}").data
        if fmt == "docx":
            return zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode()
        return body.decode()

    assert "Kommentar 0" not in report(many)
    assert "Kommentar 0" not in report(many, fmt="docx")
    page = analyst.get(f"/results/?round={many}").get_data(as_text=True)
    assert "Kommentar 0" not in page
    quote_every_comment(app, many)  # chosen as quotes by the analyst, all of them
    quote_every_comment(app, few)
    asked = report(many, "&free_text=1")
    assert all(f"Kommentar {n}" in asked for n in range(6))
    assert "Få-kommentar" not in report(few, "&free_text=1")
