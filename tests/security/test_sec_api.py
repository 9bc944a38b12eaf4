"""Attacks on the read-only API: no token, a forged or revoked one, another municipality's
token, and figures from fewer than 5 answers asked for through splits and local items."""

from __future__ import annotations

from datetime import date

import pytest
from sec_helpers import seed_responses
from sqlalchemy import select, text

from survey.core.extensions import db
from survey.models import ApiToken

ODENSE, RODOVRE = 461, 175
LIKERT = "kl.meeting.respect"


def token_for(app, municipality: int) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["api-token", "create", "--municipality", str(municipality), "--name", "BI"]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def get(client, path: str, token: str | None = None, raw: str | None = None):
    headers = {}
    if raw is not None:
        headers["Authorization"] = raw
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers)


@pytest.fixture
def two_towns(app, make_round):
    """An Odense round with a group of 3 and a Rødovre round, both closed."""
    odense = make_round(ODENSE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    rodovre = make_round(RODOVRE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    rows = [{"answers": {LIKERT: "4"}, "benefit_group": "dagpenge"} for _ in range(20)]
    rows += [{"answers": {LIKERT: "5"}, "benefit_group": "flexjob"} for _ in range(3)]
    seed_responses(app, odense, rows)
    seed_responses(app, rodovre, [{"answers": {LIKERT: "2"}} for _ in range(12)])
    return odense, rodovre


def test_without_a_valid_token_nothing_is_read(app, client, two_towns):
    odense, _ = two_towns
    token = token_for(app, ODENSE)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in ("/api/v1/rounds", f"/api/v1/rounds/{odense}/comparison", "/api/v1/trends"):
        for headers in (
            {},
            {"raw": "Bearer"},
            {"raw": f"Basic {token}"},
            {"raw": f"Bearer {forged}"},
            {"raw": "Bearer ' OR 1=1 --"},
            {"raw": f"bearer{token}"},
        ):
            response = get(client, path, **headers)
            assert response.status_code == 401, (path, headers)
            assert response.get_json() == {
                "error": "a valid token is required: Authorization: Bearer TOKEN"
            }
    assert get(client, "/api/v1/rounds", token).status_code == 200


def test_a_token_of_one_municipality_reads_nothing_of_another(app, client, two_towns):
    odense, rodovre = two_towns
    rodovre_token = token_for(app, RODOVRE)
    for path in (
        f"/api/v1/rounds/{odense}/comparison",
        f"/api/v1/rounds/{odense}/comparison?by=benefit_group",
        f"/api/v1/rounds/{rodovre}/comparison?against={odense}",
    ):
        response = get(client, path, rodovre_token)
        assert response.status_code == 404, path
        assert "Forår" not in response.get_data(as_text=True)
    listed = get(client, "/api/v1/rounds", rodovre_token).get_json()
    assert [r["id"] for r in listed["items"]] == [rodovre]
    trends = get(client, "/api/v1/trends?per_page=100", rodovre_token).get_json()
    for indicator in trends["items"]:
        for year in indicator["years"]:
            # Rødovre answered 2 to everything: a share above 0 would be Odense's.
            assert year["share"] in (0, None), indicator
    mine = get(client, f"/api/v1/rounds/{rodovre}/comparison", rodovre_token)
    assert mine.status_code == 200


def walk(node, found: list) -> None:
    if isinstance(node, dict):
        if "suppressed" in node and "n" in node:
            found.append(node)
        for value in node.values():
            walk(value, found)
    elif isinstance(node, list):
        for value in node:
            walk(value, found)


def test_no_figure_from_fewer_than_5_answers_is_reachable(app, client, two_towns):
    odense, _ = two_towns
    token = token_for(app, ODENSE)
    body = get(client, f"/api/v1/rounds/{odense}/comparison?by=benefit_group", token).get_json()
    sides: list[dict] = []
    walk(body, sides)
    hidden = [side for side in sides if side["suppressed"]]
    assert hidden, "the group of 3 was not in the answer"
    for side in hidden:
        # No n either: "3 answered" is a figure from 3 answers, and the protecting group's
        # n beside the total's gives the small group's by subtraction.
        assert side["n"] is None
        # an item's side has a share and a positive count, a group's theme mean has neither
        assert side.get("share") is None and side.get("positive") is None
        assert side["mean"] is None and side["ci"] is None
    assert all(side["n"] is None or side["n"] >= 5 for side in sides)
    # The one other group may not give the small one away by subtraction either.
    (item,) = [i for i in body["items"] if i["code"] == LIKERT]
    shown = [g for g in item["groups"] if not g["current"]["suppressed"]]
    assert len(shown) != len(item["groups"]) - 1 or item["current"]["suppressed"]
    for distribution in (i["distribution"] for i in body["items"] if i["current"]["suppressed"]):
        assert all(option["count"] is None for option in distribution)


def test_tokens_are_stored_only_as_keyed_hashes(app, two_towns):
    token = token_for(app, ODENSE)
    with app.app_context():
        stored = db.session.execute(text("SELECT token_hash, name FROM api_token")).all()
        assert stored and all(token not in " ".join(row) for row in stored)
        row = db.session.scalar(select(ApiToken))
        # The hash is keyed (TOKEN_KEY): a plain SHA-256 of the token is not it.
        import hashlib

        assert row.token_hash != hashlib.sha256(token.encode()).hexdigest()
        db.session.remove()
