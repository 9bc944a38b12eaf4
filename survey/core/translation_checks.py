"""What a translation file's check says of each problem, in the reader's language: one set
for the shipped questionnaires and the local question bank (the command line and both
admin pages), where only what an unknown text id is "not in" differs."""

from __future__ import annotations

from flask_babel import gettext as _


def check_messages(unknown: str) -> dict[str, str]:
    """`unknown`: the message for a text id the file has and the source has not."""
    return {
        "unknown": unknown,
        "twice": _("{id}: appears twice in the file"),
        "stale": _(
            "{id}: the Danish text has changed since the file was made; translate the new "
            "text (download the file again)"
        ),
        "missing": _("{id}: no translation"),
        "not_in_file": _("{id}: not in the file"),
        "placeholders": _(
            "{id}: the placeholders must be kept exactly (Danish: {wanted}; translation: {found})"
        ),
        "too_long": _(
            "{id}: the translation is {length} characters long; at most {limit} fit where the "
            "Danish text ({source}) goes"
        ),
        "characters": _("{id}: the translation contains characters that are not allowed"),
    }
