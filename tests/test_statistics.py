"""The statistics of analysis/, checked against values computed independently of it.

References are published textbook values (Newcombe 1998a, Statistics in Medicine 17:857,
Table I, method 3; Newcombe 1998b, Statistics in Medicine 17:873, Table II, method 10),
statsmodels and scipy called directly, and formulas written out here again. The code under
test never computes its own expected values. Pure: no app, no database.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats.contingency import expected_freq
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from analysis.compare import MIN_N, ItemInfo, compare, side_for
from analysis.frequency import FrequencyRow, FrequencyTable
from analysis.means import mean_t_interval
from analysis.proportions import (
    holm_adjust,
    newcombe_difference,
    two_proportion_test,
    wilson_interval,
)
from analysis.results import RoundInfo, answered
from analysis.targets import historical_side, theme_score

Z = stats.norm.ppf(0.975)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIKERT_OPTIONS = tuple((str(v), str(v)) for v in (1, 2, 3, 4, 5, 0))
YESNO_OPTIONS = (("1", "Ja"), ("2", "Nej"))


def reference_wilson(successes: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def reference_newcombe(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    """Newcombe (1998b) method 10, written out from the paper: with (l_i, u_i) the Wilson
    limits for p_i, delta = sqrt((p1 - l1)^2 + (u2 - p2)^2) and
    epsilon = sqrt((u1 - p1)^2 + (p2 - l2)^2); the interval is (D - delta, D + epsilon)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = reference_wilson(x1, n1)
    l2, u2 = reference_wilson(x2, n2)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


# --- Wilson interval ---------------------------------------------------------------------

# Newcombe (1998a) Table I, method 3 (score interval without continuity correction).
NEWCOMBE_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("successes", "n", "low", "high"), NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_table_i(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert round(interval.low, 4) == pytest.approx(low, abs=1e-9)
    assert round(interval.high, 4) == pytest.approx(high, abs=1e-9)


@SETTINGS
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_statsmodels(case):
    successes, n = case
    interval = wilson_interval(successes, n)
    low, high = reference_wilson(successes, n)
    assert interval.low == pytest.approx(low, abs=1e-12)
    assert interval.high == pytest.approx(high, abs=1e-12)


@SETTINGS
@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_share_lies_within_its_wilson_interval_within_0_and_1(case):
    successes, n = case
    interval = wilson_interval(successes, n)
    assert 0.0 <= interval.low <= successes / n <= interval.high <= 1.0
    assert interval.low < interval.high


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (0, -1), (6, 5), (0, 0), (1, 0)], ids=str)
def test_wilson_refuses_bad_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


# --- Newcombe hybrid score interval for a difference ---------------------------------

# Newcombe (1998b) Table II, method 10.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), 0.0524, 0.3339),
    ((9, 10, 3, 10), 0.1705, 0.8090),
    ((6, 7, 2, 7), 0.0582, 0.8062),
    ((5, 56, 0, 29), -0.0381, 0.1926),
    ((0, 10, 0, 20), -0.1611, 0.2775),
    ((0, 10, 0, 10), -0.2775, 0.2775),
    ((10, 10, 0, 20), 0.6791, 1.0000),
    ((10, 10, 0, 10), 0.6075, 1.0000),
]


@pytest.mark.parametrize(("counts", "low", "high"), NEWCOMBE_TABLE_II, ids=str)
def test_newcombe_matches_table_ii_method_10(counts, low, high):
    difference, interval = newcombe_difference(*counts)
    x1, n1, x2, n2 = counts
    assert difference == pytest.approx(x1 / n1 - x2 / n2, abs=1e-12)
    assert round(interval.low, 4) == pytest.approx(low, abs=1e-9)
    assert round(interval.high, 4) == pytest.approx(high, abs=1e-9)
    # and the paper's formula, written out here from two statsmodels Wilson intervals
    _d, ref_low, ref_high = reference_newcombe(*counts)
    assert interval.low == pytest.approx(ref_low, abs=1e-12)
    assert interval.high == pytest.approx(ref_high, abs=1e-12)


two_samples = st.tuples(
    st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
).map(lambda pair: (*pair[0], *pair[1]))


