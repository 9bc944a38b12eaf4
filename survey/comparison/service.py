"""Building the comparison every consumer uses: pages, the JSON contract, the report."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.compare import ItemInfo, compare
from analysis.frequency import FrequencyTable
from analysis.results import Comparison, RoundInfo, ThemeScore
from analysis.themes import METHOD, benchmark_beside, theme_mean
from questionnaires import Item, Questionnaire
from questionnaires.model import LOCAL_THEME, pick_text
from survey.comparison.drivers import key_drivers
from survey.comparison.query import (
    ThemeSums,
    counted_answers,
    pooled_counts,
    round_theme_sums,
    theme_sums,
)
from survey.comparison.theme_means import (
    MeanGroups,
    PreviousItems,
    counted_items,
    mean_groups,
    previous_mean_items,
    with_group_means,
    with_previous_means,
)
from survey.comparison.upkeep import keep_up
from survey.comparison.weighting import BenchmarkRound, weight_round_sides
from survey.core.extensions import db
from survey.models import BenchmarkFigure, Round
from survey.rounds.definition import round_definition
from survey.rounds.lifecycle import release_results

MIN_BENCHMARK_MUNICIPALITIES = 3


class ResultsError(ValueError):
    """A comparison that cannot be made as asked; the message is for the user."""


def round_period(survey_round: Round) -> tuple[int, int]:
    """(year, half): spring rounds (January-June) are half 1, autumn rounds half 2."""
    day = survey_round.began_on
    return day.year, 1 if day.month <= 6 else 2


def period_label(survey_round: Round) -> str:
    year, half = round_period(survey_round)
    return f"{year}H{half}"


def code_to_key(definition: Questionnaire) -> dict[str, str]:
    return {item.code: item.compare_key for item in definition.items}


def item_infos(
    definition: Questionnaire, previous: Questionnaire | None, language: str
) -> list[ItemInfo]:
    """Items of the current round, flagged where the earlier round worded them differently."""
    earlier_text = {}
    if previous is not None:
        earlier_text = {item.compare_key: pick_text(item.text, "da") for item in previous.items}
    infos = []
    for item in definition.items:
        text_da = pick_text(item.text, "da")
        infos.append(
            ItemInfo(
                key=item.compare_key,
                code=item.code,
                text=pick_text(item.text, language),
                theme=item.theme,
                type=item.type,
                options=tuple((str(o.value), pick_text(o.label, language)) for o in item.options),
                source=item.source,
                **scale_fields(item),
                wording_changed=item.compare_key in earlier_text
                and earlier_text[item.compare_key] != text_da,
            )
        )
    return infos


def scale_fields(item: Item) -> dict:
    """For a "scale" item, its valid and positive values and whether it has a mean."""
    scale = item.answer_scale
    if item.type != "scale" or scale is None:
        return {}
    return {
        "valid": tuple(str(value) for value in scale.valid),
        "positive": tuple(str(value) for value in scale.positive),
        "has_mean": scale.mean,
    }


def benchmark_rounds(survey_round: Round) -> list[Round]:
    """Other municipalities' rounds of the same questionnaire in the same period."""
    period = round_period(survey_round)
    candidates = db.session.scalars(
        select(Round).where(
            Round.questionnaire_key == survey_round.questionnaire_key,
            Round.municipality_code != survey_round.municipality_code,
            Round.state == "closed",
        )
    )
    return [r for r in candidates if round_period(r) == period]


def check_results_may_be_shown(survey_round: Round, against: Round | None, by: str | None) -> None:
    """Raises ResultsError unless the results may be shown; releases them when they may."""
    rounds = [r for r in (survey_round, against) if r is not None]
    if any(r.state != "closed" for r in rounds):
        raise ResultsError(
            _("Results are shown once the round has closed, so that no answer can be told apart.")
        )
    if by is not None and any(r.links_handed_out for r in rounds):
        raise ResultsError(
            _(
                "This round's links were handed out to staff, so its results are not split by "
                "group: a link holder could fill a group with answers of their own."
            )
        )
    for r in rounds:
        release_results(r)


