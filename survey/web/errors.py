"""Error pages in the visitor's language; a refused post never leaves a partial write."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from survey.core.i18n import RTL_LANGUAGES, current_language
from survey.core.transaction import roll_back
from survey.responding.answers import TamperedPost
from survey.web.staff_refusal import staff_missing_page_text, staff_refusal_text

CITIZEN_BLUEPRINTS = frozenset({"respond"})


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
        if current_user.is_authenticated:  # staff: no text message led them here
            texts[403] = staff_refusal_text()
            texts[404] = staff_missing_page_text()
        return _page(
            error.code or 500,
            titles.get(error.code, _("Something went wrong")),
            texts.get(error.code, _("Nothing was changed. Please try again.")),
        )

    if app.testing:
        return  # let tests see the real exception

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database cannot be reached (restarting, failed over) or the connection died
        while committing: 503 with Retry-After, and what was posted kept in the page's form
        so that pressing its button sends it again. Saving a page is idempotent, so sending
        it twice stores it once. (A dead connection before the commit was already retried
        once inside the request: survey.core.transaction.run_view.)"""
        roll_back()
        app.logger.warning("database unavailable", exc_info=error)
        return _unavailable_page()

    @app.errorhandler(Exception)
    def unexpected(error):
        roll_back()
        app.logger.exception("unhandled error")
        # A citizen is told their answers are safe; staff, that nothing was changed and
        # that the error is logged (trying again soon rarely helps them).
        text = (
            _("Your saved answers are safe. Please try again in a little while.")
            if request.blueprint in CITIZEN_BLUEPRINTS
            else _(
                "Nothing was changed. The error has been logged; if it happens again, tell "
                "whoever runs Borgerblik for you what you were doing."
            )
        )
        return _page(500, _("Something went wrong on our side"), text)


RETRY_AFTER_SECONDS = 5
NEVER_REPOSTED = ("password",)  # a password is not written into a page, even a private one


def _unavailable_page():
    posted = request.method == "POST" and not request.files
    repost = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not any(word in name.lower() for word in NEVER_REPOSTED)
    ]
    if posted:
        text = _(
            "We could not save what you sent just now. Nothing is lost: it is still in this "
            "page. Wait a moment and press the button to send it again."
        )
    elif request.method == "POST":
        text = _("Nothing was saved. Wait a moment, choose the file again and send it.")
    else:
        text = _("Your saved answers are safe. Wait a moment and load the page again.")
    page = current_app.jinja_env.get_template("error_without_database.html")
    html = page.render(
        title=_("The service is busy for a moment"),
        text=text,
        status=503,
        lang=current_language(),
        rtl_languages=RTL_LANGUAGES,
        repost=repost if posted else None,
        action=request.full_path.rstrip("?"),
    )
    return html, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


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
        html = page.render(
            title=title,
            text=text,
            status=status,
            lang=current_language(),
            rtl_languages=RTL_LANGUAGES,
        )
        return html, status