@SETTINGS
@given(two_samples)
def test_newcombe_matches_the_papers_formula_and_contains_the_difference(counts):
    difference, interval = newcombe_difference(*counts)
    d, low, high = reference_newcombe(*counts)
    assert difference == pytest.approx(d, abs=1e-12)
    assert interval.low == pytest.approx(max(-1.0, low), abs=1e-12)
    assert interval.high == pytest.approx(min(1.0, high), abs=1e-12)
    assert -1.0 <= interval.low <= difference <= interval.high <= 1.0


@pytest.mark.parametrize(
    "counts", [(1, 0, 1, 5), (1, 5, 1, 0), (-1, 5, 1, 5), (6, 5, 1, 5), (1, 5, 6, 5)], ids=str
)
def test_newcombe_refuses_bad_counts(counts):
    with pytest.raises(ValueError):
        newcombe_difference(*counts)


# --- two-proportion test -------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected_test"),
    [
        ((56, 70, 48, 80), "chi2"),  # all expected cells well above 5
        ((9, 10, 3, 10), "fisher"),  # expected cells of 4
        ((5, 56, 0, 29), "fisher"),
        ((20, 25, 15, 25), "chi2"),  # expected "not positive" cells exactly 7.5
        ((45, 50, 45, 50), "chi2"),  # expected "not positive" cells exactly 5: not below 5
        ((46, 50, 45, 50), "fisher"),  # expected "not positive" cells 4.5
    ],
    ids=str,
)
def test_fisher_exactly_when_an_expected_cell_is_below_5(counts, expected_test):
    x1, n1, x2, n2 = counts
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    smallest = expected_freq(table).min()
    result = two_proportion_test(*counts)
    assert result.test == expected_test
    assert result.test == ("fisher" if smallest < 5 else "chi2")


@SETTINGS
@given(
    st.tuples(
        st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    ).map(lambda pair: (*pair[0], *pair[1]))
)
def test_two_proportion_test_equals_scipy(counts):
    x1, n1, x2, n2 = counts
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    result = two_proportion_test(*counts)
    if expected_freq(table).min() < 5:
        assert result.test == "fisher"
        reference = stats.fisher_exact(table, alternative="two-sided").pvalue
    else:
        assert result.test == "chi2"
        reference = stats.chi2_contingency(table, correction=False).pvalue
        # and chi2 without correction is the pooled z test squared
        p = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9, abs=1e-15)
    assert result.p_value == pytest.approx(reference, rel=1e-12, abs=1e-15)
    assert 0.0 <= result.p_value <= 1.0


def test_two_proportion_test_known_values():
    # 56/70 vs 48/80: Pearson's chi-square by hand from the 2 x 2 table
    x1, n1, x2, n2 = 56, 70, 48, 80
    total, positive = n1 + n2, x1 + x2
    chi2 = 0.0
    for row, n in ((x1, n1), (x2, n2)):
        for observed, column in ((row, positive), (n - row, total - positive)):
            expected = n * column / total
            chi2 += (observed - expected) ** 2 / expected
    result = two_proportion_test(x1, n1, x2, n2)
    assert result.test == "chi2"
    assert result.p_value == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-12)


# Published two-sided p-values, as the 2 x 2 table [[x1, n1 - x1], [x2, n2 - x2]].
@pytest.mark.parametrize(
    ("table", "published", "places"),
    [
        # Fisher's lady tasting tea (The Design of Experiments, 1935): 3 of 4 cups right;
        # two-sided p = 34/70 (e.g. Agresti, Categorical Data Analysis, 2nd ed., 3.5.2).
        (((3, 1), (1, 3)), 0.4857, 4),
        # Altman, Practical Statistics for Medical Research (1991), as in MedCalc's manual
        # "Fisher's exact test for a 2x2 table": treatment A 6 of 7, B 2 of 10; P = 0.015.
        (((6, 1), (2, 8)), 0.015, 3),
    ],
    ids=["tea-tasting", "altman"],
)
def test_fisher_p_values_equal_published_ones(table, published, places):
    (x1, y1), (x2, y2) = table
    result = two_proportion_test(x1, x1 + y1, x2, x2 + y2)
    assert result.test == "fisher"  # expected cells: 2 (tea), 3.3 and 3.8 (Altman)
    assert round(result.p_value, places) == published
    assert result.p_value == pytest.approx(published, abs=0.5 * 10**-places)


