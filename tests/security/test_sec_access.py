"""Who gets in where: IDOR on /results and its downloads, session fixation, open redirects
and brute-force login.

tests/test_tenancy.py enumerates every /admin route (downloads included: reminders.csv,
qr.svg/png, the send list) for every role, own, foreign and guessed ids. This module does
the same for every /results route; tests/test_auth.py covers session renewal at login,
the common hostile `next` values and both login limits, and this module adds encoded
redirects, a planted CSRF token and citizen state, spoofed X-Forwarded-For and address
rotation.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from sec_helpers import close, data_state, seed_responses
from sqlalchemy import func, select
from staff import PASSWORD, Staff, build, expand
from staff import methods as rule_methods

from survey.core.extensions import db
from survey.models import AuditEvent, Target
from survey.web.auth.views import safe_next

GUESSED = 999999
ANSWERS = {"kl.meeting.welcoming": "4", "kl.overall.comment": "Hemmelig kommentar fra Odense"}


@pytest.fixture
def results_world(app, people, sign_in, make_round):
    """Each municipality has two closed rounds with answers; Odense's have a local question."""
    rounds = {}
    for municipality in (461, 175):
        earlier = make_round(municipality, local=False, title=f"Efterår {municipality}")
        later = make_round(municipality, local=municipality == 461, title=f"Forår {municipality}")
        for round_id in (earlier, later):
            seed_responses(app, round_id, [{"answers": ANSWERS, "benefit_group": "a"}] * 6)
            close(app, round_id)
        rounds[municipality] = (earlier, later)
    return rounds


def results_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith("/results")),
        key=lambda r: r.rule,
    )


def _urls(app, rule, round_id, against=None) -> list[str]:
    urls = []
    for parts in expand(rule, {}):
        fmt = parts.get("fmt")
        if fmt == "pdf":  # the PDF is the HTML through WeasyPrint: same access, slower
            continue
        query = f"?round={round_id}" + (f"&against={against}" if against else "")
        urls.append(build(app, rule, parts) + query)
    return urls


def test_every_results_route_is_known(app):
    found = {(r.endpoint, frozenset(rule_methods(r))) for r in results_rules(app)}
    assert found == {
        ("results.overview", frozenset({"GET"})),
        ("report.download_report", frozenset({"GET"})),
        ("report.download_export", frozenset({"GET"})),
        ("results.save_target", frozenset({"POST"})),
        ("results.publish_round", frozenset({"POST"})),
        ("results.unpublish_round", frozenset({"POST"})),
        ("results.comments", frozenset({"GET"})),
        ("results.comment_review", frozenset({"POST"})),
        ("results.comment_theme", frozenset({"POST"})),
    }


@pytest.mark.parametrize(("viewer", "other"), [(461, 175), (175, 461)])
def test_another_municipalitys_rounds_and_guessed_ids_are_404_on_results_and_downloads(
    app, people, sign_in, results_world, viewer, other
):
    email = {461: people.odense_analyst, 175: people.rodovre_analyst}[viewer]
    analyst = sign_in(email)
    own_earlier, own = results_world[viewer]
    foreign = results_world[other][1]
    checked = 0
    for rule in results_rules(app):
        if "GET" not in rule_methods(rule):
            continue
        mixes = [(foreign, None), (GUESSED, None), (own, foreign), (foreign, own), (own, GUESSED)]
        for round_id, against in mixes:
            if rule.endpoint in ("report.download_export", "results.comments") and against:
                continue  # exports and comments take no second round
            for url in _urls(app, rule, round_id, against):
                response = analyst.get(url)
                assert response.status_code == 404, (url, response.status_code)
                body = response.get_data()
                assert b"Hemmelig kommentar" not in body and b"Efter\xc3\xa5r" not in body
                checked += 1
    assert checked >= 20
    # The picker lists only the viewer's own rounds.
    page = analyst.get("/results/").get_data(as_text=True)
    assert f"Forår {viewer}" in page and f"Forår {other}" not in page
    # The same routes with the viewer's own rounds answer: the 404s are tenancy.
    if viewer == 461:
        for url in (
            f"/results/?round={own}&against={own_earlier}",
            f"/results/report.html?round={own}&against={own_earlier}",
            f"/results/export.csv?round={own}",
        ):
            assert analyst.get(url).status_code == 200, url


def test_roles_and_anonymous_visitors_on_results(app, people, sign_in, results_world):
    own = results_world[461][1]
    operator = sign_in(people.operator)
    visitor = Staff(app)
    for rule in results_rules(app):
        for method in rule_methods(rule):
            for url in _urls(app, rule, own):
                if method == "GET":
                    denied, anonymous = operator.get(url), visitor.get(url)
                else:
                    denied = operator.post(url, {"indicator": "kl.meeting.respect"})
                    anonymous = visitor.post(url, {"indicator": "kl.meeting.respect"})
                assert denied.status_code == 403, (method, url)
                assert anonymous.status_code == 302, (method, url)
                assert anonymous.headers["Location"].startswith("/login?next="), url


