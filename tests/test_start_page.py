"""The start page per role (issue 17): statuses in words, counts, a chart that leaves out
days under 5, what to do next; analysts land on their latest results."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from staff import close_rounds, logged_in, make_user, text_of

from survey.core.extensions import db
from survey.models import Response, Round
from survey.models.base import random_id, today
from survey.rounds.status import round_status_of


@pytest.fixture
def people(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "analytiker@odense.dk", "analyst", 461)
    make_user(app, "admin@rodovre.dk", "admin", 175)


def completed(app, round_id: int, per_day: dict, channel: str = "invitation") -> None:
    with app.app_context():
        for day, count in per_day.items():
            for _ in range(count):
                db.session.add(
                    Response(
                        id=random_id(),
                        round_id=round_id,
                        channel=channel,
                        completed=True,
                        started_on=day,
                        completed_on=day,
                    )
                )
        db.session.commit()


def status_text(app, round_id: int, on=None) -> tuple[str, str]:
    with app.app_context(), app.test_request_context(), force_locale("da"):
        status = round_status_of(db.session.get(Round, round_id), on)
        return status.key, status.text


def test_statuses_say_what_citizens_meet_today(app, make_round):
    now = today()
    tomorrow = now + timedelta(days=1)
    planned = make_round(local=False, opens_on=tomorrow, closes_on=now + timedelta(days=30))
    key, text = status_text(app, planned)
    assert key == "planned" and text.startswith("Planlagt – åbner ")
    # The example: a round opened before its start date is not "Åben".
    assert "Åben" not in text
    running = make_round(local=False, opens_on=now, closes_on=now + timedelta(days=12))
    assert status_text(app, running) == ("open", "Åben – lukker om 12 dage")
    last_day = make_round(local=False, closes_on=now + timedelta(days=1))
    assert status_text(app, last_day) == ("open", "Åben – lukker om 1 dag")
    passed = make_round(local=False, closes_on=now + timedelta(days=1))
    assert status_text(app, passed, now + timedelta(days=2)) == ("closed", "Lukket")
    closed = make_round(local=False, state="closed")
    assert status_text(app, closed) == ("closed", "Lukket")
    draft = make_round(local=False, state="draft")
    assert status_text(app, draft)[0] == "draft"
    december = make_round(local=False, state="draft")
    with app.app_context(), app.test_request_context(), force_locale("da"):
        survey_round = db.session.get(Round, december)
        survey_round.opens_on = survey_round.state and today().replace(year=2030, month=12, day=1)
        survey_round.state = "open"
        text = round_status_of(survey_round, today().replace(year=2030, month=11, day=20)).text
        db.session.rollback()
    assert text == "Planlagt – åbner 1. december"


def test_admin_start_page_counts_and_hides_days_under_5(app, make_round, invite, people):
    now = today()
    round_id = make_round(local=False, closes_on=now + timedelta(days=12), title="Forår 2027")
    invite(round_id, 20)
    busy, quiet = now - timedelta(days=2), now - timedelta(days=1)
    completed(app, round_id, {busy: 7, quiet: 3})
    completed(app, round_id, {busy: 2}, channel="open")
    make_round(175, local=False, title="Rødovre hemmelig")
    page = logged_in(app, "admin@odense.dk").get("/admin/").get_data(as_text=True)
    row = text_of(page.split("Forår 2027", 1)[1].split("</tr>", 1)[0])
    assert "Åben – lukker om 12 dage" in row
    assert " 12 " in f" {row} "  # completed answers: 7 + 3 + 2
    assert "Rødovre hemmelig" not in page  # only the municipality's own rounds
    # The chart has one bar: the day with 9; the day with 3 is not drawn.
    chart = page.split('class="day-chart"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r"<rect ", chart)) == 1
    title = text_of(chart.split("<title", 1)[1].split("</title>", 1)[0].split(">", 1)[1])
    assert re.fullmatch(r"Gennemført pr\. dag: \d+\. \w+\.? 9", title), title


def test_chart_under_5_everywhere_is_not_drawn(app, make_round, people):
    round_id = make_round(local=False, title="Lille runde")
    completed(app, round_id, {today(): 4})
    page = logged_in(app, "admin@odense.dk").get("/admin/").get_data(as_text=True)
    assert 'class="day-chart"' not in page
    assert "Ingen dag med 5 eller flere" in page


def test_next_steps_follow_the_status(app, make_round, people):
    make_round(local=False, state="draft", title="Kladden")
    make_round(local=False, opens_on=today() + timedelta(days=3), title="Snart")
    page = text_of(logged_in(app, "admin@odense.dk").get("/admin/").get_data(as_text=True))
    assert "Tilføj lokale spørgsmål, se runden som borger, og åbn den." in page
    assert "Print plakaterne" in page


def test_analyst_lands_on_latest_results_with_report_and_comparison(app, make_round, people):
    spring = make_round(local=False, state="closed", title="Forår 2026")
    autumn = make_round(local=False, state="closed", title="Efterår 2026")
    make_round(local=False, title="Åben runde")
    close_rounds(app, spring, autumn)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get("/admin/").get_data(as_text=True)
    assert "Seneste resultater" in page and "Åben runde" not in page
    assert f'href="/results/?round={autumn}"' in page
    assert f"/results/report.pdf?round={autumn}&amp;against={spring}" in page
    assert f'href="/results/?round={autumn}&amp;against={spring}"' in page
    # Each link leads somewhere that answers.
    assert analyst.get(f"/results/?round={autumn}&against={spring}").status_code == 200


def test_latest_results_go_by_the_time_rounds_ran_not_by_the_order_they_were_made(
    app, make_round, people
):
    """An earlier round entered late (imported, back-filled) has the higher id: it must
    neither come first nor be compared against as if it came after."""
    autumn = make_round(local=False, state="closed", title="Efterår 2026")
    spring = make_round(local=False, state="closed", title="Forår 2025")
    with app.app_context():
        db.session.get(Round, autumn).opens_on = date(2026, 9, 1)
        db.session.get(Round, spring).opens_on = date(2025, 3, 1)
        db.session.commit()
    close_rounds(app, spring, autumn)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get("/admin/").get_data(as_text=True)
    assert page.index("Efterår 2026") < page.index("Forår 2025")
    assert f'href="/results/?round={autumn}&amp;against={spring}"' in page
    assert f"against={autumn}" not in page  # 2025 is never compared against 2026
    picker = analyst.get("/results/").get_data(as_text=True)
    assert picker.index("Efterår 2026") < picker.index("Forår 2025")


def test_rounds_list_says_when_no_dates_are_set(app, make_round, people):
    make_round(local=False, title="Uden datoer")
    page = text_of(logged_in(app, "admin@odense.dk").get("/admin/rounds").get_data(as_text=True))
    assert "Ingen datoer sat" in page and "– – –" not in page