def test_the_dieting_table_is_not_fishers_by_our_rule_and_gets_pearsons_published_p():
    """Wikipedia's Fisher's exact test example, [[1, 9], [11, 3]] (men and women dieting),
    has two-sided Fisher p = 0.002759; but its smallest expected count is exactly 5, not
    below 5, so the rule chooses Pearson's chi-square without correction: 10.97 on 1 df,
    p = 0.00093 (as QI Macros' worked example of the same table gives beside Fisher's
    0.00276)."""
    result = two_proportion_test(1, 10, 11, 14)
    assert result.test == "chi2"
    assert round(result.p_value, 5) == 0.00093
    assert result.p_value != pytest.approx(0.002759, abs=1e-5)


def hypergeometric_two_sided(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's two-sided p written out: the probability, with the margins fixed, of every
    table no more probable than the one observed (Agresti 1992, method b)."""
    successes, total = x1 + x2, n1 + n2

    def probability(first: int) -> float:
        return math.comb(n1, first) * math.comb(n2, successes - first) / math.comb(total, successes)

    observed = probability(x1)
    possible = range(max(0, successes - n2), min(n1, successes) + 1)
    return sum(p for p in map(probability, possible) if p <= observed * (1 + 1e-7))


def test_every_small_table_fisher_p_equals_the_hypergeometric_sum_by_hand():
    """All tables with both samples of 1 to 9: wherever the rule picks Fisher (an expected
    cell below 5, computed here), the p-value is the hypergeometric sum above."""
    checked = 0
    for n1, n2 in itertools.product(range(1, 10), repeat=2):
        for x1, x2 in itertools.product(range(n1 + 1), range(n2 + 1)):
            total, successes = n1 + n2, x1 + x2
            smallest = min(n * m / total for n in (n1, n2) for m in (successes, total - successes))
            result = two_proportion_test(x1, n1, x2, n2)
            assert result.test == ("fisher" if smallest < 5 else "chi2"), (x1, n1, x2, n2)
            if result.test == "fisher":
                expected = hypergeometric_two_sided(x1, n1, x2, n2)
                assert result.p_value == pytest.approx(expected, rel=1e-9), (x1, n1, x2, n2)
                checked += 1
    assert checked > 2500


@pytest.mark.parametrize(
    "counts", [(-1, 5, 1, 5), (6, 5, 1, 5), (1, 5, 1, 0), (0, 0, 1, 5), (1, 5, 1, -2)], ids=str
)
def test_two_proportion_test_refuses_bad_counts(counts):
    with pytest.raises(ValueError):
        two_proportion_test(*counts)


# --- Holm ----------------------------------------------------------------------------

p_values = st.lists(
    st.one_of(
        st.floats(0, 1, allow_nan=False),
        st.sampled_from([0.0, 0.001, 0.01, 0.0125, 0.025, 0.05, 0.5, 1.0]),
    ),
    min_size=1,
    max_size=30,
)


# statsmodels' multipletests runs gc.collect() on every call: fewer, well-chosen examples.
@settings(max_examples=40, deadline=None)
@given(p_values)
@example([0.03, 0.01, 0.04, 0.02])
@example([0.01, 0.01, 0.5, 0.0125, 1.0])
@example([0.0])
def test_holm_matches_statsmodels(raw):
    _reject, reference, _sidak, _bonferroni = multipletests(raw, alpha=0.05, method="holm")
    assert holm_adjust(raw) == pytest.approx(list(reference), abs=1e-12)


@SETTINGS
@given(p_values)
def test_holm_adjusted_at_least_raw_at_most_1_and_monotone_in_raw_order(raw):
    adjusted = holm_adjust(raw)
    assert len(adjusted) == len(raw)
    for p, q in zip(raw, adjusted, strict=True):
        assert p <= q <= 1.0
    order = sorted(range(len(raw)), key=lambda i: raw[i])
    for earlier, later in itertools.pairwise(order):
        assert adjusted[earlier] <= adjusted[later]


def test_holm_textbook_example():
    # Holm (1979) step-down by hand: sorted 0.01, 0.02, 0.03, 0.04 with m = 4:
    # 4*0.01 = 0.04, 3*0.02 = 0.06, 2*0.03 = 0.06, 1*0.04 = 0.04 -> running max.
    assert holm_adjust([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert holm_adjust([]) == []


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), float("inf")], ids=str)
def test_holm_refuses_what_is_not_a_p_value(bad):
    with pytest.raises(ValueError):
        holm_adjust([0.5, bad])


# --- mean with a t interval ------------------------------------------------------------

likert_counts = st.dictionaries(st.integers(1, 5), st.integers(0, 60), min_size=1)


@SETTINGS
@given(likert_counts)
def test_mean_t_interval_matches_scipy_on_the_expanded_data(counts):
    data = np.repeat(list(counts), list(counts.values())).astype(float)
    assume(len(data) >= 2 and data.std() > 0)
    result = mean_t_interval(counts)
    low, high = stats.t.interval(0.95, df=len(data) - 1, loc=data.mean(), scale=stats.sem(data))
    assert result.n == len(data)
    assert result.mean == pytest.approx(data.mean(), abs=1e-12)
    assert result.low == pytest.approx(low, abs=1e-9)
    assert result.high == pytest.approx(high, abs=1e-9)
    assert result.low <= result.mean <= result.high


def test_mean_t_interval_small_and_flat_samples():
    one = mean_t_interval({4: 1})
    assert (one.mean, one.low, one.high, one.n) == (4.0, None, None, 1)
    flat = mean_t_interval({3: 7, 5: 0})
    assert (flat.mean, flat.low, flat.high, flat.n) == (3.0, 3.0, 3.0, 7)
    # 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445105...
    five = mean_t_interval(dict.fromkeys(range(1, 6), 1))
    assert five.mean == 3
    assert five.high - 3 == pytest.approx(2.7764451051977987 * math.sqrt(2.5 / 5), abs=1e-12)


@pytest.mark.parametrize("counts", [{}, {1: 0, 2: 0}, {3: -1, 4: 5}], ids=str)
def test_mean_refuses_bad_counts(counts):
    with pytest.raises(ValueError):
        mean_t_interval(counts)


# --- one item's figure -----------------------------------------------------------------


def likert(key: str = "kl.a", theme: str = "meeting") -> ItemInfo:
    return ItemInfo(key=key, text=key, theme=theme, type="likert5", options=LIKERT_OPTIONS)


def test_side_excludes_ved_ikke_and_matches_hand_computation():
    counts = {"1": 2, "2": 3, "3": 5, "4": 10, "5": 6, "0": 9}
    side = side_for(likert(), counts)
    # valid: 2 + 3 + 5 + 10 + 6 = 26; positive 16; mean (2 + 6 + 15 + 40 + 30) / 26
    assert (side.n, side.positive, side.suppressed) == (26, 16, False)
    assert side.share == pytest.approx(16 / 26)
    assert side.ci == pytest.approx(reference_wilson(16, 26), abs=1e-12)
    assert side.mean == pytest.approx(93 / 26)
    data = np.repeat([1, 2, 3, 4, 5], [2, 3, 5, 10, 6]).astype(float)
    reference = stats.t.interval(0.95, df=25, loc=data.mean(), scale=stats.sem(data))
    assert side.mean_ci == pytest.approx(reference, abs=1e-9)
    as_dict = side.to_dict()
    assert set(as_dict) == {
        "n",
        "positive",
        "share",
        "ci",
        "mean",
        "mean_ci",
        "suppressed",
        "suppressed_reason",
        "uncertain",
        "weighted",
        "weighted_reason",
    }
    assert as_dict["mean_ci"] == pytest.approx(list(reference), abs=1e-6)
    assert as_dict["uncertain"] is True  # 26 valid answers: under 30


@pytest.mark.parametrize(
    "counts",
    [{}, {"5": 4}, {"5": 4, "0": 50}, {"1": 1, "2": 1, "3": 1, "4": 1, "0": 1}],
    ids=str,
)
def test_side_below_5_valid_answers_is_suppressed(counts):
    side = side_for(likert(), counts)
    assert side.suppressed
    assert side.n is None  # how many answered is itself a figure from under 5
    assert side.answered == sum(v for k, v in counts.items() if k != "0")
    as_dict = side.to_dict()
    assert [as_dict[k] for k in ("positive", "share", "ci", "mean")] == [None] * 4


def test_exactly_5_valid_answers_are_shown():
    side = side_for(likert(), {"4": 1, "5": 1, "1": 3, "0": 2})
    assert not side.suppressed and side.n == 5 and side.positive == 2


def test_yesno_side_is_the_share_answering_yes():
    item = ItemInfo("kl.yes", "", "progression", "yesno", options=YESNO_OPTIONS)
    side = side_for(item, {"1": 7, "2": 13})
    assert (side.n, side.positive, side.mean) == (20, 7, None)
    assert side.ci == pytest.approx(reference_wilson(7, 20), abs=1e-12)


def test_choice_and_text_items_have_counts_only():
    single = ItemInfo("kl.s", "", "overall", "single", options=(("1", "A"), ("2", "B"), ("3", "C")))
    multi = ItemInfo("kl.m", "", "overall", "multi", options=(("1", "A"), ("2", "B")))
    text = ItemInfo("kl.t", "", "overall", "text")
    table = FrequencyTable(
        [
            FrequencyRow(1, "kl.s", None, None, "1", 6),
            FrequencyRow(1, "kl.s", None, None, "3", 2),
            FrequencyRow(1, "kl.m", None, None, "1;2", 3),
            FrequencyRow(1, "kl.m", None, None, "2", 4),
            FrequencyRow(1, "kl.t", None, None, "Tak", 1),
            FrequencyRow(1, "kl.t", None, None, "Nej tak", 1),
        ]
    )
    result = compare(table, RoundInfo(1, "R", 15), [single, multi, text])
    by_code = {item.code: item for item in result.items}
    s = by_code["kl.s"]
    assert (s.current.n, s.current.share, s.change) == (8, None, None)
    assert [(o.value, o.count, o.share) for o in s.distribution] == [
        ("1", 6, 6 / 8),
        ("2", 0, 0.0),
        ("3", 2, 2 / 8),
    ]
    m = by_code["kl.m"]
    # multi: the share of the 7 respondents choosing each option
    assert [(o.value, o.count, o.share) for o in m.distribution] == [
        ("1", 3, 3 / 7),
        ("2", 7, 1.0),
    ]
    t = by_code["kl.t"]
    assert (answered(t.current), t.current.n, t.current.suppressed) == (2, None, True)
    assert t.distribution == ()


def test_theme_score_is_the_mean_of_its_shown_item_shares():
    items = [likert("kl.a"), likert("kl.b"), likert("kl.c"), likert("kl.d", theme="goals")]
    rows = [
        FrequencyRow(1, "kl.a", None, None, "5", 6),
        FrequencyRow(1, "kl.a", None, None, "1", 4),  # 60 %
        FrequencyRow(1, "kl.b", None, None, "4", 2),
        FrequencyRow(1, "kl.b", None, None, "2", 8),  # 20 %
        FrequencyRow(1, "kl.c", None, None, "4", 3),  # suppressed: not in the score
        FrequencyRow(1, "kl.d", None, None, "4", 5),
    ]
    result = compare(FrequencyTable(rows), RoundInfo(1, "R", 10), items)
    scores = {score.theme: score for score in result.themes}
    assert scores["meeting"].score == pytest.approx(0.4)
    assert scores["meeting"].items == ("kl.a", "kl.b")
    assert scores["goals"].score == pytest.approx(1.0)


# --- a theme's score for ambition levels (analysis.targets.theme_score) -------------------
#
# Share: the mean of the shown items' shares. Interval: the mean of their Wilson lower
# limits and the mean of their upper limits. n: the smallest shown item n. Suppressed
# items (fewer than 5 valid answers) are left out. The Wilson limits below are worked
# out by hand from the closed formula, with z = 1.959963984540054 (the 97.5 % quantile),
#   centre = (p + z^2/2n) / (1 + z^2/n),  half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n):
#   14 of 20: 0.48102718164648 to 0.85452275513240
#    9 of 10: 0.59584997320476 to 0.98212378690493
#   20 of 50: 0.27608389730257 to 0.53818562252411
THEME_ITEMS = {  # counts per answer, "0" (ved ikke) not valid
    "kl.a": {"5": 8, "4": 6, "3": 3, "2": 2, "1": 1, "0": 4},  # 14 positive of 20 valid
    "kl.b": {"5": 9, "1": 1, "0": 1},  # 9 of 10
    "kl.c": {"4": 12, "5": 8, "3": 20, "2": 6, "1": 4},  # 20 of 50
    "kl.d": {"5": 3, "4": 1, "0": 9},  # 4 valid: suppressed, left out
}
THEME_LIMITS = [
    (0.48102718164648, 0.85452275513240),
    (0.59584997320476, 0.98212378690493),
    (0.27608389730257, 0.53818562252411),
]


def test_hand_worked_wilson_limits_of_the_theme_items_agree_with_statsmodels():
    for (successes, n), (low, high) in zip(
        ((14, 20), (9, 10), (20, 50)), THEME_LIMITS, strict=True
    ):
        assert reference_wilson(successes, n) == pytest.approx((low, high), abs=1e-13)


def test_theme_score_is_the_mean_of_item_shares_and_of_their_wilson_limits():
    sides = [side_for(likert(key), counts) for key, counts in THEME_ITEMS.items()]
    assert [side.suppressed for side in sides] == [False, False, False, True]
    score = theme_score(sides)
    assert score.n == 10  # the smallest shown n (kl.d's 4 is suppressed)
    assert score.share == pytest.approx((0.7 + 0.9 + 0.4) / 3, abs=1e-15)
    low = (0.48102718164648 + 0.59584997320476 + 0.27608389730257) / 3
    high = (0.85452275513240 + 0.98212378690493 + 0.53818562252411) / 3
    assert (low, high) == pytest.approx((0.45098701738460, 0.79161072152048), abs=1e-13)
    assert score.ci == pytest.approx((low, high), abs=1e-12)
    assert not score.suppressed and score.positive is None
    # The items in another order, or imported as n and positive only: the same score.
    assert theme_score(sides[::-1]) == score
    imported = [
        historical_side(n, positive) for n, positive in ((20, 14), (10, 9), (50, 20), (4, 4))
    ]
    assert theme_score(imported).ci == pytest.approx((low, high), abs=1e-12)
    assert theme_score(imported).n == 10


def test_theme_score_from_published_wilson_limits():
    """Newcombe (1998a) Table I, method 3: 81/263, 15/148 and 0/20 as a theme's items."""
    sides = [historical_side(n, successes) for successes, n, _, _ in NEWCOMBE_TABLE_I[:3]]
    score = theme_score(sides)
    low = (0.2553 + 0.0624 + 0.0000) / 3
    high = (0.3662 + 0.1605 + 0.1611) / 3
    assert score.ci == pytest.approx((low, high), abs=5e-5)  # the table's 4 places
    assert score.share == pytest.approx((81 / 263 + 15 / 148 + 0 / 20) / 3, abs=1e-15)
    assert score.n == 20


def test_theme_score_without_a_shown_item_is_none():
    assert theme_score([]) is None
    assert theme_score([side_for(likert("kl.d"), THEME_ITEMS["kl.d"])]) is None


def test_change_and_holm_across_the_items_of_one_comparison():
    items = [likert("kl.a"), likert("kl.b"), likert("kl.c")]
    counts = {
        "kl.a": ((56, 70), (48, 80)),
        "kl.b": ((9, 10), (3, 10)),
        "kl.c": ((30, 60), (29, 60)),
    }
    rows = []
    for key, ((x1, n1), (x2, n2)) in counts.items():
        rows += [
            FrequencyRow(2, key, None, None, "5", x1),
            FrequencyRow(2, key, None, None, "2", n1 - x1),
            FrequencyRow(1, key, None, None, "4", x2),
            FrequencyRow(1, key, None, None, "3", n2 - x2),
            FrequencyRow(1, key, None, None, "0", 7),
        ]
    result = compare(
        FrequencyTable(rows), RoundInfo(2, "Now", 0), items, against=RoundInfo(1, "Then", 0)
    )
    raw = []
    for item in result.items:
        (x1, n1), (x2, n2) = counts[item.code]
        table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
        if expected_freq(table).min() < 5:
            reference, test = stats.fisher_exact(table).pvalue, "fisher"
        else:
            reference, test = stats.chi2_contingency(table, correction=False).pvalue, "chi2"
        d, low, high = reference_newcombe(x1, n1, x2, n2)
        assert item.change.test == test
        assert item.change.p_value == pytest.approx(reference, rel=1e-12)
        assert item.change.diff == pytest.approx(d)
        assert item.change.ci == pytest.approx((low, min(1.0, high)), abs=1e-12)
        assert item.previous.n == n2  # ved ikke excluded
        raw.append(item.change.p_value)
    reject, adjusted, _s, _b = multipletests(raw, alpha=0.05, method="holm")
    assert [item.change.p_adjusted for item in result.items] == pytest.approx(list(adjusted))
    assert [item.change.significant for item in result.items] == list(reject)
    assert [item.code for item in result.items if item.change.significant] == ["kl.a", "kl.b"]


def test_compare_refuses_what_is_not_a_background_variable():
    with pytest.raises(ValueError):
        compare(FrequencyTable([]), RoundInfo(1, "R", 0), [likert()], by="x; drop table")


def test_frequency_table_refuses_negative_counts():
    with pytest.raises(ValueError):
        FrequencyTable([FrequencyRow(1, "kl.a", None, None, "4", -1)])


# --- suppression never leaks a figure under 5 --------------------------------------------

GROUPS = ("kontanthjaelp", "dagpenge", "sygedagpenge", "jobafklaring", None)
ITEMS = (
    likert("kl.a"),
    likert("kl.b", theme="goals"),
    ItemInfo("kl.y", "", "progression", "yesno", options=YESNO_OPTIONS),
    ItemInfo("kl.c", "", "overall", "single", options=(("1", "A"), ("2", "B"))),
)


@st.composite
def split_tables(draw):
    """Random frequency tables of two rounds split by benefit group, small counts."""
    rows = []
    for round_id in (1, 2):
        for item in ITEMS:
            values = ("0", "1", "2", "3", "4", "5") if item.type == "likert5" else ("1", "2")
            if item.type == "single":
                values = ("1", "2", "3")  # "3" is no option: counted in n, shown nowhere
            groups = draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=5))
            for group in groups:
                for value in values:
                    count = draw(st.integers(0, 9))
                    if count:
                        rows.append(
                            FrequencyRow(round_id, item.key, "benefit_group", group, value, count)
                        )
    return rows


