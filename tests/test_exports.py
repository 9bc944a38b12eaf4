"""Respondent-level exports of a closed round: CSV (`,` and `;`), XLSX, SPSS .sav, codebook.

One closed Odense round with seeded answers, two benefit groups of three (merged into
"other"), an age band of two (the variable is left out), a department whose value begins
with "-", comments that are formulas, invitation tokens, an unfinished response and a
local question whose text is a formula. Every export, from the CLI and from the analyst's
download links, is read back with the tool an analyst would use (csv, openpyxl,
pyreadstat) and compared with the answers in the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from staff import audit_actions, logged_in, make_user

from survey.core.extensions import db
from survey.models import Answer, AuditEvent, Response, Round

ODENSE, RODOVRE = 461, 175
FORMULA_QUESTION = "=1+1 Jeg vil anbefale jobcentret til andre"
MARKUP_QUESTION = "<b>Jeg</b> fik svar på mine spørgsmål"
COMMENT_ITEM = "kl.overall.comment"
FORMULA_COMMENTS = (
    '=HYPERLINK("https://example.invalid","klik her")',
    "+45 12 34 56 78",
    "-nej tak, ikke igen",
    "@SUM(A1:A9)",
)
MERGED = {"ressourceforloeb": 3, "ledighedsydelse": 3}  # two small groups: "other" of six
SMALL_AGE = "65+"  # two respondents: age_band cannot be shared at all
DEPARTMENTS = {"-Vest": 12}  # the rest are "Nord"
DANGEROUS = ("=", "+", "-", "@")
DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d\d:\d\d\b")
LIKERT_LABELS = {
    5: "Helt enig",
    4: "Delvist enig",
    3: "Hverken enig eller uenig",
    2: "Delvist uenig",
    1: "Helt uenig",
    0: "Ved ikke",
}


def neutralised(value: str) -> str:
    return "'" + value if value[:1] in DANGEROUS else value


# --- the round ------------------------------------------------------------------------------


def _round(municipality: int, title: str, state: str) -> int:
    from survey.bank.questions import QuestionDraft, create_question
    from survey.models import Municipality
    from survey.rounds.lifecycle import open_round
    from survey.rounds.placement import add_local_question

    survey_round = Round(
        municipality=db.session.get(Municipality, municipality),
        title=title,
        questionnaire_key="kl-beskaeftigelse",
        questionnaire_version=1,
        languages=["da", "en"],
        opens_on=date(2026, 3, 1),
    )
    db.session.add(survey_round)
    if municipality == ODENSE:
        for text in (FORMULA_QUESTION, MARKUP_QUESTION):
            draft = QuestionDraft(
                texts={"da": text},
                type="likert5",
                options=[],
                max_length=None,
                help=None,
                show_if=None,
            )
            add_local_question(survey_round, create_question(municipality, draft))
    db.session.flush()
    open_round(survey_round)
    if state == "closed":
        survey_round.state = "closed"
    db.session.flush()
    return survey_round.id


@pytest.fixture
def rounds(app, invite):
    """A closed and an open Odense round, and a closed Rødovre round; returns their facts."""
    from survey.demo.answers import seed_responses
    from survey.models.base import random_id

    with app.app_context():
        closed = _round(ODENSE, "Forår 2026", "closed")
        still_open = _round(ODENSE, "Efterår 2026", "open")
        rodovre = _round(RODOVRE, "Forår 2026", "closed")
        for round_id, count, seed in ((closed, 120, 7), (still_open, 20, 8), (rodovre, 20, 9)):
            seed_responses(
                db.session.get(Round, round_id), count, seed, 0.6, first_day=date(2026, 3, 2)
            )
        ids = list(
            db.session.scalars(
                select(Response.id).where(Response.round_id == closed).order_by(Response.id)
            )
        )
        # Small benefit groups, one tiny age band, a department beginning with "-".
        position = 0
        for group, count in MERGED.items():
            db.session.execute(
                update(Response)
                .where(Response.id.in_(ids[position : position + count]))
                .values(benefit_group=group)
            )
            position += count
        db.session.execute(
            update(Response).where(Response.id.in_(ids[:2])).values(age_band=SMALL_AGE)
        )
        db.session.execute(
            update(Response).where(Response.round_id == closed).values(department="Nord")
        )
        for department, count in DEPARTMENTS.items():
            db.session.execute(
                update(Response).where(Response.id.in_(ids[-count:])).values(department=department)
            )
        # Comments that a spreadsheet would run, from people who wrote none.
        commented = set(
            db.session.scalars(select(Answer.response_id).where(Answer.item_code == COMMENT_ITEM))
        )
        quiet = [i for i in ids if i not in commented][: len(FORMULA_COMMENTS)]
        for response_id, comment in zip(quiet, FORMULA_COMMENTS, strict=True):
            db.session.add(Answer(response_id=response_id, item_code=COMMENT_ITEM, value=comment))
        # An unfinished response: never exported.
        unfinished = Response(
            id=random_id(),
            round_id=closed,
            channel="invitation",
            completed=False,
            resume_hash="f" * 64,
            benefit_group="dagpenge",
        )
        db.session.add(unfinished)
        db.session.flush()
        db.session.add(Answer(response_id=unfinished.id, item_code="kl.meeting.respect", value="4"))
        db.session.commit()
        facts = {"closed": closed, "open": still_open, "rodovre": rodovre}
        db.session.remove()
    facts["tokens"] = invite(closed, 6, benefit_group="dagpenge")
    return facts


def expected_rows(app, round_id: int) -> tuple[list[str], Counter]:
    """Header and rows (without the respondent number) the export must contain, from the DB."""
    from survey.rounds.definition import round_definition

    with app.app_context():
        definition = round_definition(db.session.get(Round, round_id))
        codes = [item.code for item in definition.items]
        responses = db.session.execute(
            select(Response.id, Response.benefit_group, Response.department).where(
                Response.round_id == round_id, Response.completed.is_(True)
            )
        ).all()
        answers: dict[str, dict[str, str]] = {}
        for response_id, code, value in db.session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value)
        ):
            answers.setdefault(response_id, {})[code] = value
        db.session.remove()
    rows = Counter()
    for response_id, group, department in responses:
        group = "other" if group in MERGED else group
        given = answers.get(response_id, {})
        rows[(group, department, *(given.get(code) for code in codes))] += 1
    return ["respondent", "benefit_group", "department", *codes], rows


def response_ids(app, round_id: int) -> list[str]:
    with app.app_context():
        ids = list(db.session.scalars(select(Response.id).where(Response.round_id == round_id)))
        db.session.remove()
    return ids


def run_cli(app, *args, ok: bool = True):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def export(app, round_id: int, fmt: str, path: Path, *extra: str) -> Path:
    run_cli(app, "export", round_id, "--format", fmt, "--output", path, *extra)
    return path


def read_csv(raw: bytes, delimiter: str) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # UTF-8 byte order mark, for Excel
    text = raw.decode("utf-8")[1:]
    assert "\ufeff" not in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def as_strings(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assert_rows_match(header, rows, want_header, want_rows, *, formula_text_columns=()):
    """Rows read back equal the database's, once neutralised text is taken back."""
    assert header == want_header
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    back = Counter()
    for row in rows:
        values = [as_strings(v) for v in row[1:]]
        for index, value in enumerate(values):
            if value is not None and value.startswith("'") and value[1:2] in DANGEROUS:
                values[index] = value[1:]
        back[tuple(values)] += 1
    assert back == want_rows


