"""Language choice: Danish first, English second, more languages by adding a catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, g, has_request_context, request, session

from survey.core.bounded_cache import BoundedCache

DEFAULT_LANGUAGE = "da"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ku"})


def text_direction(language: str) -> str:
    """The direction a language is written in, for a dir attribute: "rtl" or "ltr"."""
    return "rtl" if language in RTL_LANGUAGES else "ltr"


LANGUAGE_NAMES = {
    "da": "Dansk",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
    "uk": "Українська",
    "so": "Soomaali",
    "fa": "فارسی",
    "pl": "Polski",
    "ti": "ትግርኛ",
}
# The status of each catalogue of the citizens' texts (the questionnaire files carry their
# own): `pybabel update` rewrites .po headers, so the status lives here. Danish is the
# source; the English texts are the message ids themselves, written by the authors.
CATALOGUE_STATUS = {
    "da": {"status": "source"},
    "en": {
        "status": "reviewed",
        "reviewed_by": "Borgerblik's authors",
        "reviewed_on": "2026-11-23",
    },
    **{
        language: {
            "status": "draft",
            "translated_by": "Borgerblik's authors, without a professional translator (issue 13)",
        }
        for language in ("ar", "fa", "so", "tr", "uk", "pl", "ti")
    },
}
# Other names a send list may give a language by: Danish and English names, and ISO 639-2.
LANGUAGE_ALIASES = {
    "da": ("dansk", "danish", "dan"),
    "en": ("engelsk", "english", "eng"),
    "ar": ("arabisk", "arabic", "ara"),
    "fa": ("persisk", "farsi", "dari", "persian", "fas", "per", "prs"),
    "so": ("somali", "somalisk", "som"),
    "tr": ("tyrkisk", "turkish", "tur"),
    "uk": ("ukrainsk", "ukrainian", "ukr"),
    "pl": ("polsk", "polish", "pol"),
    "ti": ("tigrinya", "tigrinja", "tir"),
}


def language_code(value: str | None) -> str | None:
    """The code of a language named in a send list by code or name, in any case; else None."""
    wanted = (value or "").strip().casefold().replace("_", "-").split("-")[0]
    if not wanted:
        return None
    for code, aliases in LANGUAGE_ALIASES.items():
        if wanted == code or wanted in aliases or wanted == LANGUAGE_NAMES[code].casefold():
            return code
    return None


# Staff pages are written in Danish and English only; the other catalogues hold the
# citizens' texts, and a staff page half in Arabic and right to left helps no one.
STAFF_LANGUAGES = ("da", "en")
STAFF_BLUEPRINTS = frozenset({"admin", "results", "report", "auth"})


@cache
def ui_languages() -> tuple[str, ...]:
    """Danish plus every language that has a catalogue under translations/.

    Read once per process: the catalogues ship with the code and change only with a deploy
    (listing the directory on every request cost 6 % of a citizen page)."""
    found = {DEFAULT_LANGUAGE}
    root = Path(__file__).parent.parent / "translations"
    for path in root.glob("*/LC_MESSAGES/messages.po"):
        found.add(path.parent.parent.name)
    return tuple(sorted(found, key=lambda lang: (lang != "da", lang != "en", lang)))


def page_languages() -> tuple[str, ...]:
    """The languages this page may be shown in: a round's, the staff's, or every one."""
    allowed = getattr(g, "allowed_languages", None)
    if allowed:
        return tuple(allowed)
    return STAFF_LANGUAGES if request.blueprint in STAFF_BLUEPRINTS else ui_languages()


def select_locale() -> Locale:
    """The page's language, as a babel Locale made once per language (Flask-Babel parses a
    language code into a new Locale on every request; it takes a Locale as it is)."""
    return _locale(_select_language())


ACCEPT_KEPT_LENGTH = 200
_best_matches: BoundedCache[tuple[str, tuple[str, ...]], str] = BoundedCache(512)


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _select_language() -> str:
    if not has_request_context():  # CLI commands and background work: the default language
        return DEFAULT_LANGUAGE
    allowed = page_languages()
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in allowed:
        return chosen
    # Browsers send few distinct Accept-Language headers: the best match for each is kept
    # (parsing the header and matching it were half of choosing a page's language).
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
    if len(header) > ACCEPT_KEPT_LENGTH:  # longer than any browser's: not kept
        return request.accept_languages.best_match(allowed) or DEFAULT_LANGUAGE
    best = _best_matches.recall((header, allowed))
    if best is None:
        best = request.accept_languages.best_match(allowed) or DEFAULT_LANGUAGE
        _best_matches.keep((header, allowed), best)
    return best


def current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    supported = ui_languages()

    @app.before_request
    def remember_language_choice():
        # A plain link (?lang=en) switches language: works without JavaScript and no form.
        if not request.environ.get("QUERY_STRING"):
            return  # nothing to parse (most requests): request.args would build an empty dict
        wanted = request.args.get("lang")
        if wanted in supported:
            session["lang"] = wanted

    @app.context_processor
    def language_context():
        language = current_language()
        return {
            "current_language": language,
            "text_direction": text_direction(language),
            "language_names": LANGUAGE_NAMES,
            "language_switch_href": language_switch_href,
        }


# Citizens' pages are cached and shared between citizens (survey.web.respond.page_cache):
# a query string typed by one citizen must never be copied into the page another is shown.
# Their language switch is a bare ?lang=, which is all those pages need.
CACHED_PAGE_BLUEPRINTS = frozenset({"respond"})


def language_switch_href(language: str) -> str:
    """The link that shows this page in `language`: on a staff page the same page with the
    same query (a results page's round and filters), not the page without them."""
    # `language` is one of the offered codes (LANGUAGE_NAMES' keys): nothing to quote.
    if (
        not has_request_context()
        or not request.environ.get("QUERY_STRING")
        or request.blueprint in CACHED_PAGE_BLUEPRINTS
    ):
        return f"?lang={language}"
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return "?" + urlencode([*kept, ("lang", language)])
