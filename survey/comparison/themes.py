"""A comparison's items grouped by theme, in the questionnaire's theme order: the one
grouping the results page and the report both use."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _

from analysis.results import Comparison, ItemResult
from questionnaires import Questionnaire, QuestionnaireError, find_questionnaire
from questionnaires.model import LOCAL_THEME, pick_text
from survey.models import Round

LOCAL = LOCAL_THEME


class ThemeGroup(NamedTuple):
    theme: str
    title: str
    items: list[ItemResult]


def group_by_theme(
    comparison: Comparison, definition: Questionnaire, language: str
) -> list[ThemeGroup]:
    """The questionnaire's themes in file order, each with its items; local questions last,
    as one group."""
    order = [(theme.key, pick_text(theme.title, language)) for theme in definition.theme_order()]
    # local questions: the title of their page at the end ("Spørgsmål fra Odense Kommune")
    local_title = next(
        (pick_text(page.title, language) for page in definition.pages if page.theme == LOCAL),
        _("Local questions"),
    )
    groups = []
    for theme, title in [*order, (LOCAL, local_title)]:
        items = [item for item in comparison.items if item.theme == theme]
        if items:
            groups.append(ThemeGroup(theme, title, items))
    return groups


def headline_code(survey_round: Round, definition: Questionnaire) -> str | None:
    """The code of the item that asks for overall satisfaction, as the questionnaire file
    names it (`headline`); for a round frozen before files named it, its file's."""
    if definition.headline:
        return definition.headline
    try:
        questionnaire = find_questionnaire(
            survey_round.questionnaire_key, survey_round.questionnaire_version
        )
    except (LookupError, QuestionnaireError):
        return None
    return questionnaire.headline
