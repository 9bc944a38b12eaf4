"""Send-list templates to fill in: the columns, and in Excel a sheet of the allowed values.

Values are written as operators maintain them; labels are data typed by staff, so a cell
that a spreadsheet would run as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from survey.core.labels import variable_label
from survey.invitations.sendlist import COLUMNS, FORMULA_START
from survey.models.background import BACKGROUND_VARIABLES
from survey.settings.background import all_values


def template_csv() -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a byte order mark
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(COLUMNS)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Send list")
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    codes = workbook.create_sheet(_("Allowed values"))
    codes.append([_("Column"), _("Code"), _("Name (Danish)"), _("Name (English)")])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    listed = set()
    for value in all_values():
        if not value.active:
            continue
        listed.add(value.variable)
        labels = value.label or {}
        codes.append(
            [
                _safe(value.variable),
                _safe(value.code),
                _safe(labels.get("da", "")),
                _safe(labels.get("en", "")),
            ]
        )
    codes.append([])
    codes.append(
        [_("Write a value as its code or its name; capital letters and accents do not matter.")]
    )
    free = [variable_label(name) for name in BACKGROUND_VARIABLES if name not in listed]
    if free:
        codes.append(
            [
                _(
                    "Columns without a list here take any short code: %(names)s.",
                    names=", ".join(free),
                )
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text
