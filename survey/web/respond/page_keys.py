"""What each cacheable citizen page depends on: its key in survey.web.respond.page_cache.

A key names every input of a page's HTML except the CSRF token (put in per request), or is
None when the page shows something of one citizen that is not worth a cache entry (errors,
saved answers, a kiosk's timer). Every key starts with what the layout shows (base.html:
the sender, the round's languages, the page's language) and the round's identity: its id
and the digest of its frozen snapshot, used only when the parsed questions in hand are the
ones cached under that digest (a snapshot written around the ORM, its digest left behind,
is never cached). So a changed round, a reused round id or another language is another key.
"""

from __future__ import annotations

from collections.abc import Hashable

from flask import g, request, session

from survey.core.i18n import current_language, page_languages
from survey.responding import flow
from survey.responding import journey as svc
from survey.responding.state import CitizenState
from survey.rounds.definition import is_cached_definition


def landing_key(journey: svc.Journey, state: CitizenState, cleared: bool) -> Hashable | None:
    """The landing page's inputs (respond/landing.html). A kiosk's carries its timer and
    the tablet's start link, so it is never cached."""
    layout = _layout(journey, "landing")
    if layout is None or state.kiosk:
        return None
    response = journey.response
    # "Stop and come back" says where to resume: on this phone (open link) or by the link.
    channel = response.channel if response is not None else state.channel
    # "Someone else wants to answer on this phone" posts to the round's open link.
    someone_else = journey.survey_round.open_code if state.channel == "open" and response else None
    nothing_left = journey.forward_only and journey.resume_page() is None
    return (
        *layout,
        cleared,
        response is not None,
        channel == "open",
        journey.forward_only,
        nothing_left,
        someone_else,
    )


def thanks_key(journey: svc.Journey, state: CitizenState) -> Hashable | None:
    """The thank-you page's inputs (respond/thanks.html); a kiosk's goes back to the start
    by itself and is never cached."""
    layout = _layout(journey, "thanks")
    return None if layout is None or state.kiosk else layout


def question_page_key(
    journey: svc.Journey, shown: flow.Show, context: dict, kiosk: bool
) -> Hashable | None:
    """An empty question page's inputs, or None when it shows anything of a citizen.

    A kiosk's page carries its timer (kiosk_timer: on a question page, exactly when the
    state is a kiosk's), so it is never cached; the flag comes from the state the view
    read, not from reading the session again."""
    layout = _layout(journey, "page")
    plain = not (shown.errors or shown.notice or journey.forward_only or kiosk)
    shows_nothing = not any(item.code in shown.answers for item in shown.page.items)
    if layout is None or not (plain and shows_nothing):
        return None
    return (
        *layout,
        shown.page.key,
        context["number"],
        context["total"],
        context["is_last"],
        context["can_go_back"],
    )


def roundless_status_key(template: str) -> Hashable | None:
    """A status page that names no round (a link that leads nowhere, no sheet in this
    browser): the layout alone is its input. Asked for by anyone guessing links, so it is
    worth keeping. Not for a signed-in staff member, whose municipality the header names
    (base.html's sender), nor once a round is in hand (its sender, languages, a kiosk's
    timer)."""
    if getattr(g, "survey_round", None) is not None or "_user_id" in session:
        return None
    return ("status", template, page_languages(), current_language(), request.script_root)


def _layout(journey: svc.Journey, kind: str) -> tuple[Hashable, ...] | None:
    survey_round = journey.survey_round
    digest = survey_round.snapshot_digest
    if digest is None or not is_cached_definition(digest, journey.definition):
        return None
    return (
        kind,
        survey_round.id,
        digest,
        survey_round.municipality.display_service_name,
        tuple(g.allowed_languages),
        current_language(),
        request.script_root,  # every link on the page starts with it
    )
