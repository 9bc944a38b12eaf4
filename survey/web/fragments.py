"""A question's HTML, rendered once per round snapshot, language, item and saved choice.

A page of questions spent most of its rendering time on the options of its choice items,
which do not depend on who is answering, only on the question (fixed by the round's
snapshot digest), the language and which option is ticked. Those fragments are cached per
process. Not cached: text items (their value is what a citizen wrote: it is not kept in
memory beyond the request), items shown with an error, and pages of a round without a
snapshot digest (the administrator's preview of a round not yet opened).
"""

from __future__ import annotations

from flask import current_app, g
from markupsafe import Markup

from questionnaires import Item
from survey.core.bounded_cache import BoundedCache
from survey.core.i18n import current_language
from survey.web.ids import field_id

TEMPLATE = "respond/_item.html"
KEPT = 4096  # fragments per process: about 1.5 kB each
_fragments: BoundedCache[tuple, Markup] = BoundedCache(KEPT)


def item_html(item: Item, saved: str | None, error: str | None) -> Markup:
    language = current_language()
    digest = getattr(getattr(g, "survey_round", None), "snapshot_digest", None)
    cacheable = digest is not None and item.type not in ("text", "number") and error is None
    key = (digest, language, item.code, saved)
    cached = _fragments.recall(key) if cacheable else None
    if cached is not None:
        return cached
    template = current_app.jinja_env.get_template(TEMPLATE)
    # Rendered by Jinja with autoescaping on (an .html template): already safe markup.
    html = Markup(  # noqa: S704
        template.render(item=item, saved=saved, error=error, language=language, field_id=field_id)
    )
    if cacheable:
        _fragments.keep(key, html)
    return html