def build_comparison(
    survey_round: Round,
    against: Round | None = None,
    by: str | None = None,
    language: str = "da",
    with_benchmark: bool = True,
    weighted: bool = False,
) -> Comparison:
    """The one comparison function behind the pages, the JSON contract and the report.

    Only closed rounds have results, and seeing them releases them (the rounds then stay
    closed): no sequence of looks at a round can isolate one more answer. A round whose
    links were handed out has no splits: its link holders could fill a group themselves.
    """
    if against is not None:
        if against.id == survey_round.id:
            raise ResultsError(
                _("A round cannot be compared with itself. Choose an earlier round.")
            )
        if against.municipality_code != survey_round.municipality_code:
            raise ResultsError(_("Rounds of another municipality cannot be compared directly."))
        if against.questionnaire_key != survey_round.questionnaire_key:
            # No question in common: every row would read "not asked" under "Before".
            raise ResultsError(
                _(
                    "The rounds ask different questionnaires and cannot be compared. Choose a round of the same questionnaire."
                )
            )
    check_results_may_be_shown(survey_round, against, by)
    definition = round_definition(survey_round)
    previous_definition: Questionnaire | None = None
    mapping = {survey_round.id: code_to_key(definition)}
    if against is not None:
        previous_definition = round_definition(against)
        mapping[against.id] = code_to_key(previous_definition)
    text_codes = {
        item.code
        for d in (definition, previous_definition)
        if d
        for item in d.items
        if item.type == "text"
    }
    # Each completed respondent's theme sums and headline answer, kept once per round,
    # and each round's answers counted once, with the key drivers' joint counts: a pass
    # over the answers of sheets completed since the round's last comparison, if any
    summaries, tallies = keep_up([survey_round, *([against] if against is not None else [])])
    headline = summaries[survey_round.id].summary.headline
    counted = counted_answers(
        mapping,
        by,
        text_codes,
        survey_round.id if headline else None,
        {round_id: rule.text_codes for round_id, rule in tallies.items()},
    )
    table = FrequencyTable(counted.rows)
    benchmark, others = None, []
    if with_benchmark:
        others = benchmark_rounds(survey_round)
        pooled, contributors = pooled_counts(
            others, {r.id: code_to_key(round_definition(r)) for r in others}
        )
        benchmark = {
            key: counts
            for key, counts in pooled.items()
            if len(contributors.get(key, ())) >= MIN_BENCHMARK_MUNICIPALITIES
        }
    comparison = compare(
        table,
        current=RoundInfo(
            survey_round.id, survey_round.title, summaries[survey_round.id].completed
        ),
        items=item_infos(definition, previous_definition, language),
        against=RoundInfo(against.id, against.title, summaries[against.id].completed)
        if against
        else None,
        previous_keys=set(mapping[against.id].values()) if against is not None else None,
        by=by,
        benchmark=benchmark,
    )
    shown = {item.code for item in comparison.items if not item.current.suppressed}
    groups = shown_mean_groups(definition, shown)
    counted_by_round = {survey_round.id: counted_items(groups)}
    chosen_before: PreviousItems = {}
    if against is not None and previous_definition is not None:
        groups_before = mean_groups(previous_definition)
        chosen_before = previous_mean_items(
            groups, comparison.items, definition, previous_definition, groups_before
        )
        counted_by_round[against.id] = {
            theme: (used, groups_before[theme][1]) for theme, (used, _) in chosen_before.items()
        }
    # and the kept sums give every theme mean's respondents: the round's, its groups' and
    # the earlier round's (a mean of other items than those kept is added up from answers)
    sums = theme_sums(
        counted_by_round, by, {r: kept.summary.themes for r, kept in summaries.items()}
    )
    themes = theme_results(definition, survey_round, comparison.themes, language, groups, sums)
    if by is not None:
        themes = with_group_means(themes, comparison.items, survey_round.id, groups, sums)
    if against is not None:
        themes = with_previous_means(themes, chosen_before, against.id, sums)
    comparison = replace(
        comparison,
        themes=themes,
        drivers=tuple(key_drivers(comparison, headline, counted.joint)),
    )
    if not weighted:
        return comparison
    keyed = {r: {key: code for code, key in codes.items()} for r, codes in mapping.items()}
    comparison, used = weight_round_sides(
        comparison,
        (survey_round.id, keyed[survey_round.id]),
        (against.id, keyed[against.id]) if against is not None else None,
        [
            BenchmarkRound(
                r.id,
                r.municipality_code,
                {k: c for c, k in code_to_key(round_definition(r)).items()},
            )
            for r in others
        ],
    )
    return replace(
        comparison, weighting={role: w.to_dict() if w else None for role, w in used.items()}
    )