def assert_neutralised(cells) -> None:
    for cell in cells:
        if isinstance(cell, str):
            assert cell[:1] not in DANGEROUS, cell


def assert_nothing_identifying(text: str, app, facts) -> None:
    for response_id in response_ids(app, facts["closed"]):
        assert response_id not in text
    for token in facts["tokens"]:
        assert token not in text
    assert "f" * 64 not in text
    assert not DATE.search(text), DATE.search(text).group(0)


# --- the CLI --------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_export_is_bom_utf8_with_only_shareable_columns(app, rounds, tmp_path, delimiter):
    extra = ("--semicolon",) if delimiter == ";" else ()
    raw = export(app, rounds["closed"], "csv", tmp_path / "svar.csv", *extra).read_bytes()
    table = read_csv(raw, delimiter)
    header, rows = table[0], table[1:]
    want_header, want_rows = expected_rows(app, rounds["closed"])
    assert_rows_match(header, rows, want_header, want_rows)
    assert len(rows) == 120  # the unfinished response is not there
    assert all(len(row) == len(header) for row in rows)
    # Background: every value shared has at least 5 respondents; the small ones are "other".
    groups = Counter(row[1] for row in rows)
    assert groups["other"] == sum(MERGED.values())
    assert all(count >= 5 for count in groups.values()) and not set(MERGED) & set(groups)
    assert "age_band" not in header and SMALL_AGE not in raw.decode("utf-8")
    departments = Counter(row[2] for row in rows)
    assert departments == {"'-Vest": 12, "Nord": 108}
    # Comments that would be formulas are text; æøå survive.
    comments = [row[header.index(COMMENT_ITEM)] for row in rows]
    for comment in FORMULA_COMMENTS:
        assert "'" + comment in comments
    assert_neutralised(cell for row in rows for cell in row)
    text = raw.decode("utf-8")
    assert "længe" in text or "Praktikken" in text
    assert_nothing_identifying(text, app, rounds)
    if delimiter == ";":
        assert text.splitlines()[0].count(";") == len(header) - 1


