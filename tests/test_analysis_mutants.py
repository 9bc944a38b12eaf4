"""Pure statistics: the cases that mutation testing (bench/mutation.sh) found untested.

Each test pins a boundary or a branch that a surviving mutant changed without any test
noticing. Expected values are literals worked out by hand in the comments, or come from
statsmodels and scipy; none is computed with the functions under test.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis.compare import (
    ItemInfo,
    _adjusted,
    _suppress_complements,
    compare,
    distribution_for,
    side_for,
    with_text,
)
from analysis.formatting import danish_percent
from analysis.frequency import FrequencyRow, FrequencyTable
from analysis.means import mean_t_interval
from analysis.proportions import (
    holm_adjust,
    newcombe_difference,
    two_proportion_test,
    wilson_interval,
)
from analysis.results import (
    Change,
    GroupResult,
    ItemResult,
    OptionShare,
    RoundInfo,
    ShownSide,
    SuppressedSide,
    ThemeScore,
)
from analysis.targets import NO_DATA, TargetRow, assess, historical_side, theme_score

SCALE = (("1", "Helt uenig"), ("2", "Uenig"), ("3", "Hverken"), ("4", "Enig"), ("5", "Helt enig"))
SCALE_WITH_DONT_KNOW = (*SCALE, ("0", "Ved ikke"))
NOW = RoundInfo(1, "Forår 2026", 30)


def likert(key: str = "kl.q", **kwargs) -> ItemInfo:
    return ItemInfo(key, "Tekst", "Mødet", "likert5", SCALE_WITH_DONT_KNOW, **kwargs)


def shown(n: int, positive: int) -> ShownSide:
    return ShownSide(n, positive, positive / n, (0.0, 1.0), None, None)


def rows(round_id: int, item: str, counts: dict[str, int], variable=None, group=None):
    return [FrequencyRow(round_id, item, variable, group, v, c) for v, c in counts.items()]


# --- side_for and distribution_for ---------------------------------------------------------


def test_a_choice_item_is_shown_from_exactly_five_answers():
    item = ItemInfo("kl.channel", "Kanal", "Mødet", "single", (("1", "Telefon"), ("2", "Møde")))
    assert side_for(item, {"1": 3, "2": 2}) == ShownSide(5, None, None, None, None, None)
    assert side_for(item, {"1": 2, "2": 2}) == SuppressedSide(4)


def test_a_single_choice_value_is_one_option_even_with_a_semicolon():
    # Only multi answers are lists "1;2"; for a single item "1;2" matches no option.
    item = ItemInfo("kl.channel", "Kanal", "Mødet", "single", (("1", "A"), ("2", "B")))
    options = distribution_for(item, {"1": 4, "2": 1, "1;2": 1})
    # 6 respondents: 4 chose "1" (4/6), 1 chose "2" (1/6).
    assert [(o.value, o.label, o.count) for o in options] == [("1", "A", 4), ("2", "B", 1)]
    assert [o.share for o in options] == [pytest.approx(4 / 6), pytest.approx(1 / 6)]


def test_scale_shares_are_of_the_answers_on_its_options_from_five_valid():
    # 3 x "4", 2 x "5" (5 valid), 5 x ved ikke, and 10 values on no option, not counted:
    # shares of 10 answers; exactly 5 valid answers is enough to show them.
    options = distribution_for(likert(), {"4": 3, "5": 2, "0": 5, "x": 10})
    assert [(o.value, o.label, o.count, o.share) for o in options] == [
        ("1", "Helt uenig", 0, 0.0),
        ("2", "Uenig", 0, 0.0),
        ("3", "Hverken", 0, 0.0),
        ("4", "Enig", 3, 0.3),
        ("5", "Helt enig", 2, 0.2),
        ("0", "Ved ikke", 5, 0.5),
    ]


def test_choice_options_outside_one_to_five_count_as_answers():
    # A choice item's "valid" answers are all its answers, whatever the option values.
    item = ItemInfo("kl.office", "Sted", "Mødet", "single", (("6", "Vest"), ("7", "Øst")))
    options = distribution_for(item, {"6": 3, "7": 2})
    assert [(o.count, o.share) for o in options] == [(3, 0.6), (2, 0.4)]


def test_a_scale_item_listing_part_of_its_scale_counts_only_the_answers_given():
    # Options 1-3 only: 2 + 1 = 3 valid answers, under 5, so nothing is shown.
    item = ItemInfo("kl.q", "Tekst", "Mødet", "likert5", SCALE[:3])
    options = distribution_for(item, {"1": 2, "2": 1})
    assert [(o.value, o.count, o.share) for o in options] == [
        ("1", None, None),
        ("2", None, None),
        ("3", None, None),
    ]


# --- Holm family and significance ------------------------------------------------------------


def test_significant_means_adjusted_p_strictly_below_five_percent():
    # One test in the family: Holm leaves p as it is.
    counts = (30, 50, 20, 50)
    raw = [
        (0.1, (0.01, 0.19), 0.05, "chi2", counts),
        None,
        (0.2, (0.1, 0.3), 0.0499, "fisher", counts),
    ]
    # Two tests: 0.0499 is the smaller, times 2 = 0.0998; then max(0.0998, 1 x 0.05).
    first, none, second = _adjusted(raw)
    assert none is None
    assert (first.diff, first.ci, first.p_value, first.p_adjusted, first.test) == (
        0.1,
        (0.01, 0.19),
        0.05,
        0.0998,
        "chi2",
    )
    assert (second.p_adjusted, second.test, first.significant, second.significant) == (
        0.0998,
        "fisher",
        False,
        False,
    )
    # Neither rejected: both intervals at Holm's first step, 1 - 0.05 / 2.
    assert first.level == second.level == pytest.approx(0.975)
    (alone,) = _adjusted([(0.1, (0.01, 0.19), 0.05, "chi2", counts)])
    assert (alone.p_adjusted, alone.significant, alone.level) == (0.05, False, pytest.approx(0.95))
    assert _adjusted([(0.1, (0.01, 0.19), 0.0499, "chi2", counts)])[0].significant is True


# --- secondary suppression ---------------------------------------------------------------------


def test_a_total_with_no_positive_answer_already_tells_all_hidden_groups():
    # The total says every answer is negative, so two hidden groups reveal nothing more.
    sides = [shown(10, 0), shown(10, 0), SuppressedSide(2), SuppressedSide(2)]
    assert _suppress_complements(sides, shown(24, 0)) == sides


def test_a_total_with_one_positive_answer_does_not_tell_all():
    # Total 1 positive, the shown groups 1 + 0: the hidden 4 are all negative. Hiding the
    # smallest shown group (n 10, 1 positive) leaves 1 positive among 14 hidden answers.
    sides = [shown(10, 1), shown(12, 0), SuppressedSide(2), SuppressedSide(2)]
    assert _suppress_complements(sides, shown(26, 1)) == [
        SuppressedSide(10, reason="protects_other"),
        shown(12, 0),
        SuppressedSide(2),
        SuppressedSide(2),
    ]


def test_one_positive_among_several_hidden_answers_gives_no_one_away():
    # 6 - 5 = 1 positive among the 5 hidden answers: neither all nor none.
    sides = [shown(10, 5), SuppressedSide(2), SuppressedSide(3)]
    assert _suppress_complements(sides, shown(15, 6)) == sides


def test_hidden_groups_that_are_all_positive_hide_one_more_group():
    # 20 - 5 - 10 = 5 positive among the 5 hidden answers: all positive, so the smallest
    # shown group (n 10) is hidden too; then 10 of 15 hidden answers are positive.
    sides = [shown(10, 5), shown(20, 10), SuppressedSide(2), SuppressedSide(3)]
    assert _suppress_complements(sides, shown(35, 20)) == [
        SuppressedSide(10, reason="protects_other"),
        shown(20, 10),
        SuppressedSide(2),
        SuppressedSide(3),
    ]


# --- compare and with_text ---------------------------------------------------------------------


def test_compare_refuses_a_group_variable_that_is_not_a_name():
    with pytest.raises(ValueError, match=r"^not a background variable: 'a b'$"):
        compare(FrequencyTable([]), NOW, [likert()], by="a b")


def test_compare_keeps_the_items_source_and_no_benchmark_unless_given():
    table = FrequencyTable(rows(1, "kl.q", {"4": 6, "2": 4}))
    (result,) = compare(table, NOW, [likert(source="local")]).items
    assert result.source == "local"
    assert result.benchmark is None
    assert result.to_dict()["benchmark"] is None


def test_with_text_replaces_texts_by_the_items_code_and_keeps_the_rest():
    table = FrequencyTable(rows(1, "kl.q", {"4": 6, "2": 4}) + rows(1, "kl.r", {"5": 5}))
    items = [likert("kl.q", code="odense.q"), likert("kl.r")]
    comparison = compare(table, NOW, items)
    english = with_text(comparison, {"odense.q": "In English", "kl.q": "not by the key"})
    assert [item.text for item in english.items] == ["In English", "Tekst"]
    assert english.round == NOW and english.themes == comparison.themes
    assert [item.current for item in english.items] == [item.current for item in comparison.items]
    assert [item.code for item in english.items] == ["odense.q", "kl.r"]


# --- targets ---------------------------------------------------------------------------------


def test_a_target_row_as_json():
    row = TargetRow(2025, 40, 0.625, (0.47, 0.76), 0.6, "cannot_tell")
    assert row.to_dict() == {
        "year": 2025,
        "n": 40,
        "share": 0.625,
        "ci": [0.47, 0.76],
        "ambition": 0.6,
        "verdict": "cannot_tell",
        "items": None,
    }
    empty = TargetRow(2024, None, None, None, 0.6, None)
    assert empty.to_dict() == {
        "year": 2024,
        "n": None,
        "share": None,
        "ci": None,
        "ambition": 0.6,
        "verdict": None,
        "items": None,
    }
    theme_year = TargetRow(2019, 40, 0.5, (0.35, 0.65), None, None, items_used=1, items_total=4)
    assert theme_year.to_dict()["items"] == [1, 4]


@pytest.mark.parametrize("ambition", [-0.01, 1.01])
def test_an_ambition_outside_zero_to_one_is_refused_with_a_reason(ambition):
    with pytest.raises(ValueError, match=r"^an ambition is a share between 0 and 1$"):
        assess(shown(10, 5), ambition)


def test_a_shown_figure_without_an_interval_has_no_verdict():
    # A choice item's figure: n only.
    assert assess(ShownSide(8, None, None, None, None, None), 0.5) == NO_DATA


def test_a_historical_figure_is_share_and_wilson_interval_from_five():
    low, high = proportion_confint(7, 10, method="wilson")  # 0.3968, 0.8922
    side = historical_side(10, 7)
    assert (side.n, side.positive, side.share, side.mean, side.mean_ci) == (10, 7, 0.7, None, None)
    assert side.suppressed is False
    assert side.ci == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    five = historical_side(5, 4)
    assert (five.n, five.positive, five.share) == (5, 4, 0.8)
    assert five.ci == (
        pytest.approx(proportion_confint(4, 5, method="wilson")[0], abs=1e-12),
        pytest.approx(proportion_confint(4, 5, method="wilson")[1], abs=1e-12),
    )
    assert historical_side(4, 4) == SuppressedSide(4)


def test_a_theme_score_leaves_out_figures_without_an_interval():
    choice = ShownSide(20, None, None, None, None, None)
    scale = ShownSide(10, 6, 0.6, (0.31, 0.83), None, None)
    assert theme_score([choice, scale, SuppressedSide(3)]) == ShownSide(
        10, None, 0.6, (0.31, 0.83), None, None
    )


# --- formatting, means ---------------------------------------------------------------------------


def test_danish_percent():
    assert danish_percent(0.62) == "62 %"
    assert danish_percent(0.625, 1) == "62,5 %"
    assert danish_percent(0.0405, 2) == "4,05 %"
    assert danish_percent(1.0) == "100 %"


def test_a_mean_refuses_negative_or_no_counts_with_a_reason():
    with pytest.raises(ValueError, match=r"^counts must not be negative$"):
        mean_t_interval({1: -1, 2: 3})
    with pytest.raises(ValueError, match=r"^a mean needs at least one value$"):
        mean_t_interval({3: 0})


# --- results as JSON ----------------------------------------------------------------------------


def test_p_values_in_json_keep_eight_decimals():
    change = Change(0.1234567, (0.01, 0.19), 0.123456789, 0.987654321, "chi2", False)
    assert change.to_dict() == {
        "diff": 0.123457,
        "ci": [0.01, 0.19],
        "ci_adjusted": None,
        "level": None,
        "p_value": 0.12345679,
        "p_adjusted": 0.98765432,
        "test": "chi2",
        "significant": False,
    }


def test_option_group_theme_and_item_as_json():
    assert OptionShare("4", "Enig", 1, 1 / 3).to_dict() == {
        "value": "4",
        "label": "Enig",
        "count": 1,
        "share": 0.333333,
    }
    group = GroupResult("benefit_group", "dagpenge", SuppressedSide(3), None, None)
    assert group.to_dict() == {
        "variable": "benefit_group",
        "value": "dagpenge",
        "current": {
            "n": None,
            "positive": None,
            "share": None,
            "ci": None,
            "mean": None,
            "mean_ci": None,
            "suppressed": True,
            "suppressed_reason": "too_few",
            "uncertain": False,
            "weighted": None,
            "weighted_reason": None,
        },
        "previous": None,
        "change": None,
        "vs_rest": None,
    }
    assert ThemeScore("Mødet", 2 / 3, ("kl.a", "kl.b")).to_dict() == {
        "key": "Mødet",
        "title": "",
        "mean": None,
        "ci": None,
        "n": 0,
        "scale": None,
        "mean_items": [],
        "method": "",
        "share": 0.666667,
        "benchmark": None,
        "theme": "Mødet",
        "score": 0.666667,
        "items": ["kl.a", "kl.b"],
        "previous": None,
        "change": None,
        "groups": [],
    }
    with_mean = ThemeScore(
        "meeting", 0.5, ("kl.a",), title="Mødet", mean=3.5, ci=(3.1, 3.9), n=40, scale=(1, 5)
    ).to_dict()
    assert (with_mean["mean"], with_mean["ci"], with_mean["n"], with_mean["scale"]) == (
        3.5,
        [3.1, 3.9],
        40,
        {"min": 1, "max": 5},
    )
    item = ItemResult("odense.q", "Tekst", "Mødet", "likert5", SuppressedSide(2), None, None)
    assert item.to_dict()["compare_key"] == "odense.q"
    keyed = ItemResult(
        "odense.q", "Tekst", "Mødet", "likert5", SuppressedSide(2), None, None, compare_key="kl.q"
    )
    assert keyed.to_dict()["compare_key"] == "kl.q"


# --- frequency table ----------------------------------------------------------------------------


def test_a_frequency_table_accepts_zero_counts_and_refuses_negative_ones():
    assert FrequencyTable(rows(1, "kl.q", {"4": 0})).counts(1, "kl.q") == {"4": 0}
    with pytest.raises(ValueError, match=r"^a frequency count cannot be negative$"):
        FrequencyTable(rows(1, "kl.q", {"4": -1}))


def test_rows_of_the_same_group_and_value_add_up():
    table = FrequencyTable(
        rows(1, "kl.q", {"4": 2}, "benefit_group", "dagpenge")
        + rows(1, "kl.q", {"4": 3}, "benefit_group", "dagpenge")
    )
    assert table.counts(1, "kl.q", "benefit_group", "dagpenge") == {"4": 5}
    assert table.counts(1, "kl.q") == {"4": 5}
    # A group without its variable means the whole round.
    assert table.counts(1, "kl.q", None, "dagpenge") == {"4": 5}


def test_group_values_sort_by_value_with_the_blank_last():
    values = ["e", "b", None, "g", "a", "d", "c", "f"]
    table = FrequencyTable([FrequencyRow(1, "kl.q", "department", v, "4", 1) for v in values])
    assert table.group_values("department") == ["a", "b", "c", "d", "e", "f", "g", None]


# --- proportions ----------------------------------------------------------------------------------


def test_counts_are_checked_in_order_with_a_reason():
    with pytest.raises(ValueError, match=r"^counts must not be negative$"):
        wilson_interval(0, -1)
    with pytest.raises(ValueError, match=r"^counts must not be negative$"):
        wilson_interval(-1, 3)
    with pytest.raises(ValueError, match=r"^successes \(4\) exceed the number of trials \(3\)$"):
        wilson_interval(4, 3)
    with pytest.raises(ValueError, match=r"^a proportion needs at least one trial$"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"^both samples need at least one trial$"):
        two_proportion_test(0, 0, 1, 2)
    with pytest.raises(ValueError, match=r"^not a p-value: 1.5$"):
        holm_adjust([0.2, 1.5])


def test_newcombe_uses_the_given_z_for_both_wilson_intervals():
    # Newcombe's Table II example 56/70 - 48/80 at 99 %: statsmodels' "newcomb" method.
    z99 = norm.ppf(0.995)
    difference, interval = newcombe_difference(56, 70, 48, 80, z=z99)
    low, high = confint_proportions_2indep(
        56, 70, 48, 80, method="newcomb", compare="diff", alpha=0.01
    )
    assert math.isclose(difference, 0.2)
    assert interval.low == pytest.approx(low, abs=1e-12)  # 0.00537
    assert interval.high == pytest.approx(high, abs=1e-12)  # 0.37181
