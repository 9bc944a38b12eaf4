"""Danish number formatting shared by every report format and the results page: "62 %",
"0,032", "+8 pct.-point", "p = 0,18 (justeret)", "2. halvår 2026", "30. november 2026"."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from analysis.results import PROTECTS_OTHER
from survey.core.labels import variable_label


def pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def ci(interval) -> str:
    if not interval:
        return "–"
    return f"{round(interval[0] * 100)}–{round(interval[1] * 100)} %"


def points(diff: float | None) -> str:
    if diff is None:
        return "–"
    value = round(diff * 100)
    return f"{'+' if value > 0 else ''}{value} " + _("pct. points")


def decimal(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def p_value(value: float | None) -> str:
    """A p-value to two decimals ("0,18"), three below 0.01 ("0,004"), "< 0,001" below
    that and "> 0,99" at the top: an adjusted p of 1 is "nothing to see", not a figure."""
    if value is None:
        return "–"
    if value < 0.001:
        return "< 0,001"
    if value < 0.01:
        return decimal(value, 3)
    if value > 0.99:
        return "> 0,99"
    return decimal(value, 2)


def p_plain(value: float | None) -> str:
    """ "p < 0,001", "p = 0,18": a p-value as a line reads it."""
    if value is None:
        return "–"
    shown = p_value(value)
    relation = "" if shown[0] in "<>" else "= "
    return f"p {relation}{shown}"


def p_text(value: float | None) -> str:
    """The adjusted p-value as a line reads it: "p < 0,001 (justeret)", "p = 0,18 (justeret)"."""
    if value is None:
        return "–"
    adjusted = _("adjusted")
    return f"{p_plain(value)} ({adjusted})"


def interval_points(interval) -> str:
    """A change's interval in percentage points: "-1 til +29" (signed as the change is)."""
    if not interval:
        return "–"
    low, high = (round(limit * 100) for limit in interval)
    return _("%(low)s to %(high)s", low=f"{low:+d}", high=f"{high:+d}")


def change_text(change) -> str:
    """A change, its interval at the level the verdict was tested at, and the verdict: the
    interval and the word "significant" never disagree on one line (where the score
    interval and the test differ at the edge, the line says so)."""
    if change is None:
        return "–"
    adjusted = _("adjusted")
    text = f"{points(change.diff)} ({interval_points(change.ci_adjusted)}, {adjusted})"
    if change.significant:
        text += " " + _("significant")
    if change.disagrees:
        text += " " + _("(interval and test differ at the edge)")
    return text


def unadjusted_text(change) -> str:
    """The 95 % interval without correction, labelled as such."""
    if change is None:
        return "–"
    return _(
        "95 %(pct)s without correction: %(interval)s", pct="%", interval=interval_points(change.ci)
    )


def side_text(side, yes_no: bool = False) -> str:
    """Share with its interval, or why it is not shown; "usikkert" under 30 answers; a yes/no
    item's share is the share answering yes, and says so."""
    if side is None:
        return _("not asked")
    if side.suppressed:
        if side.reason == PROTECTS_OTHER:
            return _("hidden (protects a smaller group)")
        return _("under 5 answers")
    if side.share is None:
        return "–"
    share = pct(side.share) + (" " + _("yes") if yes_no else "")
    text = f"{share} ({ci(side.ci)})"
    if side.uncertain:
        text += " " + _("uncertain")
    if side.weighted is not None:
        text += "; " + _(
            "weighted %(share)s (%(interval)s, effective n %(n_eff)s)",
            share=pct(side.weighted.share),
            interval=ci(side.weighted.ci),
            n_eff=decimal(side.weighted.n_eff, 0),
        )
    elif (reason := unweighted_reason(side.weighted_reason)) is not None:
        text += "; " + _("not weighted: %(reason)s", reason=reason)
    return text


def unweighted_reason(key: str | None) -> str | None:
    """Why a side asked for weights has none, in words; None where the round's sentence on
    weighting already says it (nobody invited) or weights were not asked for."""
    reasons = {
        "cell_without_answers": _("a group of the invited gave no answers"),
        "one_cell": _("all its invited are in one weighting group"),
        "too_few_invited_answers": _("fewer than 5 answers through an invitation"),
        "too_few_municipalities": _("fewer than 3 municipalities with invitations"),
    }
    return reasons.get(key) if key else None


def weighting_text(weighting: dict | None) -> str:
    """What the weighted figures rest on, and what they leave out."""
    if not weighting:
        return ""
    sentences = []
    for role, used in weighting.items():
        label = _("This round") if role == "current" else _("The earlier round")
        if used is None:
            sentences.append(
                _("%(round)s: no invitations to weight to; not weighted.", round=label)
            )
            continue
        sentences.append(
            _(
                "%(round)s: weighted to the invited by %(variables)s; %(left_out)d answers through the open link, whose groups are unknown, are left out of the weighted figures.",
                round=label,
                variables=" × ".join(variable_label(v) for v in used["variables"]),
                left_out=used["left_out"],
            )
        )
    return " ".join(sentences)


def items_basis(row) -> str:
    """What a theme's year rests on: "1 af 4 spørgsmål"; empty for a single question."""
    if not getattr(row, "items_total", None):
        return ""
    return _("%(used)d of %(total)d questions", used=row.items_used, total=row.items_total)


