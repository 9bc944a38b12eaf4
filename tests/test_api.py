"""The read-only API: tokens from the command line, JSON equal to `results compare --json`,
pagination, OpenAPI, revocation and the rate limit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from survey.core.extensions import db
from survey.models import ApiToken, AuditEvent, Round

ODENSE, RODOVRE = 461, 175


@pytest.fixture
def rounds(app, make_round):
    from survey.demo.answers import seed_responses

    earlier = make_round(title="Forår 2025", state="closed", opens_on=date(2025, 3, 1))
    current = make_round(title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    still_open = make_round(title="Efterår 2026", state="open", opens_on=date(2026, 9, 1))
    rodovre = make_round(RODOVRE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    with app.app_context():
        for round_id, seed in ((earlier, 1), (current, 2), (still_open, 3), (rodovre, 4)):
            seed_responses(
                db.session.get(Round, round_id),
                60,
                seed=seed,
                positive_share=0.6,
                first_day=date(2026, 3, 2),
            )
        db.session.commit()
    return {"earlier": earlier, "current": current, "open": still_open, "rodovre": rodovre}


def cli(app, *args) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def new_token(app, municipality: int = ODENSE, name: str = "Power BI") -> str:
    output = cli(app, "api-token", "create", "--municipality", municipality, "--name", name)
    return output.strip().splitlines()[-1]


def get(client, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


def test_a_token_is_printed_once_and_stored_only_as_a_keyed_hash(app, rounds):
    token = new_token(app)
    assert token.startswith("bb_") and len(token) > 25
    with app.app_context():
        (row,) = db.session.scalars(select(ApiToken)).all()
        assert token not in row.token_hash and len(row.token_hash) == 64
        assert row.municipality_code == ODENSE and row.name == "Power BI"
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert "api_token.create" in actions
        db.session.remove()
    assert token not in cli(app, "api-token", "list", ODENSE)


def test_comparison_json_equals_the_command_line_contract(app, client, rounds):
    token = new_token(app)
    current, earlier = rounds["current"], rounds["earlier"]
    for query, args in (
        ("", ()),
        (f"?against={earlier}", ("--against", earlier)),
        (f"?against={earlier}&by=benefit_group", ("--against", earlier, "--by", "benefit_group")),
    ):
        response = get(client, f"/api/v1/rounds/{current}/comparison{query}", token)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        want = json.loads(cli(app, "results", "compare", current, *args, "--json"))
        assert response.get_json() == want


def test_rounds_are_listed_closed_only_and_paginated(app, client, rounds):
    token = new_token(app)
    first = get(client, "/api/v1/rounds?per_page=1", token).get_json()
    assert first["total"] == 2 and first["pages"] == 2 and first["page"] == 1
    second = get(client, "/api/v1/rounds?per_page=1&page=2", token).get_json()
    ids = [first["items"][0]["id"], second["items"][0]["id"]]
    assert ids == [rounds["current"], rounds["earlier"]]
    assert first["items"][0]["title"] == "Forår 2026"
    assert get(client, "/api/v1/rounds?per_page=1000", token).status_code == 400
    assert get(client, "/api/v1/rounds?page=0", token).status_code == 400


def test_trends_list_each_indicator_year_by_year(app, client, rounds):
    token = new_token(app)
    body = get(client, "/api/v1/trends?per_page=5", token).get_json()
    assert body["total"] > 5 and len(body["items"]) == 5
    years = body["items"][0]["years"]
    assert [y["year"] for y in years] == [2025, 2026]
    assert all({"n", "share", "ci", "suppressed"} <= set(y) for y in years)


def test_an_open_round_has_no_results_here_either(app, client, rounds):
    token = new_token(app)
    response = get(client, f"/api/v1/rounds/{rounds['open']}/comparison", token)
    assert response.status_code == 400 and "error" in response.get_json()
    by_cpr = f"/api/v1/rounds/{rounds['current']}/comparison?by=cpr"
    assert get(client, by_cpr, token).status_code == 400


def test_a_revoked_token_reads_nothing(app, client, rounds):
    token = new_token(app)
    assert get(client, "/api/v1/rounds", token).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        db.session.remove()
    cli(app, "api-token", "revoke", token_id)
    response = get(client, "/api/v1/rounds", token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_read_is_audited_under_the_tokens_name(app, client, rounds):
    token = new_token(app, name="Excel, økonomi")
    get(client, "/api/v1/rounds", token)
    get(client, f"/api/v1/rounds/{rounds['current']}/comparison", token)
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "api.read").order_by(AuditEvent.id)
        ).all()
        assert [e.details["what"] for e in reads] == ["rounds", "comparison"]
        assert {e.actor for e in reads} == {"api:Excel, økonomi"}
        assert {e.municipality_code for e in reads} == {ODENSE}
        db.session.remove()


def test_the_openapi_description_names_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/rounds", "/rounds/{id}/comparison", "/trends"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_requests_beyond_the_rate_limit_are_refused(app, client, rounds):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        token = new_token(app)
        codes = [get(client, "/api/v1/rounds", token).status_code for _ in range(5)]
    finally:
        app.config.pop("API_RATE_LIMIT")
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_an_administrator_creates_and_revokes_a_token_on_the_web(app, client, rounds):
    import re

    from staff import logged_in, make_user

    make_user(app, "admin@odense.dk", "admin", ODENSE)
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    make_user(app, "admin@rk.dk", "admin", RODOVRE)
    admin = logged_in(app, "admin@odense.dk")
    assert admin.post("/admin/api-tokens", {"name": "Power BI"}, csrf=False).status_code == 400
    page = admin.post("/admin/api-tokens", {"name": "Power BI"}).get_data(as_text=True)
    (token,) = re.findall(r'<code class="api-token">([^<]+)</code>', page)
    assert get(client, "/api/v1/rounds", token).status_code == 200
    listing = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert "Power BI" in listing and token not in listing  # shown once only
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        db.session.remove()
    # Another municipality's administrator and an analyst cannot revoke it.
    assert (
        logged_in(app, "admin@rk.dk").post(f"/admin/api-tokens/{token_id}/revoke").status_code
        == 404
    )
    assert logged_in(app, "analytiker@odense.dk").get("/admin/api-tokens").status_code == 403
    assert get(client, "/api/v1/rounds", token).status_code == 200
    assert admin.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 302
    assert get(client, "/api/v1/rounds", token).status_code == 401
