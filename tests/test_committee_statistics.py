"""The figures a committee reads beyond "this round against the last": each group against
the rest, the trend over the years. Every figure is checked against an independent
reference (scipy, statsmodels or a published worked example), never against our code.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.stats.contingency import expected_freq
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from analysis.compare import ItemInfo, compare
from analysis.frequency import FrequencyRow, FrequencyTable
from analysis.results import RoundInfo
from analysis.trend import TrendPoint, cochran_armitage, period_time, trend_test

LIKERT = tuple((str(v), str(v)) for v in (1, 2, 3, 4, 5, 0))
ROUND = RoundInfo(1, "Forår 2026", 0)


def _rows(item: str, groups: dict[str, dict[str, int]]) -> list[FrequencyRow]:
    return [
        FrequencyRow(1, item, "benefit_group", group, value, count)
        for group, counts in groups.items()
        for value, count in counts.items()
    ]


def _reference_change(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    if expected_freq(table).min() < 5:
        return float(stats.fisher_exact(table).pvalue), "fisher"
    return float(stats.chi2_contingency(table, correction=False).pvalue), "chi2"


# Two items split in four benefit groups; "sygedagpenge" has 3 answers (hidden) and hides
# "ledighedsydelse" (the next smallest) to protect it.
GROUPS = {
    "kl.a": {
        "kontanthjaelp": {"5": 10, "4": 6, "2": 14, "1": 10, "0": 3},
        "dagpenge": {"5": 20, "4": 15, "3": 5, "2": 3},
        "ledighedsydelse": {"5": 2, "4": 2, "1": 4},
        "sygedagpenge": {"5": 2, "1": 1},
    },
    "kl.b": {
        "kontanthjaelp": {"5": 5, "4": 5, "3": 5, "1": 5},
        "dagpenge": {"5": 6, "4": 2, "2": 1},
        "ledighedsydelse": {"4": 1, "1": 2},
    },
}


def _split_comparison():
    rows = [row for item, groups in GROUPS.items() for row in _rows(item, groups)]
    items = [
        ItemInfo(key=k, text=k, theme="meeting", type="likert5", options=LIKERT) for k in GROUPS
    ]
    return compare(FrequencyTable(rows), ROUND, items, by="benefit_group")


def test_each_shown_group_is_tested_against_the_rest_with_holm_across_the_split():
    comparison = _split_comparison()
    expected = {}
    for item, groups in GROUPS.items():
        for group, counts in groups.items():
            x1 = counts.get("4", 0) + counts.get("5", 0)
            n1 = sum(c for v, c in counts.items() if v != "0")
            rest = [c for g, c in groups.items() if g != group]
            x2 = sum(c.get("4", 0) + c.get("5", 0) for c in rest)
            n2 = sum(c for counts_ in rest for v, c in counts_.items() if v != "0")
            expected[(item, group)] = (x1, n1, x2, n2)
    tested = {}
    for item in comparison.items:
        for group in item.groups:
            key = (item.code, group.value)
            if key not in expected or group.current.suppressed or expected[key][3] < 5:
                assert group.vs_rest is None, (item.code, group.value)
            else:
                tested[(item.code, group.value)] = group.vs_rest
    # Hidden: sygedagpenge (3 answers), ledighedsydelse (8, hidden to protect it), and in
    # kl.b ledighedsydelse (3) and then dagpenge (9) to protect it.
    assert sorted(tested) == [
        ("kl.a", "dagpenge"),
        ("kl.a", "kontanthjaelp"),
        ("kl.b", "kontanthjaelp"),
    ]
    hidden = next(g for g in comparison.items[0].groups if g.value == "ledighedsydelse")
    assert hidden.current.to_dict()["suppressed_reason"] == "protects_other"
    keys = sorted(tested)
    references = [_reference_change(*expected[key]) for key in keys]
    _, adjusted, _, _ = multipletests([p for p, _ in references], method="holm")
    for key, (p_value, test), q in zip(keys, references, adjusted, strict=True):
        change = tested[key]
        x1, n1, x2, n2 = expected[key]
        assert change.diff == pytest.approx(x1 / n1 - x2 / n2)
        low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
        assert change.ci == pytest.approx((low, high), abs=1e-9)
        assert (change.test, change.p_value) == (test, pytest.approx(p_value, rel=1e-9))
        assert change.p_adjusted == pytest.approx(q, rel=1e-9)
        assert change.significant is bool(q < 0.05)
    as_json = comparison.items[0].groups[0].to_dict()["vs_rest"]
    assert set(as_json) >= {"diff", "ci", "p_value", "p_adjusted", "test", "significant"}


def test_a_rest_under_five_answers_is_not_tested():
    # Nearly everyone in one group: the rest (4 answers) may not be shown, nor tested.
    rows = _rows("kl.a", {"dagpenge": {"5": 30, "1": 10}, "kontanthjaelp": {"5": 3, "1": 1}})
    item = ItemInfo(key="kl.a", text="a", theme="meeting", type="likert5", options=LIKERT)
    (result,) = compare(FrequencyTable(rows), ROUND, [item], by="benefit_group").items
    assert [g.vs_rest for g in result.groups] == [None, None]


# --- trend ---------------------------------------------------------------------------------

# Agresti (2002), Categorical Data Analysis, Table 2.7 / section 3.4.6: infant malformation by
# the mother's alcohol consumption; with scores (0, 0.5, 1.5, 4, 7) the published statistic
# is M2 = 6.57 (P = 0.01), with scores (1, 2, 3, 4, 5) M2 = 1.83 (P = 0.18). M2 = (N - 1) r2
# and the Cochran–Armitage z2 = N r2: equal to the published digits at N = 32 574.
MALFORMED = [48, 38, 5, 1, 1]
TOTALS = [17066 + 48, 14464 + 38, 788 + 5, 126 + 1, 37 + 1]


def test_cochran_armitage_against_agrestis_worked_example():
    result = cochran_armitage([0, 0.5, 1.5, 4.0, 7.0], MALFORMED, TOTALS)
    assert result is not None
    assert result.statistic**2 == pytest.approx(6.57, abs=0.005)
    assert result.p_value == pytest.approx(0.0104, abs=0.0001)
    equal_scores = cochran_armitage([1, 2, 3, 4, 5], MALFORMED, TOTALS)
    assert equal_scores is not None
    assert equal_scores.statistic**2 == pytest.approx(1.83, abs=0.005)
    assert equal_scores.p_value == pytest.approx(0.18, abs=0.005)


def test_cochran_armitage_against_statsmodels_and_a_weighted_regression():
    scores = [2017.5, 2019.5, 2021.5, 2024.25, 2025.75]
    positives, totals = [40, 52, 47, 70, 81], [90, 101, 85, 120, 117]
    result = cochran_armitage(scores, positives, totals)
    assert result is not None
    table = np.array([[t - p, p] for p, t in zip(positives, totals, strict=True)])
    reference = Table(table).test_ordinal_association(
        row_scores=np.array(scores), col_scores=np.array([0, 1])
    )
    big_n = sum(totals)
    # statsmodels' linear-by-linear test uses N - 1 where Cochran–Armitage uses N
    assert result.statistic == pytest.approx(reference.zscore * np.sqrt(big_n / (big_n - 1)))
    # The slope: least squares of the shares on time, weighted by n (numpy's polyfit).
    shares = np.array(positives) / np.array(totals)
    slope = np.polyfit(scores, shares, 1, w=np.sqrt(totals))[0]
    assert result.slope_per_year == pytest.approx(slope)


def test_trend_leaves_out_points_under_five_answers():
    points = [
        TrendPoint(None, "2019", period_time("2019"), 40, 20),
        TrendPoint(1, "2025H1", period_time("2025H1"), 4, 4),  # hidden: not in the test
        TrendPoint(2, "2026H2", period_time("2026H2"), 50, 35),
    ]
    assert [p.to_dict()["share"] for p in points] == [0.5, None, 0.7]
    assert points[1].to_dict()["positive"] is None
    result = trend_test(points)
    reference = cochran_armitage([2019.5, 2026.75], [20, 35], [40, 50])
    assert result == reference
    # Two points: the test is the chi-square test of the 2 x 2 table (scipy).
    chi2 = stats.chi2_contingency([[20, 20], [35, 15]], correction=False)
    assert result is not None and result.p_value == pytest.approx(chi2.pvalue)
    assert (period_time("2026H1"), period_time("2026H2")) == (2026.25, 2026.75)
    with pytest.raises(ValueError):
        period_time("2026Q1")


def test_where_interval_and_test_differ_at_the_edge_the_line_says_so(app):
    """0 of 10 against 4 of 10: Fisher's exact p is 0.087 (scipy), yet Newcombe's 95 %
    interval (statsmodels) excludes zero. The verdict follows the test; the line says the
    two differ."""
    from flask_babel import force_locale

    from analysis.compare import _adjusted, change_between
    from analysis.results import ShownSide
    from survey.reporting.format import change_text

    def side(positive: int, n: int) -> ShownSide:
        return ShownSide(n, positive, positive / n, (0.0, 1.0), None, None)

    p_value = stats.fisher_exact([[0, 10], [4, 6]]).pvalue
    low, high = confint_proportions_2indep(0, 10, 4, 10, method="newcomb", compare="diff")
    assert p_value > 0.05 and high < 0  # the references disagree, as built
    (change,) = _adjusted([change_between(side(0, 10), side(4, 10))])
    assert change.ci_adjusted == pytest.approx((low, high))  # one test: the 95 % level
    assert change.significant is False and change.disagrees is True
    with app.test_request_context(), force_locale("da"):
        text = change_text(change)
    assert text == "-40 pct.-point (-69 til -4, justeret) (interval og test er uenige ved grænsen)"
    assert "signifikant" not in text
