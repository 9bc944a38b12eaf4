"""What an SPSS-compatible client needs to read the answers as the report reads them.

"Ved ikke" (0) and "ikke spurgt" are declared user-missing with labels, so a client's mean
is the report's mean (with 0 counted as a score, a .sav gave 3.96 where the report said
4.06). Scales are ordinal, everything else nominal; numbers have integer formats;
background codes become numbers with the Danish label of each code.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from questionnaires import Questionnaire
from questionnaires.model import NUMBER_LIMIT, Item, pick_text
from questionnaires.scales import DONT_KNOW
from survey.core.extensions import db
from survey.core.labels import variable_label
from survey.models.background import BackgroundValue
from survey.reporting.spreadsheet import safe_cell

NUMERIC_TYPES = ("likert5", "yesno", "scale", "single", "number")
ORDINAL_TYPES = ("likert5", "scale")


@dataclass(frozen=True)
class Variable:
    """One numeric variable's metadata: value labels, user-missing codes, level, format."""

    labels: dict[int, str]
    missing: tuple[int, ...]
    measure: str  # "ordinal", "nominal" or (a number item) "scale"
    width: int  # digits of the largest code: format F{width}.0


def not_asked_code(item: Item) -> int:
    """9 (or 99, 999 ...) above every option: the conventional code for "not asked"."""
    highest = max((option.value for option in item.options), default=0)
    return int("9" * max(1, len(str(highest + 1))))


def item_variable(item: Item) -> Variable:
    """Value labels and missing codes of a numeric item, in Danish.

    A number item's answers are the numbers themselves: no value labels, and "not asked"
    is system-missing (any code could be a real answer); its level is scale."""
    if item.type == "number":
        bounds = (item.minimum, item.maximum)
        unbounded = None in bounds
        width = len(str(-NUMBER_LIMIT)) if unbounded else max(len(str(b)) for b in bounds)
        return Variable({}, (), "scale", width)
    with force_locale("da"):
        not_asked = _("Not asked")
    labels = {option.value: pick_text(option.label, "da") for option in item.options}
    code = not_asked_code(item)
    labels[code] = not_asked
    scale = item.answer_scale if item.type == "scale" else None
    missing: tuple[int, ...]
    if item.type == "likert5":
        missing = (DONT_KNOW, code)
    elif scale is not None:  # a file's scale: its values that are not valid ("ved ikke")
        missing = (*scale.not_valid, code)
    else:
        missing = (code,)
    measure = "ordinal" if item.type in ORDINAL_TYPES else "nominal"
    return Variable(labels, missing, measure, len(str(max(labels))))


def background_variable(variable: str, values: list[str | None]) -> tuple[dict, Variable]:
    """Exported codes (text, "other") -> numbers 1..k, with each code's Danish label."""
    known = {
        row.code: pick_text(row.label, "da")
        for row in db.session.scalars(
            select(BackgroundValue).where(BackgroundValue.variable == variable)
        )
    }
    with force_locale("da"):
        other = _("Other (small groups together)")
    codes = sorted({value for value in values if value is not None})
    numbers = {code: number for number, code in enumerate(codes, start=1)}
    # Neutralised as every text cell: a client may save the labels on into a spreadsheet.
    labels = {
        number: other if code == "other" else str(safe_cell(known.get(code) or code))
        for code, number in numbers.items()
    }
    width = len(str(max(labels, default=1)))
    return numbers, Variable(labels, (), "nominal", width)


def background_title(variable: str) -> str:
    with force_locale("da"):
        return variable_label(variable)


def item_variables(definition: Questionnaire) -> dict[str, Variable]:
    return {
        item.code: item_variable(item) for item in definition.items if item.type in NUMERIC_TYPES
    }
