"""Files for translators: XLIFF 2.0 (what translation tools read), CSV and XLSX (Excel).

Every format carries, per text, its id, the Danish source, the translation and a note;
import reads them back into units. A file we cannot read raises ExchangeError with a
message for the person who sent it.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.parsers import expat

from questionnaires.translation import SOURCE_LANGUAGE, Unit

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
FORMATS = ("xliff", "csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"
# A spreadsheet reads a cell starting so as a formula: such texts are written with a
# leading apostrophe in CSV (removed again on import) and as plain strings in XLSX.
FORMULA_START = ("=", "+", "-", "@")
MAX_FILE_BYTES = 5_000_000
# A translation made from a Danish text that changed since: XLIFF 2.0 segment state
# "initial" with this sub-state (1.2: state="needs-review-translation"), and "stale" in the
# status column of CSV and XLSX.
STALE_SUBSTATE = "borgerblik:stale"
STALE = "stale"


class ExchangeError(ValueError):
    """A translation file that cannot be read."""


def write(units: Iterable[Unit], fmt: str, name: str, language: str) -> bytes:
    units = list(units)
    if fmt == "xliff":
        return to_xliff(units, name, language)
    if fmt == "csv":
        return to_csv(units, language)
    if fmt == "xlsx":
        return to_xlsx(units, language)
    raise ExchangeError(f"unknown format '{fmt}' (use {', '.join(FORMATS)})")


def read(data: bytes) -> tuple[str, list[Unit]]:
    """The target language and units of a file in any of the formats (told by its content)."""
    if len(data) > MAX_FILE_BYTES:
        raise ExchangeError("the file is larger than 5 MB; it cannot be a translation file")
    if data.startswith(XLSX_MAGIC):
        return from_xlsx(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith((b"<?xml", b"<xliff", b"\xff\xfe", b"\xfe\xff")):  # UTF-16 too
        return from_xliff(data)
    return from_csv(data)


# --- XLIFF 2.0 ---------------------------------------------------------------------------


def to_xliff(units: list[Unit], name: str, language: str) -> bytes:
    ET.register_namespace("", XLIFF_NS)
    root = ET.Element(
        f"{{{XLIFF_NS}}}xliff",
        {"version": "2.0", "srcLang": SOURCE_LANGUAGE, "trgLang": language},
    )
    file_node = ET.SubElement(root, f"{{{XLIFF_NS}}}file", {"id": name, "original": name})
    for unit in units:
        node = ET.SubElement(file_node, f"{{{XLIFF_NS}}}unit", {"id": unit.id})
        if unit.note:
            notes = ET.SubElement(node, f"{{{XLIFF_NS}}}notes")
            note = ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": "context"})
            note.text = f"{unit.note}; at most {unit.max_length} characters"
        if unit.stale and unit.target:
            # XLIFF 2.0 has no "needs review" state: initial, with our sub-state saying why.
            attributes = {"state": "initial", "subState": STALE_SUBSTATE}
        else:
            attributes = {"state": "translated" if unit.target else "initial"}
        segment = ET.SubElement(node, f"{{{XLIFF_NS}}}segment", attributes)
        ET.SubElement(segment, f"{{{XLIFF_NS}}}source").text = unit.source
        if unit.target:
            ET.SubElement(segment, f"{{{XLIFF_NS}}}target").text = unit.target
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def from_xliff(data: bytes) -> tuple[str, list[Unit]]:
    _refuse_document_types(data)
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD or entity got past the check above
    except ET.ParseError as error:
        raise ExchangeError(f"the file is not valid XML ({error})") from None
    namespace = root.tag.partition("}")[0].lstrip("{") if root.tag.startswith("{") else ""
    if root.tag.rpartition("}")[2] != "xliff":
        raise ExchangeError("the file is XML but not XLIFF")
    if namespace == XLIFF_NS:
        return _xliff2(root)
    if namespace == "urn:oasis:names:tc:xliff:document:1.2":
        return _xliff12(root, namespace)
    raise ExchangeError("the file is XLIFF of a version we do not read (use 2.0 or 1.2)")


def _refuse_document_types(data: bytes) -> None:
    """No document type and no entities: a translation file needs neither, and refusing them
    keeps entity expansion ("billion laughs") and external entities out. Expat reads the
    file's own encoding, so a UTF-16 file cannot hide a declaration from this check."""

    def refuse(*_args) -> None:
        raise ExchangeError("the XLIFF file declares a document type or entities; remove them")

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    try:
        scanner.Parse(data, True)
    except expat.ExpatError as error:
        raise ExchangeError(f"the file is not valid XML ({error})") from None


