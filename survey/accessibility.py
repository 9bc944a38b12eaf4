"""The accessibility statement: /was redirects to the municipality's own statement (made in
the state's WAS tool), and /tilgaengelighed lists what this project's automated checks cover."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template

from survey.extensions import db
from survey.models import Round
from survey.respond.state import load_state

bp = Blueprint("accessibility", __name__, template_folder="templates")


def statement_url() -> str | None:
    """The citizen's municipality's statement, else the installation's, else None."""
    state = load_state()
    survey_round = getattr(g, "survey_round", None)
    if survey_round is None and state is not None:
        survey_round = db.session.get(Round, state.round_id)
    if survey_round is not None and survey_round.municipality.accessibility_url:
        return survey_round.municipality.accessibility_url
    return current_app.config.get("ACCESSIBILITY_STATEMENT_URL") or None


@bp.get("/was")
def was():
    url = statement_url()
    if url and url.startswith("https://"):
        return redirect(url, code=302)
    return redirect("/tilgaengelighed", code=302)


@bp.get("/tilgaengelighed")
def checks():
    return render_template("accessibility.html")
