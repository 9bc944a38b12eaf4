"""Targets year by year, as in the CFU tables: n, share, ambition and whether it was met."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from analysis.compare import ItemInfo, side_for
from analysis.results import Side
from analysis.targets import TargetRow, assess, historical_side, theme_score
from survey.comparison.query import pooled_counts
from survey.comparison.service import code_to_key, round_period
from survey.core import audit
from survey.core.extensions import db
from survey.models import HistoricalResult, Round, Target
from survey.rounds.definition import round_definition


def yearly_sides(
    municipality_code: int, compare_key: str, item_type: str = "likert5"
) -> dict[int, Side]:
    """Each year's figure for one indicator: the year's rounds pooled, else imported history."""
    rounds = db.session.scalars(
        select(Round).where(Round.municipality_code == municipality_code, Round.state == "closed")
    ).all()
    by_year: dict[int, list[Round]] = defaultdict(list)
    for survey_round in rounds:
        by_year[round_period(survey_round)[0]].append(survey_round)
    sides: dict[int, Side] = {}
    info = ItemInfo(key=compare_key, text="", theme="", type=item_type)
    for year, members in by_year.items():
        counts, _contributors = pooled_counts(
            members, {r.id: code_to_key(round_definition(r)) for r in members}
        )
        if compare_key in counts:
            sides[year] = side_for(info, counts[compare_key])
    history = db.session.scalars(
        select(HistoricalResult).where(
            HistoricalResult.municipality_code == municipality_code,
            HistoricalResult.compare_key == compare_key,
        )
    )
    pooled: dict[int, tuple[int, int]] = {}
    for result in history:  # a year's periods (e.g. 2023H1 and 2023H2) pooled, as rounds are
        n, positive = pooled.get(result.year, (0, 0))
        pooled[result.year] = (n + result.n, positive + result.positive)
    for year, (n, positive) in pooled.items():
        sides.setdefault(year, historical_side(n, positive))
    return sides


THEME_PREFIX = "theme:"


def theme_keys(municipality_code: int, theme: str) -> set[str]:
    """Compare keys of the scale items a theme has had in the municipality's rounds."""
    rounds = db.session.scalars(
        select(Round).where(Round.municipality_code == municipality_code, Round.state == "closed")
    )
    return {
        item.compare_key
        for survey_round in rounds
        for item in round_definition(survey_round).items
        if item.theme == theme and item.type == "likert5"
    }


def yearly_theme_sides(
    municipality_code: int, theme: str
) -> tuple[dict[int, Side], dict[int, int], int]:
    """A theme's score per year (analysis.targets.theme_score over its items' figures), how
    many of its items each year's score rests on, and how many items the theme has had."""
    per_item = [
        yearly_sides(municipality_code, key) for key in sorted(theme_keys(municipality_code, theme))
    ]
    years = set().union(*per_item) if per_item else set()
    sides, used = {}, {}
    for year in years:
        shown = [sides_[year] for sides_ in per_item if year in sides_]
        score = theme_score(shown)
        if score is not None:
            sides[year] = score
            used[year] = sum(1 for side in shown if side.share is not None)
    return sides, used, len(per_item)


def target_table(municipality_code: int, compare_key: str) -> list[TargetRow]:
    """One row per year with a figure or an ambition, oldest first.

    `compare_key` is an item's compare key, or "theme:<theme>" for a theme score.
    """
    used: dict[int, int] = {}
    total = None
    if compare_key.startswith(THEME_PREFIX):
        sides, used, total = yearly_theme_sides(municipality_code, compare_key[len(THEME_PREFIX) :])
    else:
        sides = yearly_sides(municipality_code, compare_key)
    ambitions = {
        target.year: target.ambition
        for target in db.session.scalars(
            select(Target).where(
                Target.municipality_code == municipality_code, Target.indicator == compare_key
            )
        )
    }
    rows = []
    for year in sorted(set(sides) | set(ambitions)):
        side = sides.get(year)
        ambition = ambitions.get(year)
        rows.append(
            TargetRow(
                year=year,
                n=side.n if side else None,
                share=side.share if side else None,
                ci=side.ci if side else None,
                ambition=ambition,
                verdict=assess(side, ambition) if ambition is not None else None,
                items_used=used.get(year),
                items_total=total if year in used else None,
            )
        )
    return rows


def indicators_with_targets(municipality_code: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Target.indicator)
            .where(Target.municipality_code == municipality_code)
            .distinct()
            .order_by(Target.indicator)
        )
    )


def set_target(municipality_code: int, indicator: str, year: int, ambition: float) -> Target:
    """Set (or change) the ambition for an indicator and year; audited in percent."""
    if not 0 <= ambition <= 1:
        raise ValueError("an ambition is a share between 0 and 1")
    target = db.session.scalar(
        select(Target).where(
            Target.municipality_code == municipality_code,
            Target.indicator == indicator,
            Target.year == year,
        )
    )
    if target is None:
        target = Target(
            municipality_code=municipality_code, indicator=indicator, year=year, ambition=ambition
        )
        db.session.add(target)
    else:
        target.ambition = ambition
    db.session.flush()
    audit.record(
        "target.set",
        target,
        details={"indicator": indicator, "year": year, "ambition": round(ambition * 100, 4)},
    )
    return target


def known_indicators(municipality_code: int) -> set[str]:
    """What an ambition may be set for: the scale items and themes of the opened rounds."""
    keys = set()
    rounds = db.session.scalars(
        select(Round).where(Round.municipality_code == municipality_code, Round.state == "closed")
    )
    for survey_round in rounds:
        for item in round_definition(survey_round).items:
            if item.type == "likert5":
                keys.update({item.compare_key, THEME_PREFIX + item.theme})
    return keys