def _xliff2(root) -> tuple[str, list[Unit]]:
    ns = {"x": XLIFF_NS}
    language = root.get("trgLang") or ""
    units = []
    for node in root.iterfind(".//x:unit", ns):
        segments = list(node.iterfind(".//x:segment", ns))
        sources = [seg.findtext("x:source", "", ns) for seg in segments]
        targets = [seg.findtext("x:target", "", ns) for seg in segments]
        stale = any(seg.get("subState") == STALE_SUBSTATE for seg in segments)
        units.append(Unit(node.get("id") or "", "".join(sources), "".join(targets), stale=stale))
    return language, units


def _xliff12(root, namespace: str) -> tuple[str, list[Unit]]:
    ns = {"x": namespace}
    file_node = root.find("x:file", ns)
    language = file_node.get("target-language", "") if file_node is not None else ""
    units = [
        Unit(
            node.get("id") or "",
            node.findtext("x:source", "", ns),
            node.findtext("x:target", "", ns),
            stale=(target := node.find("x:target", ns)) is not None
            and target.get("state") == "needs-review-translation",
        )
        for node in root.iterfind(".//x:trans-unit", ns)
    ]
    return language, units


# --- CSV and XLSX ---------------------------------------------------------------------------


def _rows(units: list[Unit], language: str) -> list[list[str]]:
    header = ["id", SOURCE_LANGUAGE, language, "max_length", "note", "status"]
    return [header] + [
        [
            unit.id,
            unit.source,
            unit.target,
            str(unit.max_length),
            unit.note,
            STALE if unit.stale and unit.target else "",
        ]
        for unit in units
    ]


def to_csv(units: list[Unit], language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in _rows(units, language):
        writer.writerow(["'" + cell if cell.startswith(FORMULA_START) else cell for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8


def from_csv(data: bytes) -> tuple[str, list[Unit]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExchangeError("the CSV file is not UTF-8 text (save it as “CSV UTF-8”)") from None
    dialect = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=dialect))
    return _from_rows(
        rows,
        lambda cell: (
            cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell
        ),
    )


def to_xlsx(units: list[Unit], language: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{SOURCE_LANGUAGE}-{language}"
    for row in _rows(units, language):
        sheet.append([None] * len(row))
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever the text starts with
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def from_xlsx(data: bytes) -> tuple[str, list[Unit]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ExchangeError("the file could not be read as an Excel workbook (.xlsx)") from None
    try:
        rows = [
            ["" if cell is None else str(cell) for cell in row]
            for row in workbook.worksheets[0].values
        ]
    finally:
        workbook.close()
    return _from_rows(rows, lambda cell: cell)


def _from_rows(rows: list[list[str]], clean) -> tuple[str, list[Unit]]:
    if not rows:
        raise ExchangeError("the file is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    if len(header) < 3 or header[0] != "id" or header[1] != SOURCE_LANGUAGE:
        raise ExchangeError(
            "the first row must be: id, da, the language code, max_length, note "
            "(as in the exported file)"
        )
    language = header[2]
    status = header.index("status") if "status" in header else None
    units = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ExchangeError(f"row {number} has fewer than three columns")
        stale = status is not None and len(row) > status and row[status].strip() == STALE
        units.append(Unit(row[0].strip(), clean(row[1]), clean(row[2]), stale=stale))
    return language, units
