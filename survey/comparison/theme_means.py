"""Theme means beyond the whole round: per group of a split, and for the earlier round
with the change against it, by the round's own respondent-mean method (analysis.themes).
A group's mean is of the items the round's mean is of; the earlier round's only of items
whose figure is shown for that round.

Which items each mean is of is decided first, from the questionnaires and the item
figures; then every mean's respondent sums are counted in one statement
(survey.comparison.query.theme_sums) and read here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from analysis.results import ItemResult, ThemeScore
from analysis.themes import ThemeMean, group_theme_means, theme_change, theme_mean
from questionnaires import Questionnaire
from questionnaires.model import LOCAL_THEME, SCALE_TYPES
from survey.comparison.query import ThemeItems, ThemeSums, round_theme_sums

# per theme: (item codes, valid values as stored, (lowest, highest) value of the scale)
MeanGroups = Mapping[str, tuple[list[str], list[str], tuple[int, int]]]
# per theme: the earlier round's item codes its mean is of, and whether they are the same
# questions as the current round's mean (only then a change and its test)
PreviousItems = dict[str, tuple[list[str], bool]]


def mean_groups(
    definition: Questionnaire,
) -> dict[str, tuple[list[str], list[str], tuple[int, int]]]:
    """Per theme of the file: the items its mean is computed from (those on a scale with a
    meaningful mean and the same valid values as the theme's first such item), their valid
    values as stored, and the scale's lowest and highest valid value."""
    groups: dict[str, tuple[list[str], list[str], tuple[int, int]]] = {}
    for item in definition.items:
        scale = item.answer_scale
        if item.type not in SCALE_TYPES or scale is None or not scale.mean:
            continue
        if item.theme == LOCAL_THEME:
            continue
        valid = [str(value) for value in scale.valid]
        codes, first_valid, _bounds = groups.setdefault(
            item.theme, ([], valid, (min(scale.valid), max(scale.valid)))
        )
        if valid == first_valid:
            codes.append(item.code)
    return groups


def counted_items(groups: MeanGroups) -> ThemeItems:
    """What `theme_sums` counts for a round: per theme, its items and valid values."""
    return {theme: (codes, valid) for theme, (codes, valid, _bounds) in groups.items()}


def with_group_means(
    themes: Sequence[ThemeScore],
    items: Sequence[ItemResult],
    round_id: int,
    groups: MeanGroups,
    sums: ThemeSums,
) -> tuple[ThemeScore, ...]:
    """Each theme with a mean per group of the split, of the same items as the round's
    mean: so the groups add up to the round and hiding a group can be made to hold
    against subtraction (analysis.themes.group_theme_means). `sums` were counted with
    the split."""
    values = [group.value for group in items[0].groups] if items else []
    result = []
    for score in themes:
        if score.theme not in groups or score.scale is None:
            result.append(score)
            continue
        means = group_theme_means(
            {v: sums.get((round_id, score.theme, v), {}) for v in values}, score.scale
        )
        result.append(replace(score, groups=means))
    return tuple(result)


def _round_mean(score: ThemeScore) -> ThemeMean:
    return ThemeMean(score.n, score.mean, score.ci, score.sd)


def previous_mean_items(
    groups: MeanGroups,
    items: Sequence[ItemResult],
    current_definition: Questionnaire,
    previous_definition: Questionnaire,
    previous_groups: MeanGroups,
) -> PreviousItems:
    """Per theme with a mean now (`groups`: the current round's, of its shown items), the
    earlier round's items its mean is of: those both rounds asked (matched by compare key,
    which the schema keeps on one scale) that are shown for the earlier round."""
    key_of = {item.code: item.compare_key for item in current_definition.items}
    previous_key_of = {item.code: item.compare_key for item in previous_definition.items}
    shown_before = {
        item.compare_key or item.code
        for item in items
        if item.previous is not None and not item.previous.suppressed
    }
    chosen: PreviousItems = {}
    for theme, (codes_now, _valid, bounds_now) in groups.items():
        earlier = previous_groups.get(theme)
        if earlier is None:
            continue
        codes, _valid_before, bounds = earlier
        keys_now = {key_of[c] for c in codes_now}
        used = [
            c
            for c in codes
            if previous_key_of[c] in keys_now and previous_key_of[c] in shown_before
        ]
        if bounds == bounds_now and used:
            chosen[theme] = (used, {previous_key_of[c] for c in used} == keys_now)
    return chosen


def with_previous_means(
    themes: Sequence[ThemeScore],
    chosen: PreviousItems,
    against_id: int,
    sums: ThemeSums,
) -> tuple[ThemeScore, ...]:
    """Each theme with the earlier round's mean over the items `previous_mean_items` chose;
    the change and its test only where both means are of the same items."""
    result = []
    for score in themes:
        if score.theme not in chosen or score.scale is None:
            result.append(score)
            continue
        used, same_items = chosen[score.theme]
        before = theme_mean(round_theme_sums(sums, against_id, score.theme))
        change = theme_change(_round_mean(score), before) if same_items else None
        result.append(replace(score, previous=before, previous_items=tuple(used), change=change))
    return tuple(result)