def test_xlsx_export_has_numbers_text_and_no_formulas(app, rounds, tmp_path):
    import openpyxl

    path = export(app, rounds["closed"], "xlsx", tmp_path / "svar.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["data", "codebook", "languages"]
    sheet = book["data"]
    assert sheet.freeze_panes == "B2"
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    header, rows = table[0], table[1:]
    want_header, want_rows = expected_rows(app, rounds["closed"])
    assert_rows_match(header, rows, want_header, want_rows)
    likert = header.index("kl.meeting.respect")
    assert {type(row[likert]) for row in rows} <= {int, type(None)}
    assert any(isinstance(row[likert], int) for row in rows)
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (worksheet.title, cell.coordinate, cell.value)
        assert_neutralised(c.value for row in worksheet.iter_rows() for c in row)
    codebook_texts = [r[3] for r in book["codebook"].iter_rows(values_only=True)]
    assert neutralised(FORMULA_QUESTION) in codebook_texts and MARKUP_QUESTION in codebook_texts
    text = "\n".join(str(c) for row in table for c in row if c is not None)
    assert_nothing_identifying(text, app, rounds)


def missing_codes(meta, name: str) -> list[int]:
    """The discrete user-missing values of a variable, as SPSS declares them."""
    ranges = meta.missing_ranges.get(name, [])
    assert all(r["lo"] == r["hi"] for r in ranges)
    return sorted(int(r["lo"]) for r in ranges)


def test_sav_export_has_variable_and_value_labels(app, rounds, tmp_path):
    import pyreadstat

    from questionnaires.model import pick_text
    from survey.rounds.definition import round_definition

    path = export(app, rounds["closed"], "sav", tmp_path / "svar.sav")
    # user_missing=True: "ved ikke" and "ikke spurgt" read as their codes, to compare rows.
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    with app.app_context():
        definition = round_definition(db.session.get(Round, rounds["closed"]))
        db.session.remove()
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    names = list(frame.columns)
    assert names[:3] == ["respondent", "benefit_group", "department"]
    assert labels["benefit_group"] == "Ydelsesgruppe" and labels["department"] == "Afdeling"
    assert len(names) == 3 + len(definition.items) and len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,63}", name) and not name.endswith("."), name
    by_code = dict(zip([item.code for item in definition.items], names[3:], strict=True))
    for item in definition.items:
        name = by_code[item.code]
        assert labels[name] == pick_text(item.text, "da")[:255]
        if item.type == "likert5":
            assert meta.variable_value_labels[name] == {
                **{float(k): v for k, v in LIKERT_LABELS.items()},
                9.0: "Ikke spurgt",
            }
            assert meta.readstat_variable_types[name] == "double"
            assert meta.variable_measure[name] == "ordinal"
            assert meta.original_variable_types[name] == "F1.0"
            assert missing_codes(meta, name) == [0, 9]
        elif item.type == "yesno":
            assert meta.variable_value_labels[name] == {1.0: "Ja", 2.0: "Nej", 9.0: "Ikke spurgt"}
            assert meta.variable_measure[name] == "nominal"
            assert missing_codes(meta, name) == [9]
        else:
            assert meta.variable_measure[name] == "nominal"
    # Background codes are numbers with labels; the small groups together are "other".
    groups = meta.variable_value_labels["benefit_group"]
    assert "Andet (små grupper samlet)" in groups.values()
    assert meta.variable_measure["benefit_group"] == "nominal"
    assert meta.original_variable_types["benefit_group"] == "F1.0"
    assert labels[by_code[next(i.code for i in definition.items if i.source == "local")]] in (
        FORMULA_QUESTION,
        MARKUP_QUESTION,
    )
    back = {"Andet (små grupper samlet)": "other"}
    for variable in ("benefit_group", "department"):
        value_labels = meta.variable_value_labels[variable]
        frame[variable] = frame[variable].map(
            lambda v, value_labels=value_labels: back.get(value_labels.get(v), value_labels.get(v))
        )
    for name in by_code.values():
        if name in meta.missing_ranges:
            frame[name] = frame[name].where(frame[name] != max(missing_codes(meta, name)))
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    want_header, want_rows = expected_rows(app, rounds["closed"])
    assert_rows_match(
        ["respondent", "benefit_group", "department", *by_code],
        rows,
        want_header,
        want_rows,
    )
    strings = [v for row in rows for v in row if isinstance(v, str)]
    assert_neutralised(strings)
    assert "'" + FORMULA_COMMENTS[0] in strings
    assert_nothing_identifying("\n".join(strings), app, rounds)


