"""Closing a round ends its deliveries: unsent messages are cancelled and contact data erased
in the same transaction as the close (audited)."""

from __future__ import annotations

from survey.core import audit
from survey.delivery.worker import erase_round_contacts
from survey.models import Round
from survey.rounds.lifecycle import close_round


def close_and_erase(survey_round: Round) -> int:
    """Close the round (raises RoundStateError as close_round does); returns invitations erased."""
    close_round(survey_round)
    erased = erase_round_contacts(survey_round)
    if erased:
        audit.record(
            "contacts.erased", survey_round, details={"invitations": erased, "reason": "closed"}
        )
    return erased
