"""A comparison's items grouped by theme, in the questionnaire's theme order: the one
grouping the results page and the report both use."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _

from analysis.results import Comparison, ItemResult
from questionnaires import Questionnaire
from questionnaires.model import THEMES, pick_text

LOCAL = "local"


class ThemeGroup(NamedTuple):
    theme: str
    title: str
    items: list[ItemResult]


def group_by_theme(
    comparison: Comparison, definition: Questionnaire, language: str
) -> list[ThemeGroup]:
    """Themes in order, each with its items; local questions last, as one group."""
    titles = {page.theme: pick_text(page.title, language) for page in definition.pages}
    groups = []
    for theme in THEMES:
        items = [item for item in comparison.items if item.theme == theme]
        if items:
            groups.append(ThemeGroup(theme, titles.get(theme) or _("Local questions"), items))
    return groups