def test_sav_read_back_gives_the_reports_n_and_mean_per_item(app, rounds, tmp_path):
    """An SPSS-compatible client's n and mean per item are those of `results compare --json`:
    "ved ikke" and "ikke spurgt" are missing values, not scores."""
    import json

    import pyreadstat

    path = export(app, rounds["closed"], "sav", tmp_path / "svar.sav")
    frame, meta = pyreadstat.read_sav(str(path))  # as a client: user-missing values are missing
    result = run_cli(app, "results", "compare", rounds["closed"], "--json")
    contract = json.loads(result.output)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    checked = 0
    for item in contract["items"]:
        if item["type"] != "likert5" or item["current"]["suppressed"]:
            continue
        name = next(n for n in meta.column_names if labels[n] == item["text"][:255])
        column = frame[name].dropna()
        assert len(column) == item["current"]["n"], item["code"]
        assert round(column.mean(), 6) == pytest.approx(item["current"]["mean"], abs=1e-6)
        checked += 1
    assert checked >= 15
    # Without the declaration "ved ikke" (0) would be a score: the raw codes give other means.
    raw, _meta = pyreadstat.read_sav(str(path), user_missing=True)
    respect = next(n for n in meta.column_names if n.endswith("meeting.respect"))
    assert (raw[respect] == 0).any()
    assert raw[respect].mean() != pytest.approx(frame[respect].mean())


def test_codebook_lists_every_item_and_option_as_text(app, rounds, tmp_path):
    """The codebook says what the .sav declares: levels, missing values, background codes."""
    from questionnaires.model import pick_text
    from survey.rounds.definition import round_definition

    raw = export(app, rounds["closed"], "codebook", tmp_path / "kodebog.csv").read_bytes()
    table = read_csv(raw, ",")
    header = ["code", "type", "theme", "text", "value", "label", "measure", "missing"]
    assert table[0] == header
    with app.app_context():
        definition = round_definition(db.session.get(Round, rounds["closed"]))
        db.session.remove()
    want = [header]
    want.append(["benefit_group", "background", "", "Ydelsesgruppe", "", "", "nominal", ""])
    groups = sorted({r[0] for r in expected_rows(app, rounds["closed"])[1]})
    for number, code in enumerate(groups, start=1):
        label = "Andet (små grupper samlet)" if code == "other" else code
        want.append(["benefit_group", "", "", "", str(number), f"{label} ({code})", "", ""])
    want.append(["department", "background", "", "Afdeling", "", "", "nominal", ""])
    want.append(["department", "", "", "", "1", "'-Vest (-Vest)", "", ""])
    want.append(["department", "", "", "", "2", "Nord (Nord)", "", ""])
    for item in definition.items:
        measure = "ordinal" if item.type == "likert5" else "nominal"
        text = neutralised(pick_text(item.text, "da"))
        want.append([item.code, item.type, item.theme, text, "", "", measure, ""])
        for o in item.options:
            missing = "ja" if o.value == 0 and item.type == "likert5" else ""
            want.append(
                [item.code, "", "", "", str(o.value), pick_text(o.label, "da"), "", missing]
            )
        if item.type in ("likert5", "yesno", "single"):
            want.append([item.code, "", "", "", "9", "Ikke spurgt", "", "ja"])
    title = "Gennemførte besvarelser pr. svarsprog (under 5 kun samlet)"
    want.append(["answer_language", "summary", "", title, "", "", "", ""])
    for code, n in language_counts(app, rounds["closed"]).most_common():
        name = {"da": "Dansk", "en": "Engelsk"}[code]
        want.append(["answer_language", "", "", "", code, f"{name}: {n}", "", ""])
    assert table == want
    assert_neutralised(cell for row in table for cell in row)
    assert MARKUP_QUESTION in raw.decode("utf-8")


