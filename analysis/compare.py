"""Compare a round with an earlier one, overall and by group, from a frequency table.

Conventions (docs: ../shared/DESIGN.md, "Statistics conventions"): Likert items are scored
1 (helt uenig) to 5 (helt enig); "0" (ved ikke) is recorded but not valid. Share positive
= answers 4 or 5 / valid answers, with a 95 % Wilson interval. A change is the difference
of shares with Newcombe's hybrid score interval and a two-sided two-proportion test
(Fisher when an expected cell is below 5, else chi-square without continuity correction),
Holm-adjusted across the items of the comparison; significant means adjusted p < 0.05.
Any figure from fewer than MIN_N valid answers is suppressed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import fmean

from analysis.frequency import FrequencyTable
from analysis.means import mean_t_interval
from analysis.proportions import (
    holm_adjust,
    holm_levels,
    newcombe_difference,
    two_proportion_test,
    wilson_interval,
    z_for_level,
)
from analysis.results import (
    PROTECTS_OTHER,
    Change,
    Comparison,
    GroupResult,
    ItemResult,
    OptionShare,
    RoundInfo,
    ShownSide,
    Side,
    SuppressedSide,
    ThemeScore,
    answered,
)

MIN_N = 5
ALPHA = 0.05
LIKERT_VALID = ("1", "2", "3", "4", "5")
LIKERT_POSITIVE = ("4", "5")
YES, NO = "1", "2"
SCORED_TYPES = ("likert5", "yesno", "scale")


@dataclass(frozen=True)
class ItemInfo:
    """What analysis needs to know of an item; `key` is its compare key."""

    key: str
    text: str
    theme: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label) in display order
    source: str = "core"
    wording_changed: bool = False
    code: str | None = None  # the item's code in the current round (default: the key)
    # a "scale" item's scale (from the questionnaire file): valid and positive values
    valid: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    has_mean: bool = False


def scored_counts(item_type: str, counts: Mapping[str, int]) -> tuple[int, int]:
    """(valid answers, positive answers) of a scale or yes/no item."""
    if item_type == "likert5":
        return (
            sum(counts.get(v, 0) for v in LIKERT_VALID),
            sum(counts.get(v, 0) for v in LIKERT_POSITIVE),
        )
    if item_type == "yesno":
        return counts.get(YES, 0) + counts.get(NO, 0), counts.get(YES, 0)
    raise ValueError(f"{item_type} items have no positive answers")


def side_for(item: ItemInfo, counts: Mapping[str, int]) -> Side:
    """The figure for one item in one round (and group), suppressed below MIN_N."""
    if item.type == "likert5":
        valid = {value: counts.get(value, 0) for value in LIKERT_VALID}
        n = sum(valid.values())
        positive = sum(valid[value] for value in LIKERT_POSITIVE)
    elif item.type == "yesno":
        n = counts.get(YES, 0) + counts.get(NO, 0)
        positive = counts.get(YES, 0)
        valid = None
    elif item.type == "scale":
        scale_valid = {value: counts.get(value, 0) for value in item.valid}
        n = sum(scale_valid.values())
        positive = sum(scale_valid.get(value, 0) for value in item.positive)
        valid = scale_valid if item.has_mean else None
    elif item.type == "number":
        # A number item: n who answered and the mean with its t interval; no "positive".
        numbers = {int(value): count for value, count in counts.items() if count}
        n = sum(numbers.values())
        if n < MIN_N:
            return SuppressedSide(n)
        spread = mean_t_interval(numbers)
        number_ci = (
            (spread.low, spread.high)
            if spread.low is not None and spread.high is not None
            else None
        )
        return ShownSide(n, None, None, None, spread.mean, number_ci)
    else:
        # Choice and text items have no "positive": n is the number who answered.
        n = sum(counts.values())
        return SuppressedSide(n) if n < MIN_N else ShownSide(n, None, None, None, None, None)
    if n < MIN_N:
        return SuppressedSide(n)
    interval = wilson_interval(positive, n)
    mean = mean_ci = None
    if valid is not None:
        result = mean_t_interval({int(value): count for value, count in valid.items()})
        mean = result.mean
        # low and high are both None (n < 2) or both set
        mean_ci = (
            (result.low, result.high)
            if result.low is not None and result.high is not None
            else None
        )
    return ShownSide(n, positive, positive / n, (interval.low, interval.high), mean, mean_ci)


def distribution_for(item: ItemInfo, counts: Mapping[str, int]) -> tuple[OptionShare, ...]:
    """Answers per option; for multi, the share of respondents choosing each option."""
    if item.type in ("text", "number"):
        return ()
    per_option: dict[str, int] = dict.fromkeys((value for value, _ in item.options), 0)
    respondents = 0
    for value, count in counts.items():
        respondents += count
        chosen = value.split(";") if item.type == "multi" else [value]
        for option in chosen:
            if option in per_option:
                per_option[option] += count
    if item.type in ("likert5", "scale"):
        respondents = sum(per_option.values())  # shares of all answers, ved ikke included
    # "ved ikke" is shown beside the scale, but never figures from < MIN_N valid answers
    valid_values = LIKERT_VALID if item.type == "likert5" else item.valid
    valid = (
        sum(per_option.get(v, 0) for v in valid_values)
        if item.type in ("likert5", "scale")
        else respondents
    )
    suppressed = valid < MIN_N
    return tuple(
        OptionShare(
            value=value,
            label=label,
            count=None if suppressed else per_option[value],
            share=None if suppressed or not respondents else per_option[value] / respondents,
        )
        for value, label in item.options
    )


Counts = tuple[int, int, int, int]  # positive and n of the first side, then of the second
RawChange = tuple[float, tuple[float, float], float, str, Counts]  # diff, interval, p, test


def change_between(current: Side, previous: Side | None) -> RawChange | None:
    """Unadjusted change between two unsuppressed sides: diff, interval, p, test, counts."""
    if previous is None or current.positive is None or previous.positive is None:
        # suppressed sides, and choice and text items, have no positive count
        return None
    counts = (current.positive, current.n, previous.positive, previous.n)
    diff, interval = newcombe_difference(*counts)
    test = two_proportion_test(*counts)
    return diff, (interval.low, interval.high), test.p_value, test.test, counts


def _adjusted(raw: Sequence[RawChange | None]) -> list[Change | None]:
    """One family of tests: Holm-adjusted p-values and intervals at the matching levels."""
    present = [(index, value) for index, value in enumerate(raw) if value is not None]
    p_values = [value[2] for _, value in present]
    adjusted = holm_adjust(p_values)
    levels = holm_levels(p_values, ALPHA)
    changes: list[Change | None] = [None] * len(raw)
    for (index, (diff, interval, p_value, test, counts)), p_adjusted, level in zip(
        present, adjusted, levels, strict=True
    ):
        _, wide = newcombe_difference(*counts, z=z_for_level(level))
        changes[index] = Change(
            diff,
            interval,
            p_value,
            p_adjusted,
            test,
            p_adjusted < ALPHA,
            ci_adjusted=(wide.low, wide.high),
            level=1 - level,
        )
    return changes


def _rest_counts(total: Mapping[str, int], group: Mapping[str, int]) -> dict[str, int]:
    """The answers of everyone outside a group: the round's counts less the group's."""
    return {value: count - group.get(value, 0) for value, count in total.items()}


def _suppress_complements(sides: list[Side], total: Side) -> list[Side]:
    """Secondary suppression: with the total shown, subtraction gives the hidden groups'
    positive count together; that gives away one hidden group, or several when together
    they are all positive or all not (and the total alone does not already say so). Hide
    the next smallest group too until it does not."""
    sides = list(sides)
    total_positive = total.positive
    while True:
        hidden = [s for s in sides if isinstance(s, SuppressedSide) and s.answered > 0]
        shown = [i for i, s in enumerate(sides) if not s.suppressed]
        if not hidden or not shown:
            return sides
        if len(hidden) > 1 and total_positive is None and total.mean is not None:
            # a number item's mean: subtraction gives the hidden groups' mean together,
            # which is a figure of its own unless they are 5 or more
            if sum(s.answered for s in hidden) >= MIN_N:
                return sides
        elif len(hidden) > 1:
            if total_positive is None or total_positive in (0, total.n):
                return sides  # the total alone already tells all
            shown_positives = [p for i in shown if (p := sides[i].positive) is not None]
            if len(shown_positives) != len(shown):
                raise ValueError("every shown group of a scored item needs a positive count")
            hidden_positive = total_positive - sum(shown_positives)
            if 0 < hidden_positive < sum(s.answered for s in hidden):
                return sides
        smallest = min(shown, key=lambda i: answered(sides[i]))
        sides[smallest] = SuppressedSide(answered(sides[smallest]), reason=PROTECTS_OTHER)


def compare(
    table: FrequencyTable,
    current: RoundInfo,
    items: Sequence[ItemInfo],
    against: RoundInfo | None = None,
    previous_keys: Collection[str] | None = None,
    by: str | None = None,
    benchmark: Mapping[str, Mapping[str, int]] | None = None,
) -> Comparison:
    """Compare `current` with `against` for `items`, optionally split by a background variable.

    `previous_keys`: compare keys the earlier round asked (default: all); `benchmark`:
    pooled counts per compare key from other municipalities, given only where enough
    municipalities contribute.
    """
    if by is not None and not by.isidentifier():
        raise ValueError(f"not a background variable: {by!r}")
    asked_before = set(previous_keys) if previous_keys is not None else {item.key for item in items}
    group_values = table.group_values(by) if by else []

    currents: list[Side] = []
    previouses: list[Side | None] = []
    raw_changes: list[RawChange | None] = []
    group_sides: list[tuple[list[Side], list[Side | None]]] = []
    for item in items:
        side = side_for(item, table.counts(current.id, item.key))
        previous = None
        if against is not None and item.key in asked_before:
            previous = side_for(item, table.counts(against.id, item.key))
        currents.append(side)
        previouses.append(previous)
        raw_changes.append(change_between(side, previous) if item.type in SCORED_TYPES else None)
        if by:
            now = [side_for(item, table.counts(current.id, item.key, by, g)) for g in group_values]
            if not side.suppressed:
                now = _suppress_complements(now, side)
            before: list[Side | None] = [None] * len(group_values)
            if against is not None and previous is not None:
                before_sides = [
                    side_for(item, table.counts(against.id, item.key, by, g)) for g in group_values
                ]
                if not previous.suppressed:
                    before_sides = _suppress_complements(before_sides, previous)
                before = list(before_sides)
            group_sides.append((now, before))

    changes = _adjusted(raw_changes)
    # Each group is its own family of tests across the items.
    group_changes: list[list[Change | None]] = [[None] * len(group_values) for _ in items]
    for g_index in range(len(group_values)):
        raw = (
            [
                change_between(now[g_index], before[g_index]) if item.type in SCORED_TYPES else None
                for item, (now, before) in zip(items, group_sides, strict=True)
            ]
            if by
            else []
        )
        for i_index, change in enumerate(_adjusted(raw)):
            group_changes[i_index][g_index] = change

    rest_changes = _against_rest(table, current, items, by, group_values, group_sides)
    benches: list[Side | None] = []
    for item in items:
        bench = None
        if benchmark is not None and item.key in benchmark and item.type in SCORED_TYPES:
            bench = side_for(item, benchmark[item.key])
        benches.append(bench)
    # The benchmark tests are one family of their own, across the items.
    bench_changes = _adjusted(
        [change_between(side, bench) for side, bench in zip(currents, benches, strict=True)]
    )

    results = []
    for index, item in enumerate(items):
        groups: tuple[GroupResult, ...] = ()
        if by:
            now, before = group_sides[index]
            groups = tuple(
                GroupResult(
                    by,
                    value,
                    now[g],
                    before[g],
                    group_changes[index][g],
                    rest_changes[index][g],
                )
                for g, value in enumerate(group_values)
            )
        bench = benches[index]
        results.append(
            ItemResult(
                code=item.code or item.key,
                compare_key=item.key,
                text=item.text,
                theme=item.theme,
                type=item.type,
                current=currents[index],
                previous=previouses[index],
                change=changes[index],
                groups=groups,
                benchmark=bench,
                vs_benchmark=bench_changes[index],
                distribution=distribution_for(item, table.counts(current.id, item.key)),
                wording_changed=item.wording_changed and previouses[index] is not None,
                source=item.source,
            )
        )
    return Comparison(current, against, by, tuple(results), theme_scores(results))


def _against_rest(
    table: FrequencyTable,
    current: RoundInfo,
    items: Sequence[ItemInfo],
    by: str | None,
    group_values: Sequence[str | None],
    group_sides: Sequence[tuple[list[Side], list[Side | None]]],
) -> list[list[Change | None]]:
    """Each shown group against all other answers of the round, per item; one Holm family
    across the groups and items of the split. The rest is suppressed below MIN_N like any
    figure, and a hidden group is not tested at all."""
    if not by:
        return [[] for _ in items]
    raw: list[RawChange | None] = []
    for item, (now, _before) in zip(items, group_sides, strict=True):
        total = table.counts(current.id, item.key)
        for g_index, value in enumerate(group_values):
            group = now[g_index]
            if item.type not in SCORED_TYPES or group.suppressed:
                raw.append(None)
                continue
            rest = side_for(
                item, _rest_counts(total, table.counts(current.id, item.key, by, value))
            )
            raw.append(change_between(group, rest))
    flat = _adjusted(raw)
    width = len(group_values)
    return [flat[i * width : (i + 1) * width] for i in range(len(items))]


def theme_scores(results: Sequence[ItemResult]) -> tuple[ThemeScore, ...]:
    """Per theme, the mean share positive of its unsuppressed scale items."""
    themes: dict[str, list[ItemResult]] = {}
    for result in results:
        if result.type in ("likert5", "scale"):
            themes.setdefault(result.theme, []).append(result)
    scores = []
    for theme, members in themes.items():
        # a scale item's share is None exactly when its figure is suppressed
        used = [(m.code, m.current.share) for m in members if m.current.share is not None]
        score = fmean(share for _, share in used) if used else None
        scores.append(ThemeScore(theme, score, tuple(code for code, _ in used)))
    return tuple(scores)


def with_text(comparison: Comparison, texts: Mapping[str, str]) -> Comparison:
    """The same comparison with item texts replaced (e.g. another language)."""
    items = tuple(replace(item, text=texts.get(item.code, item.text)) for item in comparison.items)
    return replace(comparison, items=items)
