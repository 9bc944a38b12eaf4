"""Which languages a closed round's citizens answered in, and which of them were drafts.

Counts under 5 are never shown: languages with fewer answers are shown together as
"other languages", and when that group itself would be under 5 the smallest shown language
joins it, so no count can be worked out by subtracting the others from the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from analysis.compare import MIN_N
from survey.core.extensions import db
from survey.models import Response, Round
from survey.rounds.definition import round_definition


@dataclass(frozen=True)
class LanguageCounts:
    shown: list[tuple[str, int]]  # (language, completed answers), largest first
    grouped: list[str]  # languages shown only together
    grouped_count: int | None  # their total; None when under 5 (then only the total is known)
    draft_languages: list[str]  # offered as draft translations (not professionally checked)


def answering_languages(survey_round: Round) -> LanguageCounts:
    """Completed answers per answering language; only for closed rounds (callers check)."""
    rows = db.session.execute(
        select(Response.ui_language, func.count())
        .where(Response.round_id == survey_round.id, Response.completed.is_(True))
        .group_by(Response.ui_language)
    ).all()
    counts = sorted(((lang or "da", n) for lang, n in rows), key=lambda row: (-row[1], row[0]))
    shown = [(lang, n) for lang, n in counts if n >= MIN_N]
    grouped = [(lang, n) for lang, n in counts if n < MIN_N]
    while grouped and sum(n for _, n in grouped) < MIN_N and shown:
        grouped.append(shown.pop())  # the smallest shown one hides the small group's size
    total = sum(n for _, n in grouped)
    return LanguageCounts(
        shown=shown,
        grouped=sorted(lang for lang, _ in grouped),
        grouped_count=total if total >= MIN_N else None,
        draft_languages=list(round_definition(survey_round).draft_languages),
    )
