"""The texts a round's invitations and reminders are sent with (audited when changed)."""

from __future__ import annotations

from survey.core import audit
from survey.models import Round


def save_texts(survey_round: Round, texts: dict[str, dict[str, str]]) -> None:
    survey_round.message_texts = {lang: dict(kinds) for lang, kinds in texts.items()}
    audit.record("round.message_texts", survey_round, details={"languages": sorted(texts)})
