"""What a signed-in staff member reads when a page is for another role, or is not there:
texts for staff only (Danish and English), not for citizens, whose pages have their own."""

from __future__ import annotations

from flask_babel import gettext as _


def staff_refusal_text() -> str:
    # "Try again" would not help: the page is for another role (an operator's, say).
    return _(
        "This page is for another role than yours, so nothing was changed. If you "
        "need it, ask someone in your municipality who has access to it."
    )


def staff_missing_page_text() -> str:
    # Citizens are told to open their text message's link again; staff did not come that way.
    return _("Check the address, or go back to the page you came from.")
