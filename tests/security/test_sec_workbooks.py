"""Attacks through an uploaded workbook (send lists, respondent and history files all go
through survey.ingest.table): a file that is small zipped and huge unzipped, a sheet of
more rows than any list of ours, and broken workbooks that made the readers raise what
the upload page did not catch (HTTP 500, the upload lost). Each gets a message instead."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from survey.ingest import table
from survey.ingest.table import TableError, read_table

SHEET = "xl/worksheets/sheet1.xml"
UNREADABLE = "The file could not be read as an Excel workbook (.xlsx)."


def workbook(replace: dict[str, bytes | None] | None = None) -> bytes:
    """A one-sheet workbook with a header and a row, with parts replaced (None: removed)."""
    book = Workbook()
    book.active.append(["reference", "mobile"])
    book.active.append(["A1", "20202020"])
    saved = io.BytesIO()
    book.save(saved)
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part in source.infolist():
            if part.filename in replace:
                if replace[part.filename] is not None:
                    z.writestr(part.filename, replace[part.filename])
            else:
                z.writestr(part, source.read(part.filename))
        for name, content in replace.items():
            if name not in source.namelist() and content is not None:
                z.writestr(name, content)
    return out.getvalue()


def sheet_of_rows(count: int) -> bytes:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + row * count + b"</sheetData></worksheet>"
    )


def test_a_plain_workbook_is_still_read():
    assert read_table(workbook()).header == ["reference", "mobile"]


def test_a_workbook_that_unzips_past_any_table_of_ours_is_refused_unread(monkeypatch):
    monkeypatch.setattr(table, "MAX_UNZIPPED", 2_000_000)
    bomb = workbook({"xl/padding.xml": b"\0" * 3_000_000})  # about 3 kB zipped
    assert len(bomb) < 20_000
    with pytest.raises(TableError, match="larger unpacked"):
        read_table(bomb)


def test_reading_stops_after_the_most_rows_a_list_may_have(monkeypatch):
    monkeypatch.setattr(table, "MAX_ROWS", 1_000)
    with pytest.raises(TableError, match="more than 1000 rows"):
        read_table(workbook({SHEET: sheet_of_rows(50_000)}))
    with pytest.raises(TableError, match="more than 1000 rows"):
        read_table(b"reference\n" + b"x\n" * 5_000)
    assert len(read_table(workbook({SHEET: sheet_of_rows(1_001)})).rows) == 1_000
    assert len(read_table(b"reference\n" + b"x\n" * 1_000).rows) == 1_000


@pytest.mark.parametrize(
    "parts",
    [
        {SHEET: sheet_of_rows(3)[:-20]},  # cut short: an XML ParseError
        {"xl/workbook.xml": b"<workbook"},  # lxml's or expat's XMLSyntaxError
        {  # a workbook of no sheets: workbook.worksheets[0] was an IndexError
            "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheets/></workbook>'
        },
        {  # an entity expanding past expat's limit
            SHEET: b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(
                f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
                for p, c in zip("abcdefg", "bcdefgh", strict=True)
            )
            + b']><worksheet><sheetData><row><c t="inlineStr"><is><t>&h;</t></is></c></row>'
            b"</sheetData></worksheet>"
        },
    ],
    ids=["sheet cut short", "workbook cut short", "no sheet", "entity expansion"],
)
def test_a_broken_workbook_gets_a_message(parts):
    with pytest.raises(TableError) as refused:
        read_table(workbook(parts))
    assert refused.value.problems in (
        [UNREADABLE],
        ["The file is empty. The first line must name the columns."],
    )


def test_the_send_page_answers_a_broken_workbook_with_a_message(app, sign_in, people, make_round):
    """Before: HTTP 500, and the upload lost. Now the page says why the file was refused."""
    round_id = make_round(461, state="draft")
    response = sign_in(people.odense_admin).post(
        f"/admin/rounds/{round_id}/send",
        {
            "action": "check",
            "file": (io.BytesIO(workbook({SHEET: sheet_of_rows(3)[:-20]})), "liste.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400)
    assert "Filen kunne ikke læses som en Excel-projektmappe" in response.get_data(as_text=True)