def hidden_positive_ranges(total, groups):
    """What the shown figures (the total, shown groups, every group's n) tell of each
    hidden group's positive count: the range of values consistent with them."""
    hidden = [g for g in groups if g.suppressed and answered(g) > 0]
    shown = [g for g in groups if not g.suppressed]
    hidden_sum = total.positive - sum(g.positive for g in shown)
    hidden_n = sum(answered(g) for g in hidden)
    assert 0 <= hidden_sum <= hidden_n
    ranges = []
    for g in hidden:
        rest = hidden_n - answered(g)
        ranges.append((max(0, hidden_sum - rest), min(answered(g), hidden_sum)))
    return ranges


def hidden_value_sum_ranges(total, groups):
    """The same for the sum of scores (1..5) behind each hidden group's mean."""
    hidden = [g for g in groups if g.suppressed and answered(g) > 0]
    shown = [g for g in groups if not g.suppressed]
    hidden_sum = round(total.mean * total.n - sum(g.mean * answered(g) for g in shown))
    hidden_n = sum(answered(g) for g in hidden)
    ranges = []
    for g in hidden:
        rest = hidden_n - answered(g)
        ranges.append(
            (max(answered(g), hidden_sum - 5 * rest), min(5 * answered(g), hidden_sum - rest))
        )
    return ranges


