"""Theme means beyond the whole round: per group of a split, and for the earlier round
with the change against it, by the round's own respondent-mean method (analysis.themes).
A group's mean is of the items the round's mean is of; the earlier round's only of items
whose figure is shown for that round."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from analysis.results import ItemResult, ThemeScore
from analysis.themes import ThemeMean, group_theme_means, theme_change, theme_mean
from questionnaires import Questionnaire
from survey.comparison.query import group_theme_sums, theme_sums

# per theme: (item codes, valid values as stored, (lowest, highest) value of the scale)
MeanGroups = Mapping[str, tuple[list[str], list[str], tuple[int, int]]]


def with_group_means(
    themes: Sequence[ThemeScore],
    items: Sequence[ItemResult],
    round_id: int,
    by: str,
    groups: MeanGroups,
) -> tuple[ThemeScore, ...]:
    """Each theme with a mean per group of the split, of the same items as the round's
    mean: so the groups add up to the round and hiding a group can be made to hold
    against subtraction (analysis.themes.group_theme_means)."""
    values = [group.value for group in items[0].groups] if items else []
    asked = {
        score.theme: (list(score.mean_items), groups[score.theme][1])
        for score in themes
        if score.scale is not None and score.theme in groups
    }
    sums = group_theme_sums(round_id, by, asked, values)
    result = []
    for score in themes:
        if score.theme not in asked or score.scale is None:
            result.append(score)
            continue
        per_group = sums.get(score.theme, {})
        means = group_theme_means({v: per_group.get(v, {}) for v in values}, score.scale)
        result.append(replace(score, groups=means))
    return tuple(result)


def _round_mean(score: ThemeScore) -> ThemeMean:
    return ThemeMean(score.n, score.mean, score.ci, score.sd)


def with_previous_means(
    themes: Sequence[ThemeScore],
    items: Sequence[ItemResult],
    current_definition: Questionnaire,
    previous_definition: Questionnaire,
    against_id: int,
    previous_groups: MeanGroups,
) -> tuple[ThemeScore, ...]:
    """Each theme with the earlier round's mean over the items both rounds asked (matched
    by compare key, which the schema keeps on one scale; shown for the earlier round); the
    change and its test only where both means are of the same items."""
    key_of = {item.code: item.compare_key for item in current_definition.items}
    previous_key_of = {item.code: item.compare_key for item in previous_definition.items}
    shown_before = {
        item.compare_key or item.code
        for item in items
        if item.previous is not None and not item.previous.suppressed
    }
    # per theme: the earlier round's items its mean is of, and whether they are the same
    # questions as the current mean's (only then a change and its test)
    used_by_theme: dict[str, tuple[list[str], bool]] = {}
    for score in themes:
        earlier = previous_groups.get(score.theme)
        if score.scale is None or earlier is None:
            continue
        codes, _valid, bounds = earlier
        keys_now = {key_of[c] for c in score.mean_items}
        used = [
            c
            for c in codes
            if previous_key_of[c] in keys_now and previous_key_of[c] in shown_before
        ]
        if bounds == score.scale and used:
            used_by_theme[score.theme] = (used, {previous_key_of[c] for c in used} == keys_now)
    # Every theme's earlier mean in one statement (one pass over the earlier round).
    sums = theme_sums(
        against_id,
        {theme: (used, previous_groups[theme][1]) for theme, (used, _) in used_by_theme.items()},
    )
    result = []
    for score in themes:
        if score.theme not in used_by_theme:
            result.append(score)
            continue
        chosen, same_items = used_by_theme[score.theme]
        before = theme_mean(sums.get(score.theme, {}))
        change = theme_change(_round_mean(score), before) if same_items else None
        result.append(replace(score, previous=before, previous_items=tuple(chosen), change=change))
    return tuple(result)
