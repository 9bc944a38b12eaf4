"""Citizen routes. Thin: read input, call the service, commit once, render or redirect."""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, url_for

from survey.extensions import db
from survey.i18n import current_language
from survey.respond import bp
from survey.respond import service as svc
from survey.respond.answers import TamperedPost, read_page_post
from survey.respond.state import clear_state, load_state, save_state
from survey.rounds import availability

STATUS_PAGES = {
    "unknown": ("respond/link_unknown.html", 404),
    "not_open": ("respond/not_open.html", 403),
    "closed": ("respond/closed.html", 410),
    "completed": ("respond/already_answered.html", 200),
}


@bp.get("/s/<token>")
def enter_invitation(token: str):
    entry = svc.enter_invitation(token)
    return _after_entry(entry)


@bp.get("/o/<code>")
def enter_open_link(code: str):
    entry = svc.enter_open_link(code, load_state())
    return _after_entry(entry)


@bp.get("/svar")
def landing():
    state, journey = _require_journey()
    if svc.invitation_completed(state):
        return redirect(url_for("respond.thanks"))
    return render_template("respond/landing.html", journey=journey)


@bp.post("/svar/start")
def start():
    state, journey = _require_journey()
    if svc.invitation_completed(state):
        return redirect(url_for("respond.thanks"))
    if journey.response is None:
        journey.response = svc.start_response(journey.survey_round, state, current_language())
        db.session.commit()
    return redirect(url_for("respond.page", key=journey.resume_page().key))


@bp.route("/svar/side/<key>", methods=["GET", "POST"])
def page(key: str):
    state, journey = _require_journey()
    if journey.response is None:
        if svc.invitation_completed(state):
            return redirect(url_for("respond.thanks"))
        if request.method == "POST" and state.channel == "open":
            # Only a second "Send" racing the first gets here: the sheet was completed and
            # its resume hash erased, and this request carried the cookie from before.
            state.done = True
            save_state(state)
            return redirect(url_for("respond.thanks"))
        return redirect(url_for("respond.landing"))
    visible = {p.key: p for p in journey.definition.visible_pages(journey.answers)}
    current = visible.get(key)
    if current is None:
        if request.method == "POST":
            raise TamperedPost("post to a page that is not shown")
        return redirect(url_for("respond.page", key=journey.resume_page().key))
    if request.method == "GET":
        return _render_page(journey, current, journey.answers, {})
    posted = read_page_post(current, request.form, journey.answers)
    if posted.errors:
        shown = {**journey.answers, **{k: v for k, v in posted.values.items() if v is not None}}
        for code, value in posted.values.items():
            if value is None:
                shown.pop(code, None)
        return _render_page(journey, current, shown, posted.errors), 422
    answers = svc.save_page_answers(
        journey.response, journey.definition, current, posted.values, current_language()
    )
    step = -1 if posted.action == "back" else 1
    target = svc.neighbour_page(journey.definition, answers, current.key, step)
    if target is None and step > 0:
        svc.complete_response(journey.response, state)
        db.session.commit()
        state.done = True
        save_state(state)
        return redirect(url_for("respond.thanks"))
    target = target or current
    journey.response.current_page = target.key
    db.session.commit()
    return redirect(url_for("respond.page", key=target.key))


@bp.get("/svar/tak")
def thanks():
    state = load_state()
    if state is None:
        return render_template("respond/no_session.html"), 404
    journey = svc.load_journey(state)
    if journey is None or not svc.invitation_completed(state):
        return redirect(url_for("respond.landing"))
    g.allowed_languages = tuple(journey.survey_round.languages)
    g.survey_round = journey.survey_round
    return render_template("respond/thanks.html", journey=journey)


def _after_entry(entry: svc.Entry):
    if entry.survey_round is not None:
        g.allowed_languages = tuple(entry.survey_round.languages)
        g.survey_round = entry.survey_round
    if entry.status != "ok":
        template, status = STATUS_PAGES[entry.status]
        if entry.status == "completed":
            clear_state()
        return render_template(template, survey_round=entry.survey_round), status
    save_state(entry.state)
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
    g.allowed_languages = tuple(journey.survey_round.languages)
    g.survey_round = journey.survey_round
    status = availability(journey.survey_round)
    if status != "open" and not (state.done or svc.invitation_completed(state)):
        template, code = STATUS_PAGES[status]
        abort(_render_status(template, code, survey_round=journey.survey_round))
    return state, journey


def _render_status(template: str, status: int, **context):
    return make_response(render_template(template, **context), status)


def _render_page(journey: svc.Journey, current, answers, errors):
    number, total = journey.progress(current)
    return render_template(
        "respond/page.html",
        journey=journey,
        page=current,
        items=current.visible_items(journey.answers),
        answers=answers,
        errors=errors,
        number=number,
        total=total,
        is_last=svc.neighbour_page(journey.definition, journey.answers, current.key, 1) is None,
    )