def driver_text(driver) -> str:
    """ "0,45 (0,30 til 0,58)", or why there is no figure."""
    if driver.r is None:
        return _("under 5 answers") if driver.n < 5 else "–"
    r = f"{driver.r:.2f}".replace(".", ",").replace("-", "−")
    if driver.ci is None:
        return r
    low, high = (f"{x:.2f}".replace(".", ",").replace("-", "−") for x in driver.ci)
    interval = _("%(low)s to %(high)s", low=low, high=high)
    return f"{r} ({interval})"


def half_year(year: int, half: int) -> str:
    """ "2. halvår 2026"."""
    return _("%(half)d. half %(year)d", half=half, year=year)


def period_in_words(period: str) -> str:
    """A stored period ("2026H2", "2019") in words: "2. halvår 2026", "2019"."""
    if len(period) == 6 and period[4] == "H" and period[5] in "12":
        return half_year(int(period[:4]), int(period[5]))
    return period


def long_date(day: date | None) -> str:
    """ "30. november 2026" in Danish (the locale decides the month's name)."""
    return "–" if day is None else format_date(day, "d. MMMM y")


def theme_mean_text(score) -> str | None:
    """ "Mean 3,88 (95 % interval 3,70–4,05) on the scale 1–5, 120 respondents", or why not."""
    if score is None or score.scale is None:
        return None
    low, high = score.scale
    if score.mean is None:
        return _("Mean on the scale %(low)d–%(high)d: under 5 respondents", low=low, high=high)
    interval = (
        _(
            " (95 %(pct)s interval %(a)s–%(b)s)",
            pct="%",
            a=decimal(score.ci[0], 2),
            b=decimal(score.ci[1], 2),
        )
        if score.ci
        else ""
    )
    return _(
        "Mean %(mean)s%(interval)s on the scale %(low)d–%(high)d, %(n)d respondents",
        mean=decimal(score.mean, 2),
        interval=interval,
        low=low,
        high=high,
        n=score.n,
    )


def number_mean_text(side) -> str:
    """A number item's mean with its 95 % interval: "34,21 (31,50–36,92)"; "–" if hidden."""
    if side is None or side.mean is None:
        return "–"
    if side.mean_ci is None:
        return decimal(side.mean, 2)
    low, high = side.mean_ci
    return f"{decimal(side.mean, 2)} ({decimal(low, 2)}–{decimal(high, 2)})"


def theme_previous_text(score) -> str | None:
    """The earlier round's theme mean and, where both are of the same items, the change."""
    before = getattr(score, "previous", None)
    if before is None:
        return None
    if before.mean is None:
        return _("Earlier round: under 5 respondents, no mean")
    text = _(
        "Earlier round: mean %(mean)s (95 %(pct)s interval %(a)s–%(b)s), %(n)d respondents",
        mean=decimal(before.mean, 2),
        pct="%",
        a=decimal(before.ci[0], 2),
        b=decimal(before.ci[1], 2),
        n=before.n,
    )
    change = score.change
    if change is None:
        if score.mean is not None:
            text += "; " + _("no difference given: the rounds' means are of different questions")
        return text
    text += "; " + _(
        "difference %(diff)s", diff=("+" if change.diff > 0 else "") + decimal(change.diff, 2)
    )
    if change.p_value is None:
        return text
    return text + "; " + _("Welch's t test %(p)s", p=p_plain(change.p_value))


def theme_group_text(group) -> str:
    """One group's theme mean, or why it is not shown."""
    if group.mean is None:
        if group.reason == "protects_other":
            return _("hidden so that a smaller group cannot be worked out")
        return _("under 5 respondents")
    return _(
        "mean %(mean)s (95 %(pct)s interval %(a)s–%(b)s), %(n)d respondents",
        mean=decimal(group.mean, 2),
        pct="%",
        a=decimal(group.ci[0], 2),
        b=decimal(group.ci[1], 2),
        n=group.n,
    )


def benchmark_text(score) -> str | None:
    """The published figure beside the theme mean, named with its source."""
    figure = getattr(score, "benchmark", None)
    if figure is None:
        return None
    text = _(
        "%(source)s %(period)s, “%(category)s”: mean %(mean)s (n = %(n)d)",
        source=figure.source,
        period=figure.period,
        category=figure.category,
        mean=decimal(figure.mean, 2),
        n=figure.n,
    )
    if figure.diff is None:
        return text
    text += "; " + _(
        "difference %(diff)s", diff=("+" if figure.diff > 0 else "") + decimal(figure.diff, 2)
    )
    if figure.p_value is None:
        return text + "; " + _("no test: the published figure has no standard deviation")
    return text + "; " + _("Welch's t test %(p)s", p=p_plain(figure.p_value))


FILTERS = {
    "theme_mean_text": theme_mean_text,
    "benchmark_text": benchmark_text,
    "theme_previous_text": theme_previous_text,
    "number_mean_text": number_mean_text,
    "theme_group_text": theme_group_text,
    "pct": pct,
    "ci": ci,
    "points": points,
    "decimal": decimal,
    "p_value": p_value,
    "p_text": p_text,
    "change_text": change_text,
    "unadjusted_text": unadjusted_text,
    "side_text": side_text,
    "period_in_words": period_in_words,
    "long_date": long_date,
    "items_basis": items_basis,
    "weighting_text": weighting_text,
    "driver_text": driver_text,
}
