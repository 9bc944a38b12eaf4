"""Ambition levels for a whole theme: its score per year with a conservative interval."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from analysis.proportions import wilson_interval
from survey.comparison.targets import set_target, target_table, theme_keys
from survey.core.extensions import db
from survey.demo.answers import seed_responses
from survey.models import Answer, Response, Round
from survey.rounds.definition import round_definition


def test_theme_target_is_judged_by_the_mean_of_item_shares_and_limits(app, make_round):
    round_id = make_round(local=False, state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        survey_round.opens_on = date(2026, 3, 1)
        seed_responses(survey_round, 60, seed=3, positive_share=0.7, first_day=date(2026, 3, 2))
        db.session.commit()
        keys = theme_keys(461, "meeting")
        definition = round_definition(survey_round)
        expected = {
            item.compare_key
            for item in definition.items
            if item.theme == "meeting" and item.type == "likert5"
        }
        assert keys == expected and len(keys) >= 2
        shares, lows, highs, ns = [], [], [], []
        for item in definition.items:
            if item.compare_key not in keys:
                continue
            values = dict(
                db.session.execute(
                    select(Answer.value, func.count())
                    .join(Response, Response.id == Answer.response_id)
                    .where(Response.round_id == round_id, Answer.item_code == item.code)
                    .group_by(Answer.value)
                ).all()
            )
            valid = sum(values.get(v, 0) for v in "12345")
            positive = values.get("4", 0) + values.get("5", 0)
            interval = wilson_interval(positive, valid)
            shares.append(positive / valid)
            lows.append(interval.low)
            highs.append(interval.high)
            ns.append(valid)
        score = sum(shares) / len(shares)
        low, high = sum(lows) / len(lows), sum(highs) / len(highs)
        set_target(461, "theme:meeting", 2026, round(low - 0.01, 2))
        set_target(461, "theme:meeting", 2027, 0.5)
        db.session.commit()
        rows = {row.year: row for row in target_table(461, "theme:meeting")}
        assert abs(rows[2026].share - score) < 1e-9
        assert abs(rows[2026].ci[0] - low) < 1e-9 and abs(rows[2026].ci[1] - high) < 1e-9
        assert rows[2026].n == min(ns)
        assert rows[2026].verdict == "met"
        assert rows[2027].verdict is not None and rows[2027].n is None  # no data yet


def test_theme_target_can_be_set_from_the_results_page(app, make_round):
    from staff import logged_in, make_user

    round_id = make_round(local=False, state="closed")
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={round_id}").get_data(as_text=True)
    assert 'value="theme:meeting"' in page
    response = analyst.post(
        "/results/targets",
        {
            "indicator": "theme:meeting",
            "year": "2026",
            "ambition": "70",
            "back": f"/results/?round={round_id}",
        },
    )
    assert response.status_code == 302
    html = analyst.get(f"/results/?round={round_id}").get_data(as_text=True)
    assert "Tema: Mødet med jobcentret" in html
