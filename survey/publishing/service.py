"""Publish and unpublish a round's results (audited); what the public page may show.

Only a closed round is published, and the page shows what the analyst's pages show,
with the same suppression: no figure from fewer than 5 answers. No split by background:
a public page is read by anyone, and groups are where small numbers hide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.results import Comparison
from survey.comparison.service import build_comparison
from survey.core import audit
from survey.core.extensions import db
from survey.models import Municipality, Publication, Round


class PublishError(ValueError):
    """A publication refused; the message is for the analyst."""


def public_path(survey_round: Round) -> str:
    return f"/offentlig/{survey_round.municipality_code}/{survey_round.id}"


def public_address(survey_round: Round) -> str:
    """The page's address as citizens reach it (PUBLIC_BASE_URL, never a request's Host)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + public_path(survey_round)


def publication_of(survey_round: Round) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.round_id == survey_round.id))


def publish(survey_round: Round, against: Round | None = None) -> Publication:
    if survey_round.state != "closed":
        raise PublishError(_("Results can be published once the round is closed."))
    if against is not None and (
        against.municipality_code != survey_round.municipality_code or against.state != "closed"
    ):
        raise PublishError(_("Compare only with a closed round of the same municipality."))
    # Refused here, not on the public page: a round whose results cannot be shown.
    build_comparison(survey_round, against, None, "da")
    publication = publication_of(survey_round)
    if publication is None:
        publication = Publication(round_id=survey_round.id)
        db.session.add(publication)
    publication.against_id = against.id if against else None
    db.session.flush()
    audit.record(
        "round.publish",
        survey_round,
        details={"against": against.id if against else None},
    )
    return publication


def unpublish(survey_round: Round) -> bool:
    publication = publication_of(survey_round)
    if publication is None:
        return False
    db.session.delete(publication)
    db.session.flush()
    audit.record("round.unpublish", survey_round)
    return True


def published(municipality_code: int, round_id: int) -> Publication | None:
    """The publication of this municipality's round, only while published and closed."""
    publication = db.session.scalar(
        select(Publication)
        .join(Round, Round.id == Publication.round_id)
        .where(
            Publication.round_id == round_id,
            Round.municipality_code == municipality_code,
            Round.state == "closed",
        )
    )
    return publication


def published_comparison(publication: Publication) -> Comparison:
    """The comparison the page shows: the round against the chosen one, no split."""
    return build_comparison(publication.round, publication.against, None, "da")


def frame_ancestors(municipality_code: int) -> str:
    """The CSP frame-ancestors source list for the municipality's public pages."""
    municipality = db.session.get(Municipality, municipality_code)
    origins = (municipality.embed_origins or "").split() if municipality else []
    # Checked again here: a stored value never injects another directive into the header.
    origins = [origin for origin in origins if ORIGIN.match(origin)]
    return " ".join(origins) if origins else "'none'"


ORIGIN = re.compile(
    r"^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$"
)


def set_embed_origins(municipality: Municipality, origins: Sequence[str]) -> None:
    """The sites (https origins only) that may frame the municipality's public pages."""
    cleaned = [origin.strip().lower().rstrip("/") for origin in origins]
    for origin in cleaned:
        if not ORIGIN.match(origin):
            raise PublishError(_("Give each site as https://name.dk, without a path."))
    municipality.embed_origins = " ".join(cleaned) or None
    audit.record(
        "municipality.embed_origins",
        municipality,
        municipality_code=municipality.code,
        details={"origins": cleaned},
    )