def benchmark_figures(period: str) -> dict[str, BenchmarkFigure]:
    """Published figures by category (case folded): for each category the latest period
    up to the round's own; of several sources, the first by name."""
    found: dict[str, BenchmarkFigure] = {}
    figures = db.session.scalars(
        select(BenchmarkFigure)
        .where(BenchmarkFigure.period <= period)
        .order_by(BenchmarkFigure.period.desc(), BenchmarkFigure.source)
    )
    for figure in figures:
        found.setdefault(figure.category.casefold(), figure)
    return found


def shown_mean_groups(definition: Questionnaire, shown: Collection[str]) -> MeanGroups:
    """`mean_groups` of the items whose own figure is shown (`shown`: codes; 5 valid
    answers or more): otherwise a theme mean beside the other items' figures would tell
    something of the few answers to a hidden item."""
    return {
        theme: ([c for c in codes if c in shown], valid, bounds)
        for theme, (codes, valid, bounds) in mean_groups(definition).items()
    }


def theme_results(
    definition: Questionnaire,
    survey_round: Round,
    shares: Collection[ThemeScore],
    language: str,
    groups: MeanGroups,
    sums: ThemeSums,
) -> tuple[ThemeScore, ...]:
    """Every theme of the file in its order: share positive, mean on its scale with a 95 %
    interval (suppressed below 5 respondents) and a published figure beside it.

    `groups` are the items each mean is of (`shown_mean_groups`), `sums` their respondents
    as counted (`theme_sums`)."""
    by_theme = {score.theme: score for score in shares}
    figures = benchmark_figures(period_label(survey_round))
    results = []
    for theme in definition.theme_order():
        share = by_theme.get(theme.key)
        group = groups.get(theme.key)
        if share is None and group is None:
            continue
        score = share or ThemeScore(theme.key, None, ())
        if group is None:
            results.append(replace(score, title=pick_text(theme.title, language)))
            continue
        codes, _valid, bounds = group
        mean = theme_mean(round_theme_sums(sums, survey_round.id, theme.key))
        figure = figures.get(pick_text(theme.title, "da").casefold()) or figures.get(theme.key)
        results.append(
            replace(
                score,
                title=pick_text(theme.title, language),
                mean=mean.mean,
                ci=mean.ci,
                sd=mean.sd,
                n=mean.n,
                scale=bounds,
                mean_items=tuple(codes),
                method=METHOD,
                benchmark=benchmark_beside(
                    mean,
                    figure.source,
                    figure.period,
                    figure.category,
                    figure.mean,
                    figure.n,
                    figure.sd,
                )
                if figure is not None
                else None,
            )
        )
    if LOCAL_THEME in by_theme:
        # in the comparison's language, whatever the request's: the JSON is one contract
        local_page = next((p for p in definition.pages if p.theme == LOCAL_THEME), None)
        with force_locale(language):
            title = pick_text(local_page.title, language) if local_page else _("Local questions")
        results.append(replace(by_theme[LOCAL_THEME], title=title))
    return tuple(results)
