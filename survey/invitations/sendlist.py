"""Send lists: the CSV an administrator uploads to get one invitation link per row.

Nothing is imported until the whole file is clean, and every problem is listed by row and
column. The `reference` column is the municipality's own row id, handed back beside each
link so their SMS or Digital Post system can match links to people; it is never stored.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from survey.ingest.cpr import contains_cpr
from survey.ingest.table import FORMULA_START, TableError, read_table
from survey.invitations.contacts import normalise_email, normalise_mobile
from survey.models.background import BACKGROUND_VARIABLES
from survey.settings.background import CODE_PATTERN, accepted_values, fold

MAX_BYTES = 5 * 1024 * 1024
UPLOAD_LIMIT = MAX_BYTES * 3  # read oversized files to say how large they are, within reason
MAX_ROWS = 200_000
MAX_ERRORS = 200
REFERENCE = "reference"
MOBILE, EMAIL = "mobile", "email"
CONTACT_COLUMNS = (MOBILE, EMAIL)
COLUMNS = (REFERENCE, *CONTACT_COLUMNS, *BACKGROUND_VARIABLES)
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")


@dataclass
class SendList:
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    remapped: dict[str, int] = field(default_factory=dict)  # "variable: old -> new": rows

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_send_list(data: bytes, for_sending: bool = False) -> SendList:
    """Read and check a send list; `rows` are usable only when `errors` is empty.

    For sending by Borgerblik every row needs a mobile number or an e-mail address (both
    normalised here); otherwise contact columns are read and checked but never used.
    """
    result = SendList()
    if len(data) > MAX_BYTES:
        result.errors.append(
            _(
                "The file is %(size)s MB. A send list may be at most %(limit)d MB.",
                size=f"{len(data) / 1024 / 1024:.1f}",
                limit=MAX_BYTES // 1024 // 1024,
            )
        )
        return result
    try:
        table, broken = read_table(data), []
    except TableError as error:
        if error.rows_read is None:
            result.errors.extend(error.problems)
            return result
        table, broken = error.rows_read, error.problems  # check the rows before the broken one
    header = [name.lower() for name in table.header]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        result.errors.append(
            _(
                "Unknown columns: %(unknown)s. Allowed columns: %(allowed)s.",
                unknown=", ".join(unknown),
                allowed=", ".join(COLUMNS),
            )
        )
    if REFERENCE not in header:
        result.errors.append(
            _('The column "reference" is missing (your own id for each row, not a CPR number).')
        )
    duplicated = {name for name, times in Counter(header).items() if times > 1}
    if duplicated:
        result.errors.append(
            _("Columns named more than once: %(names)s.", names=", ".join(sorted(duplicated)))
        )
    if result.errors:
        return result
    permitted = accepted_values()
    seen_references: dict[str, int] = {}
    for line_number, cells in table.numbered():
        if len(result.rows) >= MAX_ROWS:
            result.errors.append(_("The file has more than %(n)d rows.", n=MAX_ROWS))
            break
        row = _check_row(line_number, cells, header, permitted, seen_references, result)
        if row is not None and for_sending and not (row.get(MOBILE) or row.get(EMAIL)):
            result.errors.append(
                _(
                    "Row %(row)d: give a mobile number or an e-mail address, or the invitation "
                    "cannot be sent.",
                    row=line_number,
                )
            )
        elif row is not None:
            result.rows.append(row)
        if len(result.errors) >= MAX_ERRORS:
            result.errors.append(_("There are more errors; fix these first."))
            break
    result.errors.extend(broken)
    if not result.rows and not result.errors:
        result.errors.append(_("The file has no rows below the column names."))
    return result


def _check_row(line_number, cells, header, permitted, seen_references, result) -> dict | None:
    errors_before = len(result.errors)
    if len(cells) != len(header):
        result.errors.append(
            _(
                "Row %(row)d has %(found)d cells, but there are %(expected)d columns.",
                row=line_number,
                found=len(cells),
                expected=len(header),
            )
        )
        return None
    row: dict[str, str] = {}
    for name, raw in zip(header, cells, strict=True):
        value = raw.strip()
        where = _("Row %(row)d, column %(column)s", row=line_number, column=name)
        if contains_cpr(value) and name != REFERENCE:
            result.errors.append(
                where + ": " + _("this looks like a CPR number; CPR numbers must not be uploaded.")
            )
            continue
        if name in CONTACT_COLUMNS:
            _check_contact(name, value, where, row, result)
            continue
        if value.startswith(FORMULA_START):
            result.errors.append(
                where + ": " + _("a cell must not begin with =, +, - or @ (a spreadsheet formula).")
            )
            continue
        if name == REFERENCE:
            if not value:
                result.errors.append(where + ": " + _("the reference is empty."))
            elif contains_cpr(value):
                result.errors.append(
                    where
                    + ": "
                    + _(
                        "this looks like a CPR number. Use another id; CPR numbers must not be uploaded."
                    )
                )
            elif not REFERENCE_PATTERN.match(value):
                result.errors.append(
                    where + ": " + _("use only letters, digits and . _ - : / (at most 64).")
                )
            elif value in seen_references:
                result.errors.append(
                    where
                    + ": "
                    + _(
                        "the reference %(ref)s is also on row %(other)d.",
                        ref=value,
                        other=seen_references[value],
                    )
                )
            else:
                seen_references[value] = line_number
                row[name] = value
            continue
        if not value:
            continue
        code = value.lower()
        allowed = permitted.get(name)
        if allowed is not None:
            accepted = allowed.get(fold(value))
            if accepted is None:
                known = ", ".join(sorted({entry.code for entry in allowed.values()}))
                result.errors.append(
                    where
                    + ": "
                    + _(
                        'unknown value "%(value)s" (known: %(known)s).',
                        value=value[:40],
                        known=known,
                    )
                )
                continue
            if accepted.replaced is not None:
                key = f"{name}: {accepted.replaced} → {accepted.code}"
                result.remapped[key] = result.remapped.get(key, 0) + 1
            code = accepted.code
        elif not CODE_PATTERN.match(code):
            result.errors.append(
                where + ": " + _("use a short code of letters a-z, digits, _ or - (at most 40).")
            )
            continue
        row[name] = code
    return row if len(result.errors) == errors_before else None


def _check_contact(name: str, value: str, where: str, row: dict, result: SendList) -> None:
    """A Danish mobile number or an e-mail address, normalised; the value is never echoed."""
    if not value:
        return
    if name == MOBILE:
        mobile = normalise_mobile(value)
        if mobile is None:
            result.errors.append(
                where + ": " + _("not a Danish mobile number (8 digits, optionally +45).")
            )
        else:
            row[MOBILE] = mobile
        return
    email = normalise_email(value)
    if email is None:
        result.errors.append(where + ": " + _("not an e-mail address."))
    else:
        row[EMAIL] = email


def links_csv(rows: list[tuple[int, str, dict[str, str]]]) -> str:
    """The download for the SMS or Digital Post system: number;reference;link;background."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a byte order mark
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["number", REFERENCE, "link", *BACKGROUND_VARIABLES])
    for number, link, row in rows:
        writer.writerow(
            [number, row.get(REFERENCE, ""), link, *(row.get(n, "") for n in BACKGROUND_VARIABLES)]
        )
    return buffer.getvalue()
