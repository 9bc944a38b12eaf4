"""Key drivers for one round: the joint counts of each scale item with the overall
satisfaction item (counted by the database in the frequency pass,
survey.comparison.query.counted_answers), turned into rank correlations (analysis)."""

from __future__ import annotations

from analysis.drivers import Driver, driver
from analysis.results import Comparison
from survey.comparison.query import JointCounts


def key_drivers(comparison: Comparison, headline: str | None, joint: JointCounts) -> list[Driver]:
    """Each scale item against the overall item (the questionnaire file's `headline`),
    strongest first; empty without it. `joint` holds the round's valid pairs ("ved ikke"
    is not a valid answer) per item code."""
    overall = next((i for i in comparison.items if i.code == headline), None)
    if overall is None:
        return []
    scale = {i.code: i.text for i in comparison.items if i.type == "likert5" and i is not overall}
    drivers = [driver(code, text, joint.get(code, {})) for code, text in scale.items()]
    return sorted(drivers, key=lambda d: (d.r is None, -(d.r or 0)))
