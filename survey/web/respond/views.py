"""Citizen routes. Thin: read input, ask the responding services, render or redirect.

The request's one commit happens after the view returns (survey.core.transaction).
"""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, session, url_for

from survey.core.i18n import current_language
from survey.responding import flow
from survey.responding import journey as svc
from survey.responding.state import (
    KIOSK_IDLE_SECONDS,
    clear_everything,
    clear_state,
    device_secret,
    ensure_device,
    load_state,
    save_state,
)
from survey.rounds.lifecycle import availability, citizen_languages
from survey.web.respond import bp, page_cache, page_keys

STATUS_PAGES = {
    "unknown": ("respond/link_unknown.html", 404),
    "not_open": ("respond/not_open.html", 403),
    "closed": ("respond/closed.html", 410),
    "completed": ("respond/already_answered.html", 200),
    "answered_here": ("respond/answered_here.html", 200),
}
STEPS = {flow.LANDING: "respond.landing", flow.PAGE: "respond.page", flow.THANKS: "respond.thanks"}
KIOSK_THANKS_SECONDS = 60  # the kiosk's thank-you page goes back to the start by itself
IDLE_WARNING_SECONDS = 30  # ... and a question page first asks whether anyone is there


@bp.get("/s/<token>")
def enter_invitation(token: str):
    return _after_entry(svc.enter_invitation(token))


@bp.get("/o/<code>")
def enter_open_link(code: str):
    return _after_entry(svc.enter_open_link(code, load_state()))


@bp.post("/o/<code>/ny")
def someone_else(code: str):
    """ "Someone else wants to answer on this phone": a new sheet, chosen on purpose."""
    return _after_entry(svc.someone_else(code))


@bp.get("/k/<code>")
def enter_kiosk_link(code: str):
    """The open link on a shared tablet: nothing of the last person is kept or resumed."""
    return _after_entry(svc.enter_kiosk_link(code), kiosk=True)


@bp.get("/svar")
def landing():
    state, journey = _require_journey()
    if svc.invitation_completed(state, journey):
        return redirect(url_for("respond.thanks"))
    cleared = request.args.get("ryddet") == "1"

    def render(csrf_token) -> str:
        return render_template(
            "respond/landing.html",
            journey=journey,
            state=state,
            cleared=cleared,
            csrf_token=csrf_token,
        )

    return page_cache.render_cached(page_keys.landing_key(journey, state, cleared), render)


@bp.post("/svar/start")
def start():
    state, journey = _require_journey()
    return _go(flow.start(journey, state, current_language(), ensure_device()), state)


@bp.route("/svar/side/<key>", methods=["GET", "POST"])
def page(key: str):
    state, journey = _require_journey()
    form = request.form if request.method == "POST" else None
    outcome = flow.page(journey, state, key, form, current_language(), _address())
    if isinstance(outcome, flow.Show):
        return _render_page(journey, outcome, state.kiosk)
    return _go(outcome, state)


@bp.post("/svar/send")
def send():
    """Send a sheet answered in full, from a browser not shown its answers."""
    state, journey = _require_journey()
    return _go(flow.send(journey, state, _address()), state)


@bp.get("/svar/tak")
def thanks():
    state = load_state()
    if state is None:
        return _render_status("respond/no_session.html", 404)
    journey = svc.load_journey(state, device_secret())
    if journey is None or not svc.invitation_completed(state, journey):
        return redirect(url_for("respond.landing"))
    _use_round(journey.survey_round)
    g.kiosk_thanks = state.kiosk

    def render(_csrf_token) -> str:  # the page has no form
        return render_template("respond/thanks.html", journey=journey, kiosk=state.kiosk)

    html = page_cache.render_cached(page_keys.thanks_key(journey, state), render)
    if state.kiosk:
        clear_everything()  # the next person at the tablet meets nothing of this one
    return html


@bp.context_processor
def kiosk_timer():
    """A kiosk's pages go back to the start by themselves after a few idle minutes."""
    state = load_state()
    survey_round = getattr(g, "survey_round", None)
    thanks = getattr(g, "kiosk_thanks", False)
    if not (thanks or (state is not None and state.kiosk)) or survey_round is None:
        return {"kiosk_timer": None}
    return {
        "kiosk_timer": {
            "seconds": KIOSK_THANKS_SECONDS if thanks else KIOSK_IDLE_SECONDS,
            "warning": 0 if thanks else IDLE_WARNING_SECONDS,
            "url": _kiosk_start(survey_round, cleared=not thanks),
        }
    }