def check_no_leak(item, total, groups):
    for group in groups:
        if group.suppressed:
            assert [group.positive, group.share, group.ci, group.mean] == [None] * 4
        else:
            assert group.n >= MIN_N
            assert (group.positive is not None) is (item.type in ("likert5", "yesno"))
    assert sum(answered(g) for g in groups) == answered(total)
    if total.suppressed:
        assert all(g.suppressed for g in groups)
        return
    if item.type not in ("likert5", "yesno"):
        return  # choice items show n alone
    # A total of 0 % or 100 % tells every respondent's answer by itself; nothing to protect.
    if total.positive in (0, total.n):
        return
    for low, high in hidden_positive_ranges(total, groups):
        assert low < high, "a hidden group's positive count follows from the shown figures"
    if item.type == "likert5":
        for low, high in hidden_value_sum_ranges(total, groups):
            assert low < high, "a hidden group's mean follows from the shown figures"


@SETTINGS
@given(split_tables())
def test_suppression_never_leaks_a_figure_under_5_through_a_split(rows):
    table = FrequencyTable(rows)
    result = compare(
        table,
        RoundInfo(2, "Now", 0),
        ITEMS,
        against=RoundInfo(1, "Then", 0),
        by="benefit_group",
    )
    for item in result.items:
        for side in (item.current, item.previous):
            if side.suppressed:
                assert [side.positive, side.share, side.ci, side.mean] == [None] * 4
            else:
                assert side.n >= MIN_N
        if item.change is not None:
            assert not item.current.suppressed and not item.previous.suppressed
        if item.current.suppressed:
            assert all(o.count is None and o.share is None for o in item.distribution)
        check_no_leak(item, item.current, [g.current for g in item.groups])
        check_no_leak(item, item.previous, [g.previous for g in item.groups])
        for group in item.groups:
            if group.change is not None:
                assert not group.current.suppressed and not group.previous.suppressed
            # every group's n is counted by hand from the rows
            for round_id, side in ((2, group.current), (1, group.previous)):
                valid = {"yesno": ("1", "2"), "single": ("1", "2", "3")}.get(
                    item.type, ("1", "2", "3", "4", "5")
                )
                positive = ("1",) if item.type == "yesno" else ("4", "5")
                rows_here = [
                    r
                    for r in rows
                    if r.round_id == round_id
                    and r.item == item.code
                    and r.group_value == group.value
                ]
                assert answered(side) == sum(r.count for r in rows_here if r.value in valid)
                if not side.suppressed and item.type != "single":
                    assert side.positive == sum(r.count for r in rows_here if r.value in positive)


