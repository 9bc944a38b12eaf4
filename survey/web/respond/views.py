"""Citizen routes. Thin: read input, ask the responding services, render or redirect.

The request's one commit happens after the view returns (survey.core.transaction).
"""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, session, url_for

from survey.core.i18n import current_language
from survey.responding import flow
from survey.responding import journey as svc
from survey.responding.state import clear_state, load_state, save_state
from survey.rounds.lifecycle import availability
from survey.web.respond import bp

STATUS_PAGES = {
    "unknown": ("respond/link_unknown.html", 404),
    "not_open": ("respond/not_open.html", 403),
    "closed": ("respond/closed.html", 410),
    "completed": ("respond/already_answered.html", 200),
}
STEPS = {flow.LANDING: "respond.landing", flow.PAGE: "respond.page", flow.THANKS: "respond.thanks"}


@bp.get("/s/<token>")
def enter_invitation(token: str):
    return _after_entry(svc.enter_invitation(token))


@bp.get("/o/<code>")
def enter_open_link(code: str):
    return _after_entry(svc.enter_open_link(code, load_state()))


@bp.get("/svar")
def landing():
    state, journey = _require_journey()
    if svc.invitation_completed(state):
        return redirect(url_for("respond.thanks"))
    return render_template("respond/landing.html", journey=journey)


@bp.post("/svar/start")
def start():
    state, journey = _require_journey()
    return _go(flow.start(journey, state, current_language()), state)


@bp.route("/svar/side/<key>", methods=["GET", "POST"])
def page(key: str):
    state, journey = _require_journey()
    form = request.form if request.method == "POST" else None
    outcome = flow.page(journey, state, key, form, current_language())
    if isinstance(outcome, flow.Show):
        return _render_page(journey, outcome)
    return _go(outcome, state)


@bp.get("/svar/tak")
def thanks():
    state = load_state()
    if state is None:
        return render_template("respond/no_session.html"), 404
    journey = svc.load_journey(state)
    if journey is None or not svc.invitation_completed(state):
        return redirect(url_for("respond.landing"))
    _use_round(journey.survey_round)
    return render_template("respond/thanks.html", journey=journey)


def _go(outcome: flow.GoTo, state):
    if outcome.state_changed:
        save_state(state)
    if outcome.step == flow.PAGE:
        return redirect(url_for("respond.page", key=outcome.page_key))
    return redirect(url_for(STEPS[outcome.step]))


def _use_round(survey_round) -> None:
    """The page header names the round's sender and offers only the round's languages."""
    g.allowed_languages = tuple(survey_round.languages)
    g.survey_round = survey_round


def _after_entry(entry: svc.Entry):
    if entry.survey_round is not None:
        _use_round(entry.survey_round)
    if entry.status != "ok":
        template, status = STATUS_PAGES[entry.status]
        if entry.status == "completed":
            clear_state()
        return render_template(template, survey_round=entry.survey_round), status
    save_state(entry.state)
    if entry.language:
        session["lang"] = entry.language  # the link opens in the citizen's language
    # The token leaves the address bar at once: no history, referrer or log keeps it.
    return redirect(url_for("respond.landing"), code=303)


def _require_journey():
    state = load_state()
    if state is None:
        abort(_render_status("respond/no_session.html", 404))
    journey = svc.load_journey(state)
    if journey is None:
        clear_state()
        abort(_render_status("respond/link_unknown.html", 404))
    _use_round(journey.survey_round)
    status = availability(journey.survey_round)
    if status != "open" and not (state.done or svc.invitation_completed(state)):
        template, code = STATUS_PAGES[status]
        abort(_render_status(template, code, survey_round=journey.survey_round))
    return state, journey


def _render_status(template: str, status: int, **context):
    return make_response(render_template(template, **context), status)


def _render_page(journey: svc.Journey, shown: flow.Show):
    number, total = journey.progress(shown.page)
    following = svc.neighbour_page(journey.definition, journey.answers, shown.page.key, 1)
    html = render_template(
        "respond/page.html",
        journey=journey,
        page=shown.page,
        items=shown.page.visible_items(journey.answers),
        answers=shown.answers,
        errors=shown.errors,
        number=number,
        total=total,
        is_last=following is None,
    )
    return html, shown.status
