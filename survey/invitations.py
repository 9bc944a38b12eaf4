"""Issuing invitation links: tokens leave the system once, as links; hashes stay."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Invitation, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.tokens import invitation_hash, new_token


def issue_invitations(
    survey_round: Round, backgrounds: Iterable[Mapping[str, str | None]]
) -> list[tuple[int, str]]:
    """Create one invitation per background row; return (number, token) pairs, shown once."""
    last = db.session.scalar(
        select(func.max(Invitation.number)).where(Invitation.round_id == survey_round.id)
    )
    number = last or 0
    issued = []
    for background in backgrounds:
        number += 1
        token = new_token()
        invitation = Invitation(
            round_id=survey_round.id, number=number, token_hash=invitation_hash(token)
        )
        for name in BACKGROUND_VARIABLES:
            value = background.get(name)
            setattr(invitation, name, value or None)
        db.session.add(invitation)
        issued.append((number, token))
    db.session.flush()
    return issued


def invitation_link(token: str) -> str:
    return _absolute("respond.enter_invitation", token=token)


def open_link(survey_round: Round) -> str:
    return _absolute("respond.enter_open_link", code=survey_round.open_code)


def public_base_url() -> str:
    """Where citizens reach this installation; from a request, or PUBLIC_BASE_URL, or PORT."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return f"http://localhost:{os.environ.get('PORT', '5000')}"


def _absolute(endpoint: str, **values) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return public_base_url() + path
