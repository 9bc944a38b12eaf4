"""Word layout for the DOCX report: A4, house styles, header, page numbers, a table of
contents field, tables whose columns fit their text, and pictures with alternative text.

Kept apart from what the report says (document.py), so a committee secretary gets a
document that pastes into an agenda: Word heading styles drive the navigation pane and the
table of contents; numbers never break inside a column sized for them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import deepcopy

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor

from survey.core.security import CONTROL_CHARACTERS

TEXT_WIDTH_MM = 180.0  # A4 210 mm less 15 mm margins, as the PDF
LANDSCAPE_WIDTH_MM = 267.0  # A4 turned: 297 mm less 15 mm margins
FONT = "Arial"
ACCENT = RGBColor(0x08, 0x30, 0x6B)  # the dark blue of the charts and the HTML report
TABLE_PT = 7.5
CHAR_MM = 1.6  # a character of Arial at 7.5 pt (digits 1.4 mm), a little generous
CELL_PADDING_MM = 4.2  # Word pads a cell 1.9 mm each side
MIN_FIRST_MM = 40.0


def text(value) -> str:
    """Text Word can hold: python-docx refuses control characters (a stored comment or
    title with one made the whole report fail)."""
    return CONTROL_CHARACTERS.sub("", str(value))


def remember_style_ids(document) -> None:
    """Each style named (Heading 1, Caption, Table Grid ...) looked up once per document.

    python-docx finds a named style by searching styles.xml's some 160 styles, and then the
    default style of its type, on every paragraph, heading and table it adds: a tenth of
    the DOCX's time for some 200 lookups of a handful of names. The names and ids of the
    document's styles do not change while it is written (set_up changes fonts only)."""
    part = document.part
    look_up = part.get_style_id
    ids: dict[tuple[str, object], str | None] = {}

    def get_style_id(style_or_name, style_type):
        if not isinstance(style_or_name, str):
            return look_up(style_or_name, style_type)
        key = (style_or_name, style_type)
        if key not in ids:
            ids[key] = look_up(style_or_name, style_type)
        return ids[key]

    part.get_style_id = get_style_id


def set_up(document, header_text: str, page_label: str, of_label: str) -> None:
    """A4 portrait, house fonts and colours, a running header and "Side X af Y"."""
    remember_style_ids(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    styles = document.styles
    styles["Normal"].font.name = FONT
    styles["Normal"].font.size = Pt(10)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 12), ("Caption", 9)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
        # Headings keep with what follows: no heading alone at the foot of a page.
        style.paragraph_format.keep_with_next = True
    styles["Caption"].font.italic = False
    styles["Caption"].font.bold = True
    header = section.header.paragraphs[0]
    header.text = text(header_text)
    header.style.font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(f"{page_label} ")
    field(footer, "PAGE")
    footer.add_run(f" {of_label} ")
    field(footer, "NUMPAGES")
    # Word fills in the fields (page numbers, the table of contents) when the file opens.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES, TOC ...) with the text shown until Word updates it."""
    for kind, body in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {body} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def table_of_contents(document, title: str, placeholder: str) -> None:
    heading = document.add_paragraph(text(title), style="TOC Heading")
    heading.paragraph_format.keep_with_next = True
    field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', placeholder)


def _longest(values: Sequence[str], split: str | None) -> int:
    """Characters of the longest cell, or of its longest part that may not break: split at
    " (" ("62 % (55–69 %)" may wrap before its interval) or, in a wide table, at spaces
    (between words and figures, never inside a figure)."""
    parts = (part for value in values for part in (value.split(split) if split else [value]))
    return max((len(part) for part in parts), default=1)


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], text_width: float = TEXT_WIDTH_MM
) -> list[float]:
    """Millimetres per column: every column after the first as wide as its longest cell (so
    "145" never becomes "14/5") or its longest header word; where that leaves the question
    text too little room, a figure may wrap before its parenthesis, and then between its
    words. The first column, the question text, gets the rest and wraps."""

    def widths(split: str | None) -> list[float]:
        result = []
        for index in range(1, len(header)):
            words = max((len(word) for word in header[index].split()), default=1)
            cells = _longest([row[index] for row in rows], split)
            result.append(max(words, cells) * CHAR_MM + CELL_PADDING_MM)
        return result

    for split in (None, " (", " "):
        others = widths(split)
        if text_width - sum(others) >= MIN_FIRST_MM:
            break
    first = max(text_width - sum(others), MIN_FIRST_MM)
    return [first, *others]


def needs_landscape(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bool:
    """Whether a table's figures fit across a portrait page only by breaking inside them."""
    cells_text = [[text(value) for value in values] for values in rows]
    return sum(column_widths(header, cells_text)) > TEXT_WIDTH_MM + 0.5


def _turn(document, landscape: bool) -> None:
    """A new section on a new page, turned to landscape or back to portrait (the header and
    page numbers follow from the section before)."""
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def add_table(document, caption: str, header: list[str], rows: Sequence[Sequence[object]]):
    """A table whose columns fit their figures: on a landscape page of its own when the
    figures (a split's changes, benchmarks and groups against the rest) are too many for
    a portrait page."""
    landscape = needs_landscape(header, rows)
    if landscape:
        _turn(document, landscape=True)
    table = _add_table(
        document, caption, header, rows, LANDSCAPE_WIDTH_MM if landscape else TEXT_WIDTH_MM
    )
    if landscape:
        _turn(document, landscape=False)
    return table


def _add_table(document, caption, header, rows, text_width: float):
    document.add_paragraph(text(caption), style="Caption")
    cells_text = [[text(value) for value in values] for values in rows]
    widths = column_widths(header, cells_text, text_width)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # The header row repeats on every page a long table runs onto.
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    _lay_out_row(table.rows[0], widths)
    if cells_text:
        first = table.add_row()
        for cell, value in zip(first.cells, cells_text[0], strict=True):
            cell.text = value
        _lay_out_row(first, widths)
        # Every further row a copy of the first, widths, alignment and type size included,
        # given its own texts: python-docx setting each cell's properties one by one was
        # most of a long table's time (the DOCX has some 2,000 cells).
        for values in cells_text[1:]:
            row = deepcopy(first._tr)
            table._tbl.append(row)
            for cell, value in zip(row.tc_lst, values, strict=True):
                cell.p_lst[0].r_lst[0].text = value  # a run's text, tabs and breaks as Word's
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    return table


def _lay_out_row(row, widths: Sequence[float]) -> None:
    """A row's cells as wide as their columns, figures right-aligned, at the table's size."""
    for index, (cell, width) in enumerate(zip(row.cells, widths, strict=True)):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        if index:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for run in paragraph.runs:
            run.font.size = Pt(TABLE_PT)


def add_picture(document, png: bytes, alt: str, width_inches: float, height_inches: float):
    """A chart at the full text width, its alternative text the same as the SVG's."""
    width = Mm(TEXT_WIDTH_MM)
    height = Inches(height_inches * width.inches / width_inches)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    shape = paragraph.add_run().add_picture(io.BytesIO(png), width=width, height=height)
    properties = shape._inline.docPr
    properties.set("descr", text(alt))
    properties.set("title", text(alt.split(". ", 1)[0]))
    return shape
