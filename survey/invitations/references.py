"""Send-list references across uploads: the same list uploaded twice must not quietly give
the same people a second link. Only keyed hashes (with the round) are stored."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from survey.core.extensions import db
from survey.invitations.tokens import keyed_hash
from survey.models import Invitation, Round

CHUNK = 500


def reference_hash(round_id: int, reference: str) -> str:
    return keyed_hash("reference", f"{round_id}:{reference}")


def repeated_references(survey_round: Round, references: Iterable[str]) -> list[str]:
    """The references that already have an invitation in this round, in the file's order."""
    by_hash = {reference_hash(survey_round.id, ref): ref for ref in references if ref}
    hashes = list(by_hash)
    found: set[str] = set()
    for start in range(0, len(hashes), CHUNK):
        found.update(
            db.session.scalars(
                select(Invitation.reference_hash).where(
                    Invitation.round_id == survey_round.id,
                    Invitation.reference_hash.in_(hashes[start : start + CHUNK]),
                )
            )
        )
    return [ref for hashed, ref in by_hash.items() if hashed in found]
