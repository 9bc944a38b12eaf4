"""Charts drawn when a format first shows them, in the locale the report was built in."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale, get_locale


def drawn_later(draw: Callable[[], str | None]) -> Callable[[], str | None]:
    """`draw` for later, under the locale of now: an SVG chart costs matplotlib's time, and
    only the HTML shows one (the PDF draws lean SVG of its own, the DOCX its own PNG),
    so a report's data holds the drawing, not the drawn chart. Its texts stay those of the
    build, as when every chart was drawn at once."""
    locale = get_locale()
    if locale is None:  # no application context: no translations to choose between
        return draw

    def drawn() -> str | None:
        with force_locale(str(locale)):
            return draw()

    return drawn
