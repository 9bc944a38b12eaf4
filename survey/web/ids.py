"""HTML ids shared by the citizen's page, its fragments and the error summary."""

from __future__ import annotations


def field_id(item, value=None) -> str:
    """A stable HTML id for an item's field (or one option), used by error-summary links."""
    base = "q-" + item.code.replace(".", "-")
    return base if value is None else f"{base}-{value}"
