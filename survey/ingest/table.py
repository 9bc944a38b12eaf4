"""The one reader for tables people upload: send lists, respondent files, history files.

CSV (UTF-8 with or without a byte order mark, `;` or `,` between columns, as Danish and
English Excel save it) or an Excel workbook (.xlsx, its first sheet). Rows keep their place:
a blank row is an empty list, so row numbers in messages are the file's own (the header is
row 1). Problems are `TableError`s with a message for the person who uploaded the file.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from itertools import islice

from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
# A cell starting so is a formula to a spreadsheet: refused in uploads, quoted in exports.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Rows a file may have below its header: the largest send list (200,000 citizens,
# survey.invitations.sendlist). Reading stops one row past it: a 600 kB workbook can hold
# two million rows (its sheet's XML compresses about 250 to 1), and reading them all took
# 99 s of CPU and 450 MB.
MAX_ROWS = 200_000
# What a workbook's parts may come to once unzipped, as its directory says. A send list of
# 200,000 rows with five columns is about 60 MB of sheet XML; more is not a table of ours.
MAX_UNZIPPED = 150 * 1024 * 1024
MAX_PARTS = 1_000
# What a broken or hostile workbook raises from inside the zip and XML readers (an XML
# ParseError, expat's refusal of an entity expansion and lxml's XMLSyntaxError are all
# SyntaxErrors; a workbook without a sheet is an IndexError).
UNREADABLE = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    IndexError,
    SyntaxError,
    EOFError,
    zlib.error,
    struct.error,
)


class TableError(ValueError):
    """A file that cannot be read as a table; `problems` say why, rows numbered as in the file."""

    def __init__(self, problems: list[str], rows_read: Table | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self.rows_read = rows_read  # rows read before a broken row, if any


@dataclass
class Table:
    header: list[str]  # stripped; callers decide about case
    rows: list[list[str]]  # row n of the file is rows[n - 2]; blank rows are []

    def numbered(self) -> list[tuple[int, list[str]]]:
        """(row number in the file, cells) for every row that is not blank."""
        return [(number, cells) for number, cells in enumerate(self.rows, start=2) if cells]


def read_table(data: bytes) -> Table:
    """Read an uploaded CSV or XLSX file; raises TableError with a message for its author."""
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(
            [_('The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 (comma delimited)".')]
        ) from None
    if "\x00" in text:
        raise TableError([_("The file contains binary data; it is not a CSV file.")])
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise TableError([_("The file is empty. The first line must name the columns.")])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error:
        raise TableError([_("The first line could not be read as CSV.")]) from None
    rows: list[list[str]] = []
    try:
        for cells in islice(reader, MAX_ROWS + 1):
            rows.append(cells if any(cell.strip() for cell in cells) else [])
    except csv.Error as error:
        problem = _(
            "Row %(row)d could not be read as CSV (%(problem)s).",
            row=len(rows) + 2,
            problem=str(error),
        )
        raise TableError([problem], Table(header, rows)) from None
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    return Table(header, rows)


def _too_many_rows() -> TableError:
    return TableError(
        [_("The file has more than %(n)d rows. Split it into smaller files.", n=MAX_ROWS)]
    )


def _check_parts(data: bytes) -> None:
    """Refuse a workbook whose parts unzip to more than a table of ours could be (a zip
    bomb) before any of it is unzipped."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNZIPPED:
            raise TableError(
                [_("The workbook is larger unpacked than any send list or table can be.")]
            )


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # loaded on first use: most uploads are CSV

    try:
        _check_parts(data)
        # Not data_only: a formula stays a formula ("=..."), so the formula check refuses it.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0].values
            values = [[_cell_text(cell) for cell in row] for row in islice(sheet, MAX_ROWS + 2)]
        finally:
            workbook.close()
    except TableError:
        raise
    except UNREADABLE:
        raise TableError([_("The file could not be read as an Excel workbook (.xlsx).")]) from None
    if len(values) > MAX_ROWS + 1:  # the header and MAX_ROWS rows
        raise _too_many_rows()
    if not values or not any(cell.strip() for cell in values[0]):
        raise TableError([_("The file is empty. The first line must name the columns.")])
    header = [name.strip() for name in values[0]]
    while header and not header[-1]:
        header.pop()
    rows = []
    for cells in values[1:]:
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()  # a sheet is as wide as its widest row: trailing empty cells are padding
        rows.append(cells if any(cell.strip() for cell in cells) else [])
    return Table(header, rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 4 as 4.0
    return str(value)
