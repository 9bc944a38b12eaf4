"""Everything the analyst's results page shows for one comparison, gathered in one call."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.results import Comparison, ThemeScore
from analysis.targets import TargetRow
from survey.comparison.languages import LanguageCounts, answering_languages
from survey.comparison.method import method_definitions
from survey.comparison.service import build_comparison
from survey.comparison.targets import THEME_PREFIX, indicators_with_targets, target_table
from survey.comparison.themes import ThemeGroup, group_by_theme
from survey.models import Round
from survey.rounds.definition import round_definition
from survey.settings.background import value_labels


@dataclass(frozen=True)
class Overview:
    comparison: Comparison
    themes: list[ThemeGroup]
    charts: dict[str, str | None]  # theme -> SVG; None when the theme has no scored item
    scores: dict[str, ThemeScore]
    targets: dict[str, list[TargetRow]]  # indicator -> its years
    item_texts: dict[str, str]  # compare key or "theme:<theme>" -> text
    languages: LanguageCounts  # answers per answering language; draft translations offered
    group_labels: dict[str | None, str]  # the split's codes -> their maintained labels
    method: list[tuple[str, str]]  # how to read the figures: the report's method terms
    drivers_svg: str | None  # key drivers: rank correlations with overall satisfaction

    def context(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def build_overview(
    survey_round: Round,
    against: Round | None,
    by: str | None,
    language: str,
    weighted: bool = False,
) -> Overview:
    """Raises comparison.service.ResultsError when the comparison cannot be made."""
    # matplotlib: loaded on first use only
    from survey.comparison.charts import drivers_chart, theme_chart

    comparison = build_comparison(survey_round, against, by, language, weighted=weighted)
    themes = group_by_theme(comparison, round_definition(survey_round), language)
    municipality = survey_round.municipality_code
    # compare() gives every item its compare key; the code stands in as in ItemResult.to_dict
    texts = {item.compare_key or item.code: item.text for item in comparison.items}
    texts.update({THEME_PREFIX + g.theme: _("Theme: %(title)s", title=g.title) for g in themes})
    return Overview(
        comparison=comparison,
        themes=themes,
        charts={g.theme: theme_chart(g.theme, g.title, g.items, comparison) for g in themes},
        scores={score.theme: score for score in comparison.themes},
        targets={
            key: target_table(municipality, key) for key in indicators_with_targets(municipality)
        },
        item_texts=texts,
        languages=answering_languages(survey_round),
        group_labels=value_labels(by, language) if by else {},
        method=method_definitions(with_split=by is not None),
        drivers_svg=drivers_chart(list(comparison.drivers)),
    )
