"""Issuing invitation links: tokens leave the system once, as links; hashes stay."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.core import audit
from survey.core.extensions import db
from survey.invitations.references import reference_hash
from survey.invitations.tokens import invitation_hash, new_token
from survey.models import Invitation, Round
from survey.models.background import BACKGROUND_VARIABLES


def issue_invitations(
    survey_round: Round, backgrounds: Iterable[Mapping[str, str | None]]
) -> list[tuple[int, str]]:
    """Create one invitation per background row; return (number, token) pairs, shown once.

    Audited with the count: the trail shows who issued how many links, never the links.
    """
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
        reference = background.get("reference")
        if reference:
            invitation.reference_hash = reference_hash(survey_round.id, reference)
        db.session.add(invitation)
        issued.append((number, token))
    db.session.flush()
    audit.record("invitations.create", survey_round, details={"count": len(issued)})
    return issued


def issue_links(
    survey_round: Round, rows: list[dict[str, str]]
) -> list[tuple[int, str, dict[str, str]]]:
    """Issue one invitation per row; (number, link, row) for the download, shown once."""
    issued = issue_invitations(survey_round, rows)
    return [
        (number, invitation_link(token), row)
        for (number, token), row in zip(issued, rows, strict=True)
    ]


class LinksNotAllowed(PermissionError):
    """Links may be handed to staff only where an operator has allowed it."""


def hand_out_links(
    survey_round: Round, rows: list[dict[str, str]]
) -> list[tuple[int, str, dict[str, str]]]:
    """Links for staff to send themselves (paper letters, their own SMS system).

    Only where an operator allowed it for the municipality: whoever holds a link can answer
    in the citizen's place, so the round is marked and its results say so. Audited.
    """
    if not survey_round.municipality.may_download_links:
        raise LinksNotAllowed(
            _(
                "Links may not be downloaded for %(name)s; Borgerblik sends the invitations.",
                name=survey_round.municipality.name,
            )
        )
    links = issue_links(survey_round, rows)
    survey_round.links_handed_out = True
    audit.record("invitations.links_handed_out", survey_round, details={"count": len(links)})
    return links


def invitation_link(token: str) -> str:
    return _absolute("respond.enter_invitation", token=token)


def open_link(survey_round: Round) -> str:
    return _absolute("respond.enter_open_link", code=survey_round.open_code)


def kiosk_link(survey_round: Round) -> str:
    """The open link for a shared tablet in the waiting room: never resumes, clears itself."""
    return _absolute("respond.enter_kiosk_link", code=survey_round.open_code)


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
