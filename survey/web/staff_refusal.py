"""What a signed-in staff member reads when a page is for another role: only staff are
refused that way, so the text is for them (Danish and English), not for citizens."""

from __future__ import annotations

from flask_babel import gettext as _


def staff_refusal_text() -> str:
    # "Try again" would not help: the page is for another role (an operator's, say).
    return _(
        "This page is for another role than yours, so nothing was changed. If you "
        "need it, ask someone in your municipality who has access to it."
    )
