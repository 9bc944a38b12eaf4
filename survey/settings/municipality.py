"""A municipality's own settings: the sender name citizens see and its accessibility statement."""

from __future__ import annotations

from survey.core import audit
from survey.models import Municipality


def change_settings(
    municipality: Municipality, service_name: str | None, accessibility_url: str | None
) -> None:
    municipality.service_name = (service_name or "").strip() or None
    municipality.accessibility_url = (accessibility_url or "").strip() or None
    audit.record(
        "municipality.settings",
        municipality,
        municipality_code=municipality.code,
        details={
            "service_name": municipality.service_name,
            "accessibility_url": municipality.accessibility_url,
        },
    )


def allow_link_downloads(municipality: Municipality, allowed: bool) -> None:
    """An operator's decision: may this municipality's staff download invitation links?"""
    municipality.may_download_links = allowed
    audit.record(
        "municipality.link_downloads",
        municipality,
        municipality_code=municipality.code,
        details={"allowed": allowed},
    )