def language_counts(app, round_id: int) -> Counter:
    with app.app_context():
        counts = Counter(
            db.session.scalars(
                select(Response.ui_language).where(
                    Response.round_id == round_id, Response.completed.is_(True)
                )
            )
        )
        db.session.remove()
    return counts


def test_exports_count_answers_per_language_and_hide_small_languages(app, rounds, tmp_path):
    """Three answered in Arabic and one in Tigrinya: never a count of 3 or 1, and not one to
    be had by subtracting the others from the number of rows; no language column per row."""
    import openpyxl
    import pyreadstat

    closed = rounds["closed"]
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Response.id)
                .where(Response.round_id == closed, Response.completed.is_(True))
                .order_by(Response.id)
            )
        )
        db.session.execute(
            update(Response).where(Response.round_id == closed).values(ui_language="da")
        )
        for language, chosen in (("en", ids[:8]), ("ar", ids[8:11]), ("ti", ids[11:12])):
            db.session.execute(
                update(Response).where(Response.id.in_(chosen)).values(ui_language=language)
            )
        db.session.commit()
        db.session.remove()
    danish = len(ids) - 12
    # Arabic and Tigrinya together are 4: English (the smallest shown) joins them.
    want = [["language", "name", "completed"], ["da", "Dansk", danish]]
    want.append(["ar, en, ti", "Arabisk, Engelsk, Tigrinya", 12])

    book = openpyxl.load_workbook(export(app, closed, "xlsx", tmp_path / "svar.xlsx"))
    assert [list(r) for r in book["languages"].iter_rows(values_only=True)] == want
    header = next(book["data"].iter_rows(values_only=True))
    assert not any("lang" in str(name) for name in header)
    codebook = read_csv(export(app, closed, "codebook", tmp_path / "kb.csv").read_bytes(), ",")
    language_lines = [row[4:6] for row in codebook if row[0] == "answer_language"][1:]
    assert language_lines == [
        ["da", f"Dansk: {danish}"],
        ["ar, en, ti", "Arabisk, Engelsk, Tigrinya: 12"],
    ]
    _frame, meta = pyreadstat.read_sav(str(export(app, closed, "sav", tmp_path / "svar.sav")))
    notes = "\n".join(meta.notes)
    assert f"answer_language da (Dansk): {danish}" in notes
    assert "answer_language ar, en, ti (Arabisk, Engelsk, Tigrinya): 12" in notes
    assert len(meta.notes) == 2  # exactly the two counts above: no 3, 1 or 8 anywhere


def test_an_open_round_is_not_exported_and_each_export_is_audited(app, rounds, tmp_path):
    for fmt in ("csv", "xlsx", "sav", "codebook"):
        target = tmp_path / f"open.{fmt}"
        result = run_cli(
            app, "export", rounds["open"], "--format", fmt, "--output", target, ok=False
        )
        assert result.exit_code != 0 and "closed" in result.output
        assert not target.exists()
    assert "answers.export" not in audit_actions(app)

    for fmt, extra in (
        ("csv", ()),
        ("csv", ("--semicolon",)),
        ("xlsx", ()),
        ("sav", ()),
        ("codebook", ()),
    ):
        export(app, rounds["closed"], fmt, tmp_path / f"closed.{fmt}", *extra)
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.object_id, AuditEvent.details)
            .where(AuditEvent.action == "answers.export")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    assert [e.details["format"] for e in events] == ["csv", "csv", "xlsx", "sav", "codebook"]
    assert {(e.actor, e.object_id) for e in events} == {("cli", str(rounds["closed"]))}
    assert audit_actions(app, ODENSE).count("answers.export") == 5


