"""A question page as first shown, rendered once per process and reused for every citizen.

Most GETs of a question page show it empty: a citizen arriving at the next page. That HTML
depends on no citizen: only on the round's questions (its snapshot digest), the sender's
name, the languages offered, the page's language and place in the sheet, and the CSRF
token, which is put in afterwards. Such pages are cached by exactly those inputs; a page
showing saved answers, errors, a notice, a kiosk's timer or another device's forward-only
note is rendered as usual (its questions still come from survey.web.fragments).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from survey.core.bounded_cache import BoundedCache
from survey.core.csrf_tokens import csrf_token

# Where the CSRF token goes: a control character cannot reach a page from any input
# (survey.core.security refuses them), so the marker cannot be forged by a question.
CSRF_MARKER = "\x00csrf\x00"
KEPT = 256  # pages per process: a round's pages x languages x positions, about 12 kB each
_pages: BoundedCache[Hashable, str] = BoundedCache(KEPT)


def render_cached(key: Hashable | None, render: Callable[[Callable[[], str]], str]) -> str:
    """The page for `key` (None: do not cache), rendered by `render(csrf_token)` on a miss
    with the marker as its CSRF token; this request's token is put in on the way out."""
    if key is None:
        return render(csrf_token)
    html = _pages.recall(key)
    if html is None:
        html = render(lambda: CSRF_MARKER)
        _pages.keep(key, html)
    return html.replace(CSRF_MARKER, csrf_token())


def clear() -> None:
    _pages.clear()
