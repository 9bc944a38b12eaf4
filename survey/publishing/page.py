"""What the public page shows: the round's themes as charts with text alternatives and
tables, the same suppression as everywhere, no split by background."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale

from analysis.results import Comparison
from survey.comparison.themes import ThemeGroup, group_by_theme
from survey.models import Publication
from survey.publishing.service import published_comparison
from survey.rounds.definition import round_definition


@dataclass(frozen=True)
class PublicPage:
    municipality: str
    municipality_code: int
    round_id: int
    comparison: Comparison
    themes: list[ThemeGroup]
    charts: dict[str, str | None]

    def context(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def public_page(publication: Publication) -> PublicPage:
    from survey.comparison.charts import theme_chart  # matplotlib: loaded on first use only

    survey_round = publication.round
    with force_locale("da"):
        comparison = published_comparison(publication)
        themes = group_by_theme(comparison, round_definition(survey_round), "da")
        charts = {g.theme: theme_chart(g.theme, g.title, g.items, comparison) for g in themes}
    return PublicPage(
        municipality=survey_round.municipality.name,
        municipality_code=survey_round.municipality_code,
        round_id=survey_round.id,
        comparison=comparison,
        themes=themes,
        charts=charts,
    )
