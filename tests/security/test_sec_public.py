"""Attacks on the public results page: framing it on another site (clickjacking), reading
a figure from fewer than 5 answers, and reaching an unpublished or another town's round."""

from __future__ import annotations

from datetime import date

import pytest
from sec_helpers import seed_responses

from survey.core.extensions import db
from survey.models import Municipality

ODENSE, RODOVRE = 461, 175
LIKERT, RARE = "kl.meeting.respect", "kl.meeting.health"


def cli(app, *args):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    return result


@pytest.fixture
def published(app, make_round):
    """An Odense round, published: 20 answered one question, only 3 another."""
    round_id = make_round(ODENSE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    rows = [{"answers": {LIKERT: "4"}} for _ in range(17)]
    rows += [{"answers": {LIKERT: "4", RARE: "5"}} for _ in range(3)]
    seed_responses(app, round_id, rows)
    assert cli(app, "round", "publish", round_id).exit_code == 0
    return round_id


def test_the_page_may_be_framed_by_no_site_unless_the_municipality_names_it(app, client, published):
    path = f"/offentlig/{ODENSE}/{published}"
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"

    assert cli(app, "municipality", "embed-origins", ODENSE, "https://www.odense.dk").exit_code == 0
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.odense.dk;" in policy
    assert "X-Frame-Options" not in response.headers  # it cannot name a site; the CSP does
    # Rødovre's pages and every other page still refuse every frame.
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in client.get("/login").headers["Content-Security-Policy"]


def test_a_stored_origin_cannot_inject_a_directive(app, client, published):
    refused = cli(app, "municipality", "embed-origins", ODENSE, "https://x.dk; script-src *")
    assert refused.exit_code != 0
    with app.app_context():  # as if written past the command (an old or edited row)
        db.session.get(Municipality, ODENSE).embed_origins = "https://evil.example; script-src *"
        db.session.commit()
    policy = client.get(f"/offentlig/{ODENSE}/{published}").headers["Content-Security-Policy"]
    assert "evil" not in policy and "script-src *" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_figure_from_fewer_than_5_answers_on_the_page_or_in_its_files(client, published):

    path = f"/offentlig/{ODENSE}/{published}"
    records = client.get(path + ".json").get_json()
    (rare,) = [r for r in records if r["code"] == RARE]
    assert rare["n"] is None and rare["share_positive"] is None and rare["mean"] is None
    assert rare["ci_low"] is None and rare["ci_high"] is None
    (common,) = [r for r in records if r["code"] == LIKERT]
    assert common["n"] == 20 and common["share_positive"] == 1.0
    csv_text = client.get(path + ".csv").get_data(as_text=True)
    (line,) = [line for line in csv_text.splitlines() if f";{RARE};" in line]
    assert line.split(";")[3:] == [""] * 8
    html = client.get(path).get_data(as_text=True)
    assert "100 %" not in html.split("Jobcentret tager hensyn til mit helbred")[1][:400]


def test_unpublished_and_other_towns_rounds_do_not_exist_here(app, client, make_round, published):
    other = make_round(RODOVRE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    for path in (
        f"/offentlig/{RODOVRE}/{published}",  # Odense's round under Rødovre's code
        f"/offentlig/{RODOVRE}/{other}",  # not published
        f"/offentlig/{ODENSE}/{other}",
        f"/offentlig/{ODENSE}/{published + 1000}",
    ):
        for suffix in ("", ".csv", ".json"):
            assert client.get(path + suffix).status_code == 404, path + suffix
