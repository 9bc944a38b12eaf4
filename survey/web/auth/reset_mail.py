"""The password-reset mail, sent after the answer has gone out: how long the page takes
must not tell whether the address has an account."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _

from survey.delivery.transports import Outgoing, PermanentError, TransientError, transports

log = logging.getLogger(__name__)


def send_after_response(response, recipient: str, link: str, minutes: int) -> None:
    """Queue the mail to go when the response is closed (outside the request's timing)."""
    transport = transports(current_app.config, None)["email"]
    message = Outgoing(
        reference="0",
        recipient=recipient,
        subject=_("Reset your Borgerblik password"),
        text="\n\n".join(
            [
                _("Someone asked to reset the password of your Borgerblik account."),
                _(
                    "Choose a new password here (the link works once, for %(minutes)d minutes):",
                    minutes=minutes,
                )
                + "\n"
                + link,
                _("If it was not you, ignore this mail: your password stays as it is."),
            ]
        )
        + "\n",
    )

    def send() -> None:
        try:
            transport.send(message)
        except (TransientError, PermanentError) as error:
            # Never the address or the link in a log line: only that it failed.
            log.warning("password reset mail not sent: %s", error)

    response.call_on_close(send)