# --- downloads ------------------------------------------------------------------------------


def test_an_analyst_downloads_the_same_exports_and_each_is_audited(app, rounds, tmp_path):
    import openpyxl
    import pyreadstat

    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    closed = rounds["closed"]
    want_header, want_rows = expected_rows(app, closed)

    for query, delimiter in (("", ","), ("&sep=semicolon", ";")):
        response = analyst.get(f"/results/export.csv?round={closed}{query}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        kind = "svar-semikolon" if query else "svar"
        name = f"{kind}_odense_foraar-2026-runde{closed}_{date.today().isoformat()}.csv"
        assert f'filename="{name}"' in response.headers["Content-Disposition"]
        raw = response.get_data()
        cli = export(app, closed, "csv", tmp_path / "cli.csv", *(("--semicolon",) if query else ()))
        assert raw == cli.read_bytes()
        table = read_csv(raw, delimiter)
        assert_rows_match(table[0], table[1:], want_header, want_rows)

    response = analyst.get(f"/results/export.xlsx?round={closed}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    table = [[c.value for c in row] for row in book["data"].iter_rows()]
    assert_rows_match(table[0], table[1:], want_header, want_rows)

    response = analyst.get(f"/results/export.sav?round={closed}")
    assert response.status_code == 200
    name = f"svar_odense_foraar-2026-runde{closed}_{date.today().isoformat()}.sav"
    assert f'filename="{name}"' in response.headers["Content-Disposition"]
    (tmp_path / "web.sav").write_bytes(response.get_data())
    frame, meta = pyreadstat.read_sav(str(tmp_path / "web.sav"))
    assert len(frame) == sum(want_rows.values()) and meta.variable_value_labels

    response = analyst.get(f"/results/export.codebook?round={closed}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    name = f"kodebog_odense_foraar-2026-runde{closed}_{date.today().isoformat()}.csv"
    assert f'filename="{name}"' in response.headers["Content-Disposition"]
    assert response.get_data() == export(app, closed, "codebook", tmp_path / "kb.csv").read_bytes()

    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.actor, AuditEvent.details)
            .where(AuditEvent.action == "answers.export")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    web = [e.details["format"] for e in events if e.actor == "analytiker@odense.dk"]
    assert web == ["csv", "csv", "xlsx", "sav", "codebook"]
    assert [e.details["format"] for e in events if e.actor == "cli"] == ["csv", "csv", "codebook"]


def test_an_open_round_cannot_be_downloaded(app, rounds):
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    for fmt in ("csv", "xlsx", "sav", "codebook"):
        response = analyst.get(f"/results/export.{fmt}?round={rounds['open']}")
        assert response.status_code == 302
        assert f"round={rounds['open']}" in response.headers["Location"]
    assert "answers.export" not in audit_actions(app)


def test_export_downloads_are_tenancy_scoped_and_for_analysts_and_admins(app, rounds):
    make_user(app, "analytiker@rk.dk", "analyst", RODOVRE)
    make_user(app, "admin@odense.dk", "admin", ODENSE)
    make_user(app, "operator@kl.dk", "operator")
    rodovre = logged_in(app, "analytiker@rk.dk")
    for fmt in ("csv", "xlsx", "sav", "codebook"):
        assert rodovre.get(f"/results/export.{fmt}?round={rounds['closed']}").status_code == 404
        assert rodovre.get(f"/results/export.{fmt}?round={rounds['open']}").status_code == 404
    assert rodovre.get(f"/results/export.csv?round={rounds['rodovre']}").status_code == 200
    assert rodovre.get("/results/export.csv?round=999999").status_code == 404
    assert rodovre.get("/results/export.csv").status_code == 404

    admin = logged_in(app, "admin@odense.dk")
    assert admin.get(f"/results/export.csv?round={rounds['closed']}").status_code == 200
    assert admin.get(f"/results/export.csv?round={rounds['rodovre']}").status_code == 404

    operator = logged_in(app, "operator@kl.dk")
    assert operator.get(f"/results/export.csv?round={rounds['closed']}").status_code == 403
    anonymous = app.test_client().get(f"/results/export.csv?round={rounds['closed']}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    assert audit_actions(app, ODENSE).count("answers.export") == 1
    assert audit_actions(app, RODOVRE).count("answers.export") == 1
