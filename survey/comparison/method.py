"""The method section: one list of definitions every report format prints the same way."""

from __future__ import annotations

from flask_babel import gettext as _


def method_definitions(with_split: bool = False) -> list[tuple[str, str]]:
    """(term, definition) pairs, in reading order."""
    pct = "%"
    definitions = [
        (
            _("Share positive"),
            _(
                "The share answering “agree” or “strongly agree” (4 or 5 on the scale from 1 to 5) of those who gave a valid answer. “Don't know” is not a valid answer."
            ),
        ),
        (
            _("Yes/no questions"),
            _(
                "For a question answered yes or no, the share is the share answering yes (“yes” after the figure), not a share satisfied."
            ),
        ),
        (
            _("Interval"),
            _(
                "A 95 %(pct)s Wilson interval: the range in which the true share lies with 95 %(pct)s confidence, given the number who answered.",
                pct=pct,
            ),
        ),
        (
            _("Uncertain"),
            _(
                "A share from fewer than 30 answers is marked “uncertain”: its interval is wide, and one or two answers more or less move it by several percentage points."
            ),
        ),
        (
            _("Test of change"),
            _(
                "The difference between two rounds with Newcombe's interval. Tested with Fisher's exact test when numbers are small (an expected cell under 5), otherwise a chi-square test."
            ),
        ),
        (
            _("Holm correction"),
            _(
                "Because many questions are tested at once, p-values are adjusted by Holm's method. A change is called significant when the adjusted p-value is below 0.05; p-values are shown adjusted, e.g. “p = 0.18 (adjusted)”."
            ),
        ),
        (
            _("Adjusted interval"),
            _(
                "The interval beside a change (“adjusted”) is Newcombe's interval at the level Holm's method tested that change at (for example 99.5 %(pct)s for the smallest of ten p-values), so it excludes zero exactly when the change is called significant. The 95 %(pct)s interval without correction is given beside it on the results page and in the spreadsheet. Where the interval and the test still disagree at the edge (they are computed differently), the line says so.",
                pct=pct,
            ),
        ),
        (
            _("Suppression"),
            _(
                "No figure from fewer than 5 answers is shown, to protect anonymity (“under 5 answers”). Where one small group is hidden, the next smallest is hidden too so the first cannot be worked out by subtraction (“hidden (protects a smaller group)”)."
            ),
        ),
        (
            _("Benchmark"),
            _(
                "Other municipalities on the platform in the same period, pooled; shown only when at least 3 contribute. The own municipality is tested against the pooled others as a change is, with Holm's correction across the questions."
            ),
        ),
        (
            _("Theme mean"),
            _(
                "Each respondent's mean of the theme's questions on its scale (valid answers only), averaged over the respondents, with a 95 %(pct)s t interval; only questions whose own figure is shown count, and no mean from fewer than 5 respondents is shown. A published figure (e.g. KL's) is named with its source and period; it is tested (Welch's t test) only where its standard deviation is published.",
                pct=pct,
            ),
        ),
        (
            _("Trend"),
            _(
                "A question's share over every round and imported earlier result, each point with its 95 %(pct)s interval. The trend is tested with the Cochran–Armitage test for trend, with time in years; the slope is the change in share per year. Points from fewer than 5 answers are neither shown nor tested.",
                pct=pct,
            ),
        ),
    ]
    definitions.append(
        (
            _("Weighting"),
            _(
                "Optional. Weighted shares count each benefit group (and age band, where every cell has answers) as it is among the invited: post-stratification. Cells under 5 answers are pooled. The effective number of answers (Kish) is smaller than the real one when the weights differ, and the interval is widened accordingly. Answers through the open link have no known group and are left out of the weighted figures. A group of a split is weighted to its own invited by the weighting variables it is not split by: one benefit group by age band within it; where an invited cell of the group has no answers, or all its invited are in one cell, the group has no weighted share and says why. The other municipalities are weighted each to its own invited, so each counts as many as it invited; not when one of them invited nobody. Tests and verdicts are on the unweighted answers."
            ),
        )
    )
    definitions.append(
        (
            _("Representativeness"),
            _(
                "The share of the invited and the share of the answers in each group: where they differ, the groups that answered less count for less in the unweighted figures."
            ),
        )
    )
    definitions.append(
        (
            _("What goes with overall satisfaction"),
            _(
                "Each question's rank correlation (Spearman, ties given mid-ranks) with the overall satisfaction question, among those who answered both; the 95 %(pct)s interval by Fisher's z with Bonett and Wright's standard error. This is association, not cause: it does not show that changing one thing would change satisfaction. No correlation from fewer than 5 answers is shown.",
                pct=pct,
            ),
        )
    )
    if with_split:
        definitions.append(
            (
                _("Group against the rest"),
                _(
                    "Each group is compared with all other answers of the same round, with the same tests and Holm's correction across the groups and questions of the split. A group or a rest of fewer than 5 answers is not tested."
                ),
            )
        )
    return definitions
