"""Everything the report shows, gathered once; every format renders this same data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial

from flask_babel import gettext as _

from analysis.compare import MIN_N
from analysis.results import Comparison, ItemResult, ThemeScore, answered
from analysis.targets import TargetRow
from survey.comments.service import report_quotes
from survey.comparison.languages import LanguageCounts, answering_languages
from survey.comparison.method import method_definitions
from survey.comparison.service import build_comparison, round_period
from survey.comparison.targets import THEME_PREFIX, indicators_with_targets, target_table
from survey.comparison.themes import LOCAL, group_by_theme
from survey.comparison.trend import counted_by
from survey.core.labels import language_label
from survey.invitations.response_rate import OTHER, ResponseRate, response_rate
from survey.models import Round
from survey.reporting.format import half_year
from survey.reporting.later import drawn_later
from survey.reporting.trends import ThemeTrend, theme_trends
from survey.rounds.definition import round_definition
from survey.settings.background import value_labels


@dataclass(frozen=True)
class ThemeSection:
    theme: str
    title: str
    items: list[ItemResult]
    draw_chart: Callable[[], str | None] = field(repr=False, compare=False)
    score: float | None
    theme_score: ThemeScore | None = None  # share, mean on its scale, benchmark
    # the same chart as lean SVG, which the PDF shows (analysis/lean_charts.py)
    draw_print_chart: Callable[[], str | None] = field(
        default=lambda: None, repr=False, compare=False
    )

    @cached_property
    def chart_svg(self) -> str | None:
        """Drawn when a format first shows it (survey.reporting.later)."""
        return self.draw_chart()

    @cached_property
    def print_chart_svg(self) -> str | None:
        return self.draw_print_chart()


@dataclass
class ReportData:
    municipality: str
    title: str
    period: str
    opens_on: date | None
    closes_on: date | None
    generated_on: date
    comparison: Comparison
    rate: ResponseRate
    summary: list[str]
    themes: list[ThemeSection]
    local: ThemeSection | None
    targets: list[tuple[str, list[TargetRow]]]
    free_text: list[tuple[str, Sequence[str]]] = field(default_factory=list)
    by: str | None = None
    languages: str = ""  # completed answers per answering language, none under 5
    group_labels: dict[str | None, str] = field(default_factory=dict)  # code -> maintained label
    method: list[tuple[str, str]] = field(default_factory=list)  # the method section's terms
    trends: list[ThemeTrend] = field(default_factory=list)  # per theme, its items over time
    # key drivers: rank correlations with overall satisfaction, drawn when first shown
    draw_drivers: Callable[[], str | None] = field(default=lambda: None, repr=False)
    draw_print_drivers: Callable[[], str | None] = field(default=lambda: None, repr=False)

    # variable -> code -> maintained label, for the response rates' groups
    rate_labels: dict[str, dict[str | None, str]] = field(default_factory=dict)

    @cached_property
    def drivers_svg(self) -> str | None:
        return self.draw_drivers()

    @cached_property
    def print_drivers_svg(self) -> str | None:
        return self.draw_print_drivers()

    def group_label(self, value: str | None) -> str:
        return self.group_labels.get(value, value or "")

    def rate_label(self, variable: str, code: str) -> str:
        """A response-rate group by its maintained label; small groups pooled say so."""
        if code == OTHER:
            return _("other small groups")
        return self.rate_labels.get(variable, {}).get(code, code)

    def representativeness(self) -> list[tuple[str, float, float]]:
        """Per benefit group (groups under 5 invitations pooled, as in the response rates):
        its share of the invited and its share of the answers through an invitation."""
        overall = self.rate.overall
        groups = self.rate.groups.get("benefit_group", [])
        if not overall.invited or not overall.completed:
            return []
        return [
            (
                self.rate_label("benefit_group", g.label),
                g.invited / overall.invited,
                g.completed / overall.completed,
            )
            for g in groups
        ]


def build_report(
    survey_round: Round,
    against: Round | None = None,
    by: str | None = None,
    include_free_text: bool = False,
    language: str = "da",
    weighted: bool = False,
) -> ReportData:
    # matplotlib: loaded on first use only
    from survey.comparison.charts import (
        drivers_chart,
        drivers_chart_lean,
        theme_chart,
        theme_chart_lean,
    )
    from survey.reporting.summary import summary_sentences

    comparison = build_comparison(survey_round, against, by, language, weighted=weighted)
    scores = {score.theme: score for score in comparison.themes}
    sections, local = [], None
    for group in group_by_theme(comparison, round_definition(survey_round), language):
        # Local questions are one section of their own, whatever page they were placed on.
        title = _("Local questions") if group.theme == LOCAL else group.title
        section = ThemeSection(
            group.theme,
            title,
            group.items,
            drawn_later(partial(theme_chart, group.theme, title, group.items, comparison)),
            score.score if (score := scores.get(group.theme)) else None,
            score,
            drawn_later(partial(theme_chart_lean, group.theme, title, group.items, comparison)),
        )
        if group.theme == LOCAL:
            local = section
        else:
            sections.append(section)
    texts = {i.compare_key: i.text for i in comparison.items}
    texts.update({THEME_PREFIX + s.theme: _("Theme: %(title)s", title=s.title) for s in sections})
    targets = [
        (texts.get(key, key), target_table(survey_round.municipality_code, key))
        for key in indicators_with_targets(survey_round.municipality_code)
    ]
    rate = response_rate(survey_round.id)
    languages = answering_languages(survey_round)  # counted once for the notice and the sentence
    return ReportData(
        municipality=survey_round.municipality.name,
        title=survey_round.title,
        period=half_year(*round_period(survey_round)),
        opens_on=survey_round.opens_on,
        closes_on=survey_round.closes_on,
        generated_on=date.today(),
        comparison=comparison,
        rate=rate,
        summary=[
            *_handed_out_notice(survey_round, against),
            *_language_notice(languages),
            *summary_sentences(comparison),
        ],
        themes=sections,
        local=local,
        targets=targets,
        free_text=free_text_answers(survey_round, comparison) if include_free_text else [],
        by=by,
        languages=language_sentence(languages),
        group_labels=value_labels(by, language) if by else {},
        rate_labels={variable: value_labels(variable, language) for variable in rate.groups},
        method=method_definitions(with_split=by is not None),
        trends=theme_trends(
            survey_round,
            [(s.theme, s.title, s.items) for s in [*sections, *filter(None, [local])]],
            # the comparison's rounds are not counted a second time for their trends
            counted_by(comparison),
        ),
        draw_drivers=drawn_later(partial(drivers_chart, list(comparison.drivers))),
        draw_print_drivers=drawn_later(partial(drivers_chart_lean, list(comparison.drivers))),
    )


def free_text_answers(
    survey_round: Round, comparison: Comparison
) -> list[tuple[str, Sequence[str]]]:
    """Only the comments an analyst reviewed, redacted and chose as quotes, per question: a
    raw comment (a name, a phone number) never reaches a report (survey/comments)."""
    # Only where at least 5 people wrote a comment: a quote from one of 3 is all but signed.
    allowed = {
        item.code
        for item in comparison.items
        if item.type == "text" and answered(item.current) >= MIN_N
    }
    return [
        (question, quotes)
        for code, question, quotes in report_quotes(survey_round)
        if code in allowed
    ]


def language_sentence(counts: LanguageCounts) -> str:
    """Completed answers per answering language; under 5 only together with others."""
    parts = [f"{language_label(lang)}: {n}" for lang, n in counts.shown]
    if counts.grouped:
        names = ", ".join(language_label(lang) for lang in counts.grouped)
        size = str(counts.grouped_count) if counts.grouped_count is not None else _("fewer than 5")
        parts.append(_("%(languages)s together: %(n)s", languages=names, n=size))
    if not parts:
        return ""
    return _("Completed answers per language: %(counts)s.", counts="; ".join(parts))


def _language_notice(counts: LanguageCounts) -> list[str]:
    """Every format of the report names the draft translations the round offered."""
    drafts = counts.draft_languages
    if not drafts:
        return []
    return [
        _(
            "Draft translations were offered in this round (not checked by a professional "
            "translator): %(languages)s.",
            languages=", ".join(language_label(lang) for lang in drafts),
        )
    ]


def _handed_out_notice(survey_round: Round, against: Round | None) -> list[str]:
    """Where staff downloaded the links, anyone holding one could answer in a citizen's place:
    every format of the report says so, first."""
    handed_out = [r.title for r in (survey_round, against) if r is not None and r.links_handed_out]
    if not handed_out:
        return []
    return [
        _(
            "Invitation links for %(rounds)s were handed out to staff instead of being sent by "
            "Borgerblik; someone holding a link could have answered in a citizen's place.",
            rounds=" and ".join(f"“{title}”" for title in handed_out),
        )
    ]
