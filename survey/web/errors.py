"""Error pages in the visitor's language; a refused post never leaves a partial write."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from survey.core.i18n import current_language
from survey.core.transaction import roll_back
from survey.responding.answers import TamperedPost


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        roll_back()
        return _page(
            400,
            _("The form had expired or was not sent from this site"),
            _(
                "Nothing was changed. Go back, reload the page and try again. "
                "The answers you saved before are kept."
            ),
        )

    @app.errorhandler(TamperedPost)
    def tampered(error):
        roll_back()
        return _page(
            400,
            _("The answers could not be read"),
            _(
                "The form contained something we did not expect, so nothing from it was saved. "
                "The answers you saved before are kept. Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        roll_back()
        titles = {
            400: _("The request could not be read"),
            403: _("You do not have access to this page"),
            404: _("The page was not found"),
            405: _("This page cannot be used that way"),
            413: _("What you sent is too large"),
            429: _("Too many attempts"),
        }
        texts = {
            404: _("Check the address. If you came from a link in a text message, open it again."),
            413: _("Nothing was saved. Shorten the text and try again."),
            429: _("Please wait a few minutes and try again."),
        }
        return _page(
            error.code or 500,
            titles.get(error.code, _("Something went wrong")),
            texts.get(error.code, _("Nothing was changed. Please try again.")),
        )

    if app.testing:
        return  # let tests see the real exception

    @app.errorhandler(Exception)
    def unexpected(error):
        roll_back()
        app.logger.exception("unhandled error")
        return _page(
            500,
            _("Something went wrong on our side"),
            _("Your saved answers are safe. Please try again in a little while."),
        )


def _page(status: int, title: str, text: str):
    try:
        return render_template("error.html", title=title, text=text, status=status), status
    except SQLAlchemyError:
        # The database itself failed (down, or restarting) and the page's header looks the
        # municipality up in it. The same words on a page that needs nothing from it:
        # otherwise gunicorn answers with its bare error and logs a traceback that carries
        # the failed statement and its parameters (answers) into the log.
        roll_back()
        page = current_app.jinja_env.get_template("error_without_database.html")
        return page.render(title=title, text=text, status=status, lang=current_language()), status
