"""The one place that makes an application object: `flask --app wsgi`, gunicorn wsgi:app.

Commands that only read and write questionnaire files (`flask --app wsgi questionnaire
...`: check, codebook, translations, XLSForm) use none of the server's keys: on a machine
without them (a translator's, a fresh checkout) they run with throwaway keys instead of
refusing to start. Every other command, and the server, needs the configuration; a
command line without it gets the reason in one line, not a traceback.
"""

import secrets
import sys

from survey import create_app
from survey.core.config import ConfigError

FILE_COMMANDS = frozenset({"questionnaire"})
KEYS = ("SECRET_KEY", "TOKEN_KEY", "CONTACT_KEY")


def _flask_command() -> str | None:
    """The command group of a `flask` command line (`questionnaire` in `flask --app wsgi
    questionnaire codebook ...`), None under gunicorn or when no command is given."""
    if not sys.argv or not sys.argv[0].endswith("flask"):
        return None
    takes_value = False
    for argument in sys.argv[1:]:
        if takes_value:
            takes_value = False
        elif argument in ("--app", "-A", "--env-file", "-e"):
            takes_value = True
        elif not argument.startswith("-"):
            return argument
    return None


def _make_app():
    command = _flask_command()
    try:
        return create_app()
    except ConfigError as error:
        if command in FILE_COMMANDS:
            throwaway = {key: secrets.token_hex(32) for key in KEYS}
            return create_app({**throwaway, "PUBLIC_BASE_URL": "http://localhost"})
        if command is not None:
            raise SystemExit(f"Borgerblik cannot start: {error}") from None
        raise


app = _make_app()
