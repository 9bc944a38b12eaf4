"""Publishing a round: `round publish` prints the public address last, the page needs no
login and has CSV and JSON of its tables, and `round unpublish` takes it down."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from survey.core.extensions import db
from survey.models import AuditEvent, Round

ODENSE = 461


@pytest.fixture
def rounds(app, make_round):
    from survey.demo.answers import seed_responses

    earlier = make_round(title="Forår 2025", state="closed", opens_on=date(2025, 3, 1))
    current = make_round(title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    still_open = make_round(title="Efterår 2026", state="open", opens_on=date(2026, 9, 1))
    with app.app_context():
        for round_id, seed in ((earlier, 1), (current, 2), (still_open, 3)):
            seed_responses(
                db.session.get(Round, round_id),
                60,
                seed=seed,
                positive_share=0.6,
                first_day=date(2026, 3, 2),
            )
        db.session.commit()
    return {"earlier": earlier, "current": current, "open": still_open}


def cli(app, *args, ok: bool = True):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def test_publish_prints_the_address_and_the_page_needs_no_login(app, client, rounds):
    current, earlier = rounds["current"], rounds["earlier"]
    anonymous = app.test_client()
    path = f"/offentlig/{ODENSE}/{current}"
    assert anonymous.get(path).status_code == 404
    output = cli(app, "round", "publish", current, "--against", earlier).output
    address = output.strip().splitlines()[-1]
    assert address.endswith(path) and address.startswith(app.config["PUBLIC_BASE_URL"])
    page = anonymous.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Forår 2026" in html and "Forår 2025" in html
    assert 'role="img"' in html and "<desc" in html  # charts with text alternatives
    assert "<caption" in html and 'scope="col"' in html
    assert html.count('role="region"') >= 5

    table = list(
        csv.reader(
            io.StringIO(anonymous.get(path + ".csv").get_data(as_text=True)[1:]), delimiter=";"
        )
    )
    assert table[0][:4] == ["theme", "code", "question", "n"]
    disposition = anonymous.get(path + ".csv").headers["Content-Disposition"]
    assert f'filename="resultater_odense_foraar-2026-runde{current}.csv"' in disposition
    records = anonymous.get(path + ".json").get_json()
    assert len(records) == len(table) - 1
    assert records[0]["question"] == table[1][2]

    cli(app, "round", "unpublish", current)
    for suffix in ("", ".csv", ".json"):
        assert anonymous.get(path + suffix).status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        db.session.remove()
    assert "round.publish" in actions and "round.unpublish" in actions


def test_an_open_round_is_not_published(app, rounds):
    result = cli(app, "round", "publish", rounds["open"], ok=False)
    assert result.exit_code != 0 and "closed" in result.output
    assert app.test_client().get(f"/offentlig/{ODENSE}/{rounds['open']}").status_code == 404


def test_an_analyst_publishes_and_unpublishes_on_the_results_page(app, rounds):
    from staff import logged_in, make_user

    current, earlier = rounds["current"], rounds["earlier"]
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    make_user(app, "analytiker@rk.dk", "analyst", 175)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={current}&against={earlier}").get_data(as_text=True)
    assert "Offentliggør, sammenlignet med Forår 2025" in page
    path = f"/offentlig/{ODENSE}/{current}"
    other = logged_in(app, "analytiker@rk.dk")
    assert other.post("/results/publish", {"round": current}).status_code == 404
    assert analyst.post("/results/publish", {"round": current}, csrf=False).status_code == 400
    assert app.test_client().get(path).status_code == 404
    response = analyst.post("/results/publish", {"round": current, "against": earlier})
    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 200
    page = analyst.get(f"/results/?round={current}").get_data(as_text=True)
    assert path in page
    analyst.post("/results/unpublish", {"round": current})
    assert app.test_client().get(path).status_code == 404
