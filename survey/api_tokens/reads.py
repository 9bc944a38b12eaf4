"""What the read-only API answers, for one token's municipality only; every read audited.

The comparison is `results compare --json` itself (the same build_comparison and
to_dict), so a BI tool and the command line never disagree; suppression is the
comparison's own, so no figure from fewer than 5 answers is reachable here either.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from analysis.results import Side
from survey.comparison.service import build_comparison, period_label
from survey.comparison.targets import THEME_PREFIX, known_indicators, yearly_sides
from survey.core import audit
from survey.core.extensions import db
from survey.models import ApiToken, HistoricalResult, Round
from survey.models.background import BACKGROUND_VARIABLES

MAX_PER_PAGE = 100


class NotFound(LookupError):
    """No such round for this token: another municipality's round does not exist here."""


class BadRequest(ValueError):
    """A question the API cannot answer as asked; the message is for the developer."""


@dataclass(frozen=True)
class Page:
    items: list[dict]
    page: int
    per_page: int
    total: int

    def to_dict(self) -> dict:
        last = max(1, -(-self.total // self.per_page))
        return {
            "items": self.items,
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": last,
        }


def paging(page: int | None, per_page: int | None) -> tuple[int, int]:
    page = 1 if page is None else page
    per_page = 50 if per_page is None else per_page
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    return page, per_page


def _read(token: ApiToken, what: str, target: object = None, **details) -> None:
    audit.record(
        "api.read",
        target,
        actor=f"api:{token.name}"[:254],
        municipality_code=token.municipality_code,
        details={"what": what, "token": token.id, **details},
    )


def list_rounds(token: ApiToken, page: int | None, per_page: int | None) -> Page:
    """The municipality's closed rounds (the only ones with results), newest first."""
    page, per_page = paging(page, per_page)
    where = (Round.municipality_code == token.municipality_code, Round.state == "closed")
    total = db.session.scalar(select(func.count()).select_from(Round).where(*where)) or 0
    rounds = db.session.scalars(
        select(Round)
        .where(*where)
        .order_by(Round.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = [
        {
            "id": r.id,
            "title": r.title,
            "period": period_label(r),
            "opens_on": r.opens_on.isoformat() if r.opens_on else None,
            "closes_on": r.closes_on.isoformat() if r.closes_on else None,
        }
        for r in rounds
    ]
    _read(token, "rounds", page=page)
    return Page(items, page, per_page, total)


def _round(token: ApiToken, round_id: int | None) -> Round:
    survey_round = db.session.get(Round, round_id) if round_id is not None else None
    if survey_round is None or survey_round.municipality_code != token.municipality_code:
        raise NotFound(round_id)
    return survey_round


def comparison(token: ApiToken, round_id: int, against_id: int | None, by: str | None) -> dict:
    """Exactly `results compare ROUND --against ID --by VAR --json`."""
    from survey.comparison.service import ResultsError

    survey_round = _round(token, round_id)
    against = _round(token, against_id) if against_id is not None else None
    if by is not None and by not in BACKGROUND_VARIABLES:
        raise BadRequest(f"by must be one of {', '.join(BACKGROUND_VARIABLES)}")
    try:
        result = build_comparison(survey_round, against, by, "da")
    except ResultsError as error:
        raise BadRequest(str(error)) from None
    _read(token, "comparison", survey_round, against=against_id, by=by)
    return result.to_dict()


def _side(year: int, side: Side) -> dict:
    return {"year": year, **side.to_dict()}


def trends(token: ApiToken, page: int | None, per_page: int | None) -> Page:
    """Each indicator's figure year by year (rounds pooled, else imported history)."""
    page, per_page = paging(page, per_page)
    code = token.municipality_code
    keys = {k for k in known_indicators(code) if not k.startswith(THEME_PREFIX)}
    keys.update(
        db.session.scalars(
            select(HistoricalResult.compare_key).where(HistoricalResult.municipality_code == code)
        )
    )
    ordered = sorted(keys)
    chosen = ordered[(page - 1) * per_page : page * per_page]
    items = [
        {
            "indicator": key,
            "years": [_side(year, side) for year, side in sorted(yearly_sides(code, key).items())],
        }
        for key in chosen
    ]
    _read(token, "trends", page=page)
    return Page(items, page, per_page, len(ordered))
