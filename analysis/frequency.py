"""The seam with the survey app: a frequency table counted by the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALL = None  # group value meaning "every respondent"


@dataclass(frozen=True)
class FrequencyRow:
    round_id: int
    item: str  # compare key: the same question across rounds, even reworded
    group_variable: str | None  # e.g. "benefit_group"; None when not split
    group_value: str | None  # e.g. "kontanthjaelp"; None for respondents without a value
    value: str  # the stored answer value ("1".."5", "0" for ved ikke, "1;3" for multi)
    count: int


class FrequencyTable:
    """Counts by (round, item, group) with the whole-round totals summed across groups."""

    def __init__(self, rows: Iterable[FrequencyRow]):
        self._cells: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._groups: dict[str, set] = defaultdict(set)
        for row in rows:
            if row.count < 0:
                raise ValueError("a frequency count cannot be negative")
            self._cells[(row.round_id, row.item, None, None)][row.value] += row.count
            if row.group_variable is not None:
                key = (row.round_id, row.item, row.group_variable, row.group_value)
                self._cells[key][row.value] += row.count
                self._groups[row.group_variable].add(row.group_value)

    def counts(
        self, round_id: int, item: str, variable: str | None = None, group: str | None = None
    ) -> Mapping[str, int]:
        return dict(self._cells.get((round_id, item, variable, group if variable else None), {}))

    def group_values(self, variable: str) -> list[str | None]:
        """Group values seen for a variable; respondents without a value sort last."""
        return sorted(self._groups.get(variable, ()), key=lambda v: (v is None, v or ""))
