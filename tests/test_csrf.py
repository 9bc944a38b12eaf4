"""CSRF: every POST route of the app, citizen and staff, refuses a post without a valid token."""

from __future__ import annotations

import re

from staff import Staff, add_to_round, bank_question, build, fingerprint, logged_in
from staff import make_user as new_user
from staff import methods as rule_methods
from werkzeug.routing.converters import AnyConverter, IntegerConverter

REFUSED_DA = "Formularen var udløbet eller kom ikke fra denne side"


def post_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule_methods(rule)),
        key=lambda rule: rule.rule,
    )


def fill(rule, values: dict) -> list[dict]:
    """Every URL of a rule: known parts from `values`, <any(...)> in every choice, else 1/"x"."""
    combos = [{}]
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices = sorted(converter.items)
        elif name in values:
            choices = [values[name]]
        else:
            choices = [1 if isinstance(converter, IntegerConverter) else "x"]
        combos = [{**combo, name: choice} for combo in combos for choice in choices]
    return combos


# The SMS gateway's delivery receipts come from a server without a session: a JWT signature
# protects them instead (tests/test_delivery.py refuses unsigned and wrongly signed ones).
SIGNED_NOT_CSRF = {"receipts.sms_receipt"}


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(app, make_round, invite, citizen):
    round_id = make_round(local=False, state="draft")
    question = bank_question(app, 461, "Jeg fik hjælp")
    add_to_round(app, round_id, question)
    new_user(app, "admin@odense.dk", "admin", 461)
    analyst = new_user(app, "analytiker@odense.dk", "analyst", 461)
    new_user(app, "drift@kl.dk", "operator")
    admin = logged_in(app, "admin@odense.dk")
    # The admin is also a citizen half-way through a questionnaire in the same browser.
    open_round = make_round(local=False, title="Åben")
    (token,) = invite(open_round)
    admin.client.get(f"/s/{token}")
    assert admin.client.post("/svar/start", data={"csrf_token": admin.token()}).status_code == 302
    foreign = Staff(app).token()  # valid for another browser's session only
    values = {
        "round_id": round_id,
        "question_id": question,
        "user_id": analyst,
        "value_id": 1,
        "key": "meeting",
        "page_key": "meeting",
        "token": token,
        "code": "x",
    }
    before = fingerprint(app)
    routes = set()
    for rule in post_rules(app):
        if rule.endpoint in SIGNED_NOT_CSRF:
            continue
        for parts in fill(rule, values):
            url = build(app, rule, parts)
            for data in ({}, {"csrf_token": foreign}, {"csrf_token": "forged"}):
                form = {"page": "meeting", "action": "next", "email": "x@y.dk", **data}
                response = admin.client.post(url, data=form)
                assert response.status_code == 400, (url, data, response.status_code)
                assert REFUSED_DA in response.get_data(as_text=True), url
            routes.add(rule.endpoint)
    assert fingerprint(app) == before
    assert admin.get("/admin/rounds").status_code == 200  # the refused logout did nothing
    expected = {"auth.login", "auth.logout", "auth.password", "respond.start", "respond.page"}
    assert expected <= routes
    assert {"admin.round_state", "admin.users", "admin.round_invitations"} <= routes
    admin_posts = {r.endpoint for r in post_rules(app) if r.rule.startswith("/admin")}
    assert admin_posts <= routes and len(admin_posts) >= 10


def test_over_https_a_valid_token_also_needs_a_referrer_from_this_site(app, make_round, invite):
    """Flask-WTF's strict referrer check holds for a valid token too (csrf_tokens accepts a
    valid post without Flask-WTF's protect only when the referrer is this site's)."""
    (token,) = invite(make_round(local=False))
    client, https = app.test_client(), "https://localhost"
    assert client.get(f"/s/{token}", base_url=https).status_code == 303
    landing = client.get("/svar", base_url=https).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', landing).group(1)
    for headers in ({}, {"Referer": "https://elsewhere.example/svar"}):
        refused = client.post(
            "/svar/start", data={"csrf_token": csrf}, base_url=https, headers=headers
        )
        assert refused.status_code == 400, headers
    same_site = {"Referer": "https://localhost/svar"}
    accepted = client.post(
        "/svar/start", data={"csrf_token": csrf}, base_url=https, headers=same_site
    )
    assert accepted.status_code == 302