def test_one_small_group_hides_the_next_smallest_too():
    rows = [
        FrequencyRow(1, "kl.a", "benefit_group", "kontanthjaelp", "4", 12),
        FrequencyRow(1, "kl.a", "benefit_group", "kontanthjaelp", "2", 8),
        FrequencyRow(1, "kl.a", "benefit_group", "dagpenge", "5", 4),
        FrequencyRow(1, "kl.a", "benefit_group", "dagpenge", "1", 3),
        FrequencyRow(1, "kl.a", "benefit_group", "sygedagpenge", "5", 2),
        FrequencyRow(1, "kl.a", "benefit_group", "sygedagpenge", "3", 1),
    ]
    result = compare(FrequencyTable(rows), RoundInfo(1, "R", 30), [likert()], by="benefit_group")
    (item,) = result.items
    assert (item.current.n, item.current.positive) == (30, 18)
    shown = {g.value: (answered(g.current), g.current.suppressed) for g in item.groups}
    assert shown == {
        "dagpenge": (7, True),  # n >= 5, but hidden: 18 - 12 - its 4 would give away 2
        "kontanthjaelp": (20, False),
        "sygedagpenge": (3, True),
    }


def test_a_likert_distribution_from_under_5_valid_answers_is_hidden():
    # 4 valid answers and 3 "ved ikke": 7 answers, but the figure comes from 4 valid ones.
    item = likert()
    table = FrequencyTable(
        [
            FrequencyRow(1, "kl.a", None, None, "5", 3),
            FrequencyRow(1, "kl.a", None, None, "1", 1),
            FrequencyRow(1, "kl.a", None, None, "0", 3),
        ]
    )
    (result,) = compare(table, RoundInfo(1, "R", 7), [item]).items
    assert result.current.suppressed
    assert all(o.count is None and o.share is None for o in result.distribution)


def test_hidden_groups_whose_total_would_be_all_negative_are_protected():
    # Two small groups, both all negative: subtracting the shown group from the total would
    # tell that every one of them disagreed.
    rows = [
        FrequencyRow(1, "kl.a", "benefit_group", "kontanthjaelp", "4", 7),
        FrequencyRow(1, "kl.a", "benefit_group", "kontanthjaelp", "2", 3),
        FrequencyRow(1, "kl.a", "benefit_group", "dagpenge", "1", 2),
        FrequencyRow(1, "kl.a", "benefit_group", "sygedagpenge", "2", 3),
    ]
    (item,) = compare(
        FrequencyTable(rows), RoundInfo(1, "R", 15), [likert()], by="benefit_group"
    ).items
    check_no_leak(item, item.current, [g.current for g in item.groups])
    assert all(g.current.suppressed for g in item.groups)
