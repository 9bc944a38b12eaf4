"""Citizen pages rendered once per process and reused for every citizen.

Most GETs of a question page show it empty: a citizen arriving at the next page. That HTML
depends on no citizen: only on the round's questions (its snapshot digest), the sender's
name, the languages offered, the page's language and place in the sheet, and the CSRF
token, which is put in afterwards. The landing and thank-you pages likewise vary only with
a few facts of the citizen's sheet (whether there is one, its channel, ...). Each page is
cached by exactly its inputs (survey.web.respond.page_keys); a page showing saved answers,
errors, a notice or a kiosk's timer is rendered as usual (its questions still come from
survey.web.fragments).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from survey.core.bounded_cache import BoundedCache
from survey.core.csrf_tokens import csrf_token

# Where the CSRF token goes: a control character cannot reach a page from any input
# (survey.core.security refuses them), so the marker cannot be forged by a question.
CSRF_MARKER = "\x00csrf\x00"
# Pages per process, about 12 kB each: a round's question pages x languages x positions,
# plus its landing page's few variants and its thank-you page per language.
KEPT = 512


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page's HTML as rendered with the marker, as UTF-8 bytes cut at the marker.

    Encoded once, when cached: encoding the page for every response, and putting the token
    in the text before that, were a twelfth of a question page GET (a page with any
    character beyond Latin-1 is held as two bytes a character, and encoded slowly)."""

    parts: tuple[bytes, ...]

    @classmethod
    def of(cls, html: str) -> CachedPage:
        return cls(tuple(html.encode("utf-8").split(CSRF_MARKER.encode("ascii"))))

    def with_token(self, token: Callable[[], str]) -> bytes:
        """The page with this request's token (ASCII: base64 and dots) where the marker
        was; a page without a form asks for none, so no token is made for the session."""
        if len(self.parts) == 1:
            return self.parts[0]
        return token().encode("ascii").join(self.parts)


_pages: BoundedCache[Hashable, CachedPage] = BoundedCache(KEPT)


def render_cached(key: Hashable | None, render: Callable[[Callable[[], str]], str]) -> bytes:
    """The page for `key` (None: do not cache) as UTF-8, rendered by `render(csrf_token)`
    on a miss with the marker as its CSRF token; this request's token is put in on the way
    out (bytes, which Flask sends as they are)."""
    if key is None:
        return render(csrf_token).encode("utf-8")
    page = _pages.recall(key)
    if page is None:
        page = CachedPage.of(render(lambda: CSRF_MARKER))
        _pages.keep(key, page)
    return page.with_token(csrf_token)


def clear() -> None:
    _pages.clear()
