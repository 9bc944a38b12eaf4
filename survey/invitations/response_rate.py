"""Response rates: overall, per background group and per day, counted by the database.

Groups with fewer than 5 invitations are not shown on their own: they are pooled, so a
small group's rate cannot point at a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from analysis.compare import MIN_N
from survey.core.extensions import db
from survey.models import Invitation, Response
from survey.models.background import BACKGROUND_VARIABLES

MIN_GROUP = MIN_N  # the same anonymity rule as for answers
OTHER = "__other__"


@dataclass(frozen=True)
class Rate:
    label: str
    invited: int
    completed: int

    @property
    def share(self) -> float | None:
        return self.completed / self.invited if self.invited else None


@dataclass(frozen=True)
class ResponseRate:
    overall: Rate
    groups: dict[str, list[Rate]]  # variable -> rates per value (small groups pooled)
    per_day: list[tuple[date | None, int]]  # completed per day; None: days under 5, pooled
    open_link_completed: int
    started_unfinished: int


def response_rate(round_id: int) -> ResponseRate:
    completed_flag = case((Invitation.state == "completed", 1), else_=0)
    invited, completed = db.session.execute(
        select(func.count(), func.coalesce(func.sum(completed_flag), 0)).where(
            Invitation.round_id == round_id
        )
    ).one()
    groups = {}
    for variable in BACKGROUND_VARIABLES:
        column = getattr(Invitation, variable)
        rows = db.session.execute(
            select(column, func.count(), func.coalesce(func.sum(completed_flag), 0))
            .where(Invitation.round_id == round_id, column.is_not(None))
            .group_by(column)
            .order_by(column)
        ).all()
        if rows:
            groups[variable] = _pool_small([Rate(value, n, done) for value, n, done in rows])
    per_day = db.session.execute(
        select(Response.completed_on, func.count())
        .where(Response.round_id == round_id, Response.completed.is_(True))
        .group_by(Response.completed_on)
        .order_by(Response.completed_on)
    ).all()
    open_completed = db.session.execute(
        select(func.count()).where(
            Response.round_id == round_id, Response.completed.is_(True), Response.channel == "open"
        )
    ).scalar_one()
    unfinished = db.session.execute(
        select(func.count()).where(Response.round_id == round_id, Response.completed.is_(False))
    ).scalar_one()
    return ResponseRate(
        overall=Rate("all", invited, completed),
        groups=groups,
        # completing a sheet, importing and the demo all set completed_on
        per_day=_pool_small_days([(day, count) for day, count in per_day if day is not None]),
        open_link_completed=open_completed,
        started_unfinished=unfinished,
    )


def _pool_small_days(days: list[tuple[date, int]]) -> list[tuple[date | None, int]]:
    """Days with fewer than 5 completions are shown together (date None): a day with one
    completion would tell when a known citizen answered."""
    shown: list[tuple[date | None, int]] = [(day, n) for day, n in days if n >= MIN_GROUP]
    pooled = sum(n for _day, n in days if n < MIN_GROUP)
    if pooled:
        shown.append((None, pooled))
    return shown


def _pool_small(rates: list[Rate]) -> list[Rate]:
    shown = [rate for rate in rates if rate.invited >= MIN_GROUP]
    small = [rate for rate in rates if rate.invited < MIN_GROUP]
    if small:
        pooled = Rate(OTHER, sum(r.invited for r in small), sum(r.completed for r in small))
        # A pool still under 5 would expose its members; fold it into nothing shown.
        if pooled.invited >= MIN_GROUP:
            shown.append(pooled)
    return shown
