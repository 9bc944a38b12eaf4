"""Template helpers shared by every page."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import format_date, format_decimal, format_percent
from flask_login import current_user

from questionnaires.model import pick_text
from survey.core.extensions import db
from survey.core.i18n import current_language, page_languages, text_direction, ui_languages
from survey.core.labels import (
    language_label,
    role_label,
    state_label,
    type_label,
    variable_label,
    verdict_label,
)
from survey.delivery.schedule import to_local
from survey.models import Round
from survey.reporting.format import (
    change_text,
    driver_text,
    items_basis,
    long_date,
    p_text,
    period_in_words,
    points,
    side_text,
    unadjusted_text,
)
from survey.responding.state import load_state
from survey.rounds.status import period_text, round_status_of
from survey.settings.background import value_labels
from survey.web.fragments import item_html
from survey.web.ids import field_id


def percent(share: float | None) -> str:
    """Danish style: "62 %"; a dash where there is nothing to divide."""
    if share is None:
        return "–"
    return format_percent(share, format="#,##0 %")


def number(value: float | None, decimals: int = 1) -> str:
    return (
        "–"
        if value is None
        else format_decimal(round(value, decimals), format="#,##0." + "0" * decimals)
    )


def signed_percent(share: float) -> str:
    """A change in percentage points, signed: "+8 pct.-point" (as in the report)."""
    return points(share)


def share_with_ci(side, yes_no: bool = False) -> str:
    """62 % (55–69 %), or why it is not shown; "ja" for a yes/no item, "usikkert" under 30."""
    return "–" if side is None else side_text(side, yes_no)


def local_time(moment) -> str:
    """A time as staff read it: Danish local time, e.g. "1.12.2026 09:00"; stored times are UTC."""
    if moment is None:
        return "–"
    local = moment if moment.tzinfo else to_local(moment)
    return f"{local.day}.{local.month}.{local.year} {local:%H:%M}"


def statement_url() -> str | None:
    """The citizen's municipality's statement, else the installation's, else None; only an
    https:// address: anything else stored (http://, javascript:) is neither redirected to
    by /was nor linked by the accessibility page."""
    url = _configured_statement_url()
    return url if url and url.startswith("https://") else None


def _configured_statement_url() -> str | None:
    state = load_state()
    survey_round = getattr(g, "survey_round", None)
    if survey_round is None and state is not None:
        survey_round = db.session.get(Round, state.round_id)
    if survey_round is not None and survey_round.municipality.accessibility_url:
        return survey_round.municipality.accessibility_url
    return current_app.config.get("ACCESSIBILITY_STATEMENT_URL") or None


def init_app(app: Flask) -> None:
    app.jinja_env.filters["text_in"] = pick_text
    app.jinja_env.filters["language_name"] = language_label
    app.jinja_env.filters["direction"] = text_direction  # a text's dir, from its language

    @app.context_processor
    def helpers():
        def sender_name() -> str:
            survey_round = getattr(g, "survey_round", None)
            if survey_round is not None:
                return survey_round.municipality.display_service_name
            if getattr(current_user, "is_authenticated", False) and current_user.municipality:
                return f"Borgerblik · {current_user.municipality.name}"
            return "Borgerblik"

        def offered_languages() -> tuple[str, ...]:
            allowed = page_languages()
            return tuple(lang for lang in ui_languages() if lang in allowed)

        def value_label(variable: str, code: str | None) -> str:
            """A background code by its maintained label ("kontanthjaelp": "Kontanthjælp"),
            the labels read once per request and variable."""
            known = g.setdefault("value_labels", {})
            if variable not in known:
                known[variable] = value_labels(variable, current_language())
            return known[variable].get(code, code or "")

        def session_channel() -> str | None:
            state = load_state()
            return state.channel if state else None

        return {
            "state_label": state_label,
            "round_status_of": round_status_of,
            "period_text": period_text,
            "role_label": role_label,
            "type_label": type_label,
            "variable_label": variable_label,
            "value_label": value_label,
            "percent": percent,
            "number": number,
            "signed_percent": signed_percent,
            "share_with_ci": share_with_ci,
            "change_text": change_text,
            "unadjusted_text": unadjusted_text,
            "p_text": p_text,
            "period_in_words": period_in_words,
            "long_date": long_date,
            "items_basis": items_basis,
            "driver_text": driver_text,
            "verdict_label": verdict_label,
            "sender_name": sender_name,
            "statement_url": statement_url,
            "offered_languages": offered_languages,
            "session_channel": session_channel,
            "field_id": field_id,
            "item_html": item_html,
            "format_date": format_date,
            "local_time": local_time,
        }
