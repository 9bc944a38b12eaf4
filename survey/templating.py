"""Template helpers shared by every page."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import format_date

from questionnaires.model import pick_text
from survey.i18n import ui_languages
from survey.respond.state import load_state


def field_id(item, value=None) -> str:
    """A stable HTML id for an item's field (or one option), used by error-summary links."""
    base = "q-" + item.code.replace(".", "-")
    return base if value is None else f"{base}-{value}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["text_in"] = pick_text

    @app.context_processor
    def helpers():
        def sender_name() -> str:
            survey_round = getattr(g, "survey_round", None)
            if survey_round is not None:
                return survey_round.municipality.display_service_name
            return "Borgerblik"

        def offered_languages() -> tuple[str, ...]:
            available = ui_languages()
            allowed = getattr(g, "allowed_languages", None)
            return tuple(lang for lang in available if not allowed or lang in allowed)

        def session_channel() -> str | None:
            state = load_state()
            return state.channel if state else None

        return {
            "sender_name": sender_name,
            "offered_languages": offered_languages,
            "session_channel": session_channel,
            "field_id": field_id,
            "format_date": format_date,
        }
