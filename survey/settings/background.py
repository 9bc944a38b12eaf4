"""Background values: the codes a send list or an import may use, maintained as data.

The operator adds values and replaces retired ones; a replaced code in an old file is
mapped to its successor. Every change is audited.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from survey.core import audit
from survey.core.extensions import db
from survey.models import BackgroundValue

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


class BackgroundValueError(ValueError):
    """A value that cannot be added as given; the message is for the operator."""


def permitted_values() -> dict[str, dict[str, str]]:
    """For each variable with a maintained list: code -> the code to store (after remapping)."""
    values: dict[str, dict[str, str]] = {}
    for value in db.session.scalars(select(BackgroundValue)):
        target = value.code if value.active else value.replaced_by
        if target:
            values.setdefault(value.variable, {})[value.code] = target
    return values


# Danish letters that no Unicode decomposition splits: a file written "kontanthjaelp"
# and one written "Kontanthjælp" mean the same benefit group.
DANISH_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def fold(text: str) -> str:
    """Compare values case- and accent-insensitively: lower case, æ/ø/å spelt out, accents
    dropped, runs of spaces as one."""
    lowered = " ".join(text.strip().lower().split()).translate(DANISH_FOLDS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class Accepted:
    code: str  # the code to store
    replaced: str | None  # the retired code the file used, when it was mapped


def accepted_values() -> dict[str, dict[str, Accepted]]:
    """For each variable with a maintained list: every way a file may write a value (its code
    or its Danish or English label, folded) -> the code to store."""
    accepted: dict[str, dict[str, Accepted]] = {}
    for value in db.session.scalars(select(BackgroundValue).order_by(BackgroundValue.id)):
        target = value.code if value.active else value.replaced_by
        if not target:
            continue
        entry = Accepted(target, None if value.active else value.code)
        names = accepted.setdefault(value.variable, {})
        for label in (value.label or {}).values():
            if label and value.active:
                names.setdefault(fold(label), entry)
        names[fold(value.code)] = entry  # a code always wins over a label spelt the same
    return accepted


def add_value(variable: str, code: str, label_da: str, label_en: str) -> BackgroundValue:
    code = code.strip().lower()
    if not CODE_PATTERN.match(code):
        raise BackgroundValueError(_("Use a short code of letters a-z, digits, _ or -."))
    exists = db.session.scalar(
        select(BackgroundValue.id).where(
            BackgroundValue.variable == variable, BackgroundValue.code == code
        )
    )
    if exists:
        raise BackgroundValueError(_("This code already exists for the variable."))
    value = BackgroundValue(
        variable=variable, code=code, label={"da": label_da.strip(), "en": label_en.strip()}
    )
    db.session.add(value)
    db.session.flush()
    audit.record("background_value.create", value, details={"variable": variable, "code": code})
    return value


def replace_value(value: BackgroundValue, replaced_by: str) -> None:
    """Retire a value; files that still use its code get `replaced_by` instead."""
    value.active = False
    value.replaced_by = replaced_by
    audit.record(
        "background_value.replace", value, details={"code": value.code, "replaced_by": replaced_by}
    )


def replacement_choices(value: BackgroundValue) -> list[str]:
    """The active codes of the same variable that may replace `value`."""
    return list(
        db.session.scalars(
            select(BackgroundValue.code).where(
                BackgroundValue.variable == value.variable,
                BackgroundValue.active.is_(True),
                BackgroundValue.id != value.id,
            )
        )
    )


def all_values() -> list[BackgroundValue]:
    return list(
        db.session.scalars(
            select(BackgroundValue).order_by(BackgroundValue.variable, BackgroundValue.code)
        )
    )


def value_labels(variable: str, language: str = "da") -> dict[str | None, str]:
    """code -> the maintained label of a variable's values in `language` (Danish when the
    label has no such language); respondents without a value read "unknown"."""
    labels: dict[str | None, str] = {None: _("unknown")}
    for value in db.session.scalars(
        select(BackgroundValue).where(BackgroundValue.variable == variable)
    ):
        label = value.label or {}
        labels[value.code] = label.get(language) or label.get("da") or value.code
    return labels