def _go(outcome: flow.GoTo, state):
    if outcome.state_changed:
        save_state(state)
    if outcome.language in getattr(g, "allowed_languages", ()):
        session["lang"] = outcome.language
    if outcome.step == flow.PAGE:
        return redirect(url_for("respond.page", key=outcome.page_key))
    return redirect(url_for(STEPS[outcome.step]))


def _address() -> str:
    return request.remote_addr or ""


def _kiosk_start(survey_round, cleared: bool) -> str:
    arguments = {"ryddet": "1"} if cleared else {}
    return url_for("respond.enter_kiosk_link", code=survey_round.open_code, **arguments)


def _use_round(survey_round) -> None:
    """The page header names the round's sender and offers only the round's languages."""
    g.allowed_languages = citizen_languages(survey_round)
    g.survey_round = survey_round


def _after_entry(entry: svc.Entry, kiosk: bool = False):
    if entry.survey_round is not None:
        _use_round(entry.survey_round)
        if kiosk:
            clear_everything()  # whoever used the tablet before: nothing of theirs stays
    if entry.status != "ok":
        template, status = STATUS_PAGES[entry.status]
        if entry.status == "completed":
            clear_state()
        return _render_status(template, status, survey_round=entry.survey_round)
    save_state(entry.state)
    ensure_device()
    if entry.language and "lang" not in request.args:
        session["lang"] = entry.language  # the link opens in the citizen's language
    # The token leaves the address bar at once: no history, referrer or log keeps it.
    arguments = {"ryddet": "1"} if kiosk and request.args.get("ryddet") == "1" else {}
    return redirect(url_for("respond.landing", **arguments), code=303)


def _require_journey():
    state = load_state()
    if state is None:
        abort(_render_status("respond/no_session.html", 404))
    journey = svc.load_journey(state, device_secret())
    if journey is None:
        clear_state()
        abort(_render_status("respond/link_unknown.html", 404))
    _use_round(journey.survey_round)
    if state.kiosk:
        _keep_kiosk_fresh(state, journey.survey_round)
    status = availability(journey.survey_round)
    if status != "open" and not (state.done or svc.invitation_completed(state, journey)):
        template, code = STATUS_PAGES[status]
        abort(_render_status(template, code, survey_round=journey.survey_round))
    return state, journey


def _keep_kiosk_fresh(state, survey_round) -> None:
    """A kiosk state unused for too long is forgotten; a used one is kept a while longer."""
    if state.idle_too_long():
        clear_everything()
        abort(redirect(_kiosk_start(survey_round, cleared=True)))
    save_state(state)


def _render_status(template: str, status: int, survey_round: svc.CitizenRound | None = None):
    """A page that says where a link led (unknown, closed, already answered, ...); one
    that names no round comes from the page cache (survey.web.respond.page_keys)."""
    key = None if survey_round is not None else page_keys.roundless_status_key(template)

    def render(_csrf_token) -> str:  # a status page has no form
        return render_template(template, survey_round=survey_round)

    return make_response(page_cache.render_cached(key, render), status)


def _render_page(journey: svc.Journey, shown: flow.Show, kiosk: bool):
    number, total = journey.progress(shown.page)
    following = svc.neighbour_page(journey.definition, journey.answers, shown.page.key, 1)
    previous = svc.neighbour_page(journey.definition, journey.answers, shown.page.key, -1)
    context = {
        "page": shown.page,
        "number": number,
        "total": total,
        "is_last": following is None,
        "can_go_back": previous is not None and not journey.is_locked(previous),
    }

    def render(csrf_token) -> str:
        items = shown.page.visible_items(journey.answers)
        return render_template(
            "respond/page.html",
            journey=journey,
            items=items,
            answers=shown.answers,
            errors=shown.errors,
            notice=shown.notice,
            csrf_token=csrf_token,
            **context,
        )

    key = page_keys.question_page_key(journey, shown, context, kiosk)
    return page_cache.render_cached(key, render), shown.status
