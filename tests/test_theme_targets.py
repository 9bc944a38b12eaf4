"""Ambition levels for a whole theme: its score per year with a conservative interval."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from statsmodels.stats.proportion import proportion_confint

from survey.comparison.targets import set_target, target_table, theme_keys
from survey.core.extensions import db
from survey.demo.answers import seed_responses
from survey.models import Answer, AuditEvent, Response, Round, Target
from survey.rounds.definition import round_definition


def stored_targets(app) -> list[tuple]:
    """The targets as the database holds them, read in a session of its own."""
    with app.app_context():
        db.session.remove()
        rows = db.session.execute(
            select(
                Target.municipality_code, Target.indicator, Target.year, Target.ambition
            ).order_by(Target.year)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


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
            low, high = proportion_confint(positive, valid, alpha=0.05, method="wilson")
            shares.append(positive / valid)
            lows.append(float(low))
            highs.append(float(high))
            ns.append(valid)
        score = sum(shares) / len(shares)
        low, high = sum(lows) / len(lows), sum(highs) / len(highs)
        ambition = round(low - 0.01, 2)
        set_target(461, "theme:meeting", 2026, ambition)
        set_target(461, "theme:meeting", 2027, 0.5)
        db.session.commit()
    assert stored_targets(app) == [
        (461, "theme:meeting", 2026, ambition),
        (461, "theme:meeting", 2027, 0.5),
    ]
    with app.app_context():
        rows = {row.year: row for row in target_table(461, "theme:meeting")}
        assert rows[2026].ambition == ambition and rows[2027].ambition == 0.5
        assert abs(rows[2026].share - score) < 1e-9
        assert abs(rows[2026].ci[0] - low) < 1e-9 and abs(rows[2026].ci[1] - high) < 1e-9
        assert rows[2026].n == min(ns)
        assert rows[2026].verdict == "met"
        assert rows[2027].verdict is not None and rows[2027].n is None  # no data yet
        # The year says what it rests on: every one of the theme's items this time.
        assert (rows[2026].items_used, rows[2026].items_total) == (len(keys), len(keys))
        assert rows[2027].items_total is None


TARGETS_SECTION = re.compile(r'<section aria-labelledby="targets">(.*?)<form ', re.S)
TARGET_ROW = re.compile(
    r'<tr><th scope="row">(\d+)</th><td class="num">([^<]*)</td>\s*'
    r'<td class="num">([^<]*?)(?: <span class="form-hint">[^<]*</span>)?'
    r'(?:<br><span class="form-hint">[^<]*</span>)?</td>\s*'
    r'<td class="num">([^<]*)</td><td>([^<]*)</td></tr>'
)


def targets_shown(html: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The captions and rows (year, n, share, ambition, verdict) of the ambition tables."""
    section = TARGETS_SECTION.search(html)
    assert section, html
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", section.group(1))
    rows = [
        tuple(" ".join(cell.replace("\xa0", " ").split()) for cell in row)
        for row in TARGET_ROW.findall(section.group(1))
    ]
    return captions, rows


def test_theme_target_can_be_set_from_the_results_page(app, make_round):
    from staff import logged_in, make_user

    round_id = make_round(local=False, state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        survey_round.opens_on = date(2026, 3, 1)
        seed_responses(survey_round, 30, seed=5, positive_share=0.7, first_day=date(2026, 3, 2))
        db.session.commit()
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    analyst = logged_in(app, "analytiker@odense.dk")
    results = f"/results/?round={round_id}"
    page = analyst.get(results).get_data(as_text=True)
    assert 'value="theme:meeting"' in page
    assert "Der er ikke sat ambitionsniveauer." in page
    assert targets_shown(page) == ([], [])
    assert stored_targets(app) == []

    form = {"indicator": "theme:meeting", "year": "2026", "ambition": "70", "back": results}
    response = analyst.post("/results/targets", form)
    assert response.status_code == 302
    assert response.headers["Location"] == results + "#targets"
    assert stored_targets(app) == [(461, "theme:meeting", 2026, 0.7)]

    html = analyst.get(results).get_data(as_text=True)
    assert "Ambitionsniveauet er gemt." in html
    assert "Der er ikke sat ambitionsniveauer." not in html
    captions, rows = targets_shown(html)
    assert captions == ["Tema: Mødet med jobcentret"]
    assert len(rows) == 1 and rows[0][0] == "2026" and rows[0][3] == "70 %", rows
    assert rows[0][1].isdigit() and rows[0][2].endswith("%"), rows  # the year's figure

    # Changed, not added: one row, the new ambition, on the page and in the database.
    response = analyst.post("/results/targets", {**form, "ambition": "75"})
    assert response.status_code == 302
    assert stored_targets(app) == [(461, "theme:meeting", 2026, 0.75)]
    captions, rows = targets_shown(analyst.get(results).get_data(as_text=True))
    assert captions == ["Tema: Mødet med jobcentret"]
    assert [(row[0], row[3]) for row in rows] == [("2026", "75 %")]
    with app.app_context():
        ambitions = db.session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "target.set")
            .order_by(AuditEvent.id)
        ).all()
        assert [event["ambition"] for event in ambitions] == [70, 75]


def test_a_theme_history_says_how_many_of_its_items_it_rests_on(app, make_round):
    from staff import logged_in, make_user

    from survey.models import HistoricalResult

    round_id = make_round(local=False, state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        survey_round.opens_on = date(2026, 3, 1)
        seed_responses(survey_round, 30, seed=5, positive_share=0.7, first_day=date(2026, 3, 2))
        keys = sorted(theme_keys(461, "meeting"))
        # 2019 was measured on one of the theme's items only.
        db.session.add(
            HistoricalResult(
                municipality_code=461,
                compare_key=keys[0],
                period="2019",
                year=2019,
                n=80,
                positive=40,
            )
        )
        set_target(461, "theme:meeting", 2019, 0.4)
        set_target(461, "theme:meeting", 2026, 0.4)
        db.session.commit()
        rows = {row.year: row for row in target_table(461, "theme:meeting")}
        assert (rows[2019].items_used, rows[2019].items_total) == (1, len(keys))
        assert (rows[2026].items_used, rows[2026].items_total) == (len(keys), len(keys))
        assert rows[2019].share == 0.5
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    html = logged_in(app, "analytiker@odense.dk").get(f"/results/?round={round_id}")
    page = html.get_data(as_text=True)
    assert f"1 af {len(keys)} spørgsmål" in page
    assert f"{len(keys)} af {len(keys)} spørgsmål" in page