def test_ambition_levels_only_for_the_municipalitys_own_questions(
    app, people, sign_in, results_world
):
    rodovre = sign_in(people.rodovre_admin)
    before = data_state(app)
    # Odense's local question is not Rødovre's to set a target for.
    odense_local = "odense.internship.purpose"
    response = rodovre.post(
        "/results/targets", {"indicator": odense_local, "year": "2026", "ambition": "70"}
    )
    assert response.status_code == 302
    assert data_state(app) == before
    response = rodovre.post(
        "/results/targets", {"indicator": "kl.meeting.respect", "year": "2026", "ambition": "70"}
    )
    with app.app_context():
        targets = db.session.execute(select(Target.municipality_code, Target.indicator)).all()
    assert [tuple(t) for t in targets] == [(175, "kl.meeting.respect")]
    # Odense's results page does not show Rødovre's ambition level.
    odense = sign_in(people.odense_analyst)
    page = odense.get(f"/results/?round={results_world[461][1]}").get_data(as_text=True)
    assert "Ingen ambitionsniveauer" in page or "70 %" not in page


# --- sessions -------------------------------------------------------------------------------


def test_a_planted_session_leaves_nothing_behind_after_login(app, people, make_round, invite):
    """Beyond tests/test_auth.py: a CSRF token and a citizen's state planted before the
    login are worthless after it."""
    (token,) = invite(make_round())
    victim = Staff(app)
    victim.client.get(f"/s/{token}")  # a citizen's state in the planted session
    planted_csrf = victim.token()
    before = victim.cookie()
    assert victim.login(people.odense_admin).status_code == 302
    assert victim.cookie() != before
    with victim.client.session_transaction() as session:
        assert "citizen" not in session and "csrf_token" not in session
    # The attacker's copy of the token does not work in the victim's new session.
    response = victim.client.post(
        "/results/targets",
        data={"csrf_token": planted_csrf, "indicator": "kl.meeting.respect", "year": "2026"},
    )
    assert response.status_code == 400
    assert victim.client.get("/svar").status_code == 404
    # And the planted cookie itself is still anonymous.
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert attacker.get("/results/").status_code == 302


ENCODED_NEXT = [
    "%2F%2Fevil.example",
    "%2F%2Fevil.example%2Fadmin",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "https:%2F%2Fevil.example",
    "%68ttps://evil.example",
    "/\u3000/evil.example",
    "/%09/evil.example",
    "/.//evil.example",
    "\u2215\u2215evil.example",
    "／／evil.example",
]


def _assert_stays(location: str) -> None:
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    # Browsers drop ASCII tabs and newlines and trim spaces: "/<tab>/evil" would be "//evil".
    assert not re.match(r"^/[\x00-\x20/\\]", location), location
    # Where a browser goes: resolved against the page, the host stays ours.
    assert urlsplit(urljoin("https://borgerblik.example/login", location)).netloc == (
        "borgerblik.example"
    ), location


def test_encoded_next_values_never_leave_the_site(app, people):
    # As the login view reads them: the query string decoded once.
    for target in ENCODED_NEXT:
        _assert_stays(safe_next(unquote(target)) or "/admin/")
    # And through the login form itself, for the classic four.
    for target in (
        "%2F%2Fevil.example",
        "https:%2F%2Fevil.example",
        "/%5Cevil.example",
        "/.//evil.example",
    ):
        staff = Staff(app)
        response = staff.client.post(
            "/login?next=" + target,
            data={"csrf_token": staff.token(), "email": people.odense_admin, "password": PASSWORD},
        )
        assert response.status_code == 302
        _assert_stays(response.headers["Location"])


# --- brute force -------------------------------------------------------------------------------


def _failures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action == "login.failed"))


def test_spoofed_forwarded_for_does_not_reset_the_address_limit(app, people, monkeypatch):
    # The limit is read per request; a lower one here makes the test quicker, not weaker.
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPTS_PER_ADDRESS", "4 per 10 minutes")
    sprayer = Staff(app, remote_addr="203.0.113.50")
    for number in range(4):
        sprayer.client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        response = sprayer.login(f"gaet{number}@odense.dk", "forkert kodeord her")
        assert response.status_code == 401, number
    sprayer.client.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.77"
    assert sprayer.login(people.odense_admin).status_code == 429
    assert _failures(app) == 4  # the refused attempt never reached the password check


def test_one_account_stays_locked_from_rotating_addresses_and_spellings(app, people):
    spellings = [
        people.rodovre_admin,
        people.rodovre_admin.upper(),
        f" {people.rodovre_admin}",
        f"{people.rodovre_admin}\t",
        people.rodovre_admin.capitalize(),
    ]
    for number, spelling in enumerate(spellings):
        response = Staff(app, remote_addr=f"198.51.100.{number + 10}").login(
            spelling, "forkert kodeord her"
        )
        assert response.status_code == 401
    for number in range(3):
        staff = Staff(app, remote_addr=f"192.0.2.{number + 30}")
        assert staff.login(people.rodovre_admin, PASSWORD).status_code == 429
        assert staff.get("/admin/rounds").status_code == 302
    # Other accounts are not locked by it.
    assert Staff(app, remote_addr="192.0.2.99").login(people.odense_admin).status_code == 302
