"""What the comparison keeps of each completed respondent (survey.comparison.summaries):
each theme's sum and count of valid answers, and the headline answer.

The kept sums are checked against sums computed here from the answers inserted, and the
figures read from them against means computed here with statsmodels (never Borgerblik's
own functions). A summary that is missing, of other items, or of other answers must never
reach a figure.
"""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update
from statsmodels.stats.weightstats import DescrStatsW

from questionnaires import find_questionnaire
from survey.comparison import summaries
from survey.core import cursor_reads
from survey.core.extensions import db
from survey.lifecycle.retention import delete_raw_answers
from survey.models import Answer, RespondentThemeSum, Response, Round
from survey.rounds.definition import round_definition
from tests.test_citizen_journey import answer_everything
from tests.test_theme_means import (
    close,
    compare_json,
    expected_theme_mean,
    insert_sheets,
    random_sheets,
)
from tests.test_theme_means import make_round as new_round

KL = ("kl-beskaeftigelse", 1)
HEADLINE = "kl.overall.satisfied"


def mean_items(items) -> dict[str, set[str]]:
    """Per theme, the items a theme mean is of: on a scale with a meaningful mean (local
    questions have no theme mean)."""
    themes: dict[str, set[str]] = {}
    for item in items:
        if item.type in ("likert5", "scale") and item.answer_scale.mean and item.theme != "local":
            themes.setdefault(item.theme, set()).add(item.code)
    return themes


def expected_sums(items, given: dict[str, str]) -> dict[str, tuple[int, int]]:
    """A sheet's (sum, count) per theme of its valid answers (0 is ved ikke), counted here."""
    sums = {}
    for theme, codes in mean_items(items).items():
        values = [int(v) for c, v in given.items() if c in codes and int(v) != 0]
        if values:
            sums[theme] = (sum(values), len(values))
    return sums


def kept(app, round_id: int) -> dict[str, tuple[str | None, str | None, dict]]:
    """Per response of the round: its digest, headline answer and kept theme sums."""
    with app.app_context():
        rows = db.session.execute(
            select(Response.id, Response.summary_digest, Response.headline_value).where(
                Response.round_id == round_id
            )
        ).all()
        sums = db.session.execute(
            select(
                RespondentThemeSum.response_id,
                RespondentThemeSum.theme,
                RespondentThemeSum.total,
                RespondentThemeSum.answers,
            )
        ).all()
    by_response: dict[str, dict] = {}
    for response_id, theme, total, answers in sums:
        by_response.setdefault(response_id, {})[theme] = (total, answers)
    return {r: (digest, headline, by_response.get(r, {})) for r, digest, headline in rows}


def answers_of(app, response_id: str) -> dict[str, str]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Answer.item_code, Answer.value).where(Answer.response_id == response_id)
            ).all()
        )


def theme_figure(data: dict, theme: str) -> dict:
    return next(t for t in data["themes"] if t["theme"] == theme)


@pytest.fixture
def kl_items():
    return find_questionnaire(*KL).items


def test_a_comparison_keeps_every_completed_respondents_sums_and_headline_answer(
    app, cli, kl_items
):
    round_id = new_round(app, *KL)
    insert_sheets(app, round_id, random_sheets(kl_items, 30, seed=3), benefit_group="dagpenge")
    insert_sheets(app, round_id, random_sheets(kl_items, 10, seed=13), age_band="30-49")
    with app.app_context():  # a sheet left half-way is no respondent
        db.session.execute(
            update(Response)
            .where(
                Response.id.in_(select(Response.id).where(Response.round_id == round_id).limit(2))
            )
            .values(completed=False)
        )
        db.session.commit()
    close(app, round_id)
    assert all(digest is None for digest, _h, _s in kept(app, round_id).values())

    compare_json(cli, round_id)

    rows = kept(app, round_id)
    completed = {r for r, (digest, _h, _s) in rows.items() if digest is not None}
    assert len(completed) == 38 and len({rows[r][0] for r in completed}) == 1
    for response_id, (_digest, headline, sums) in rows.items():
        given = answers_of(app, response_id)
        if response_id not in completed:
            assert headline is None and sums == {}
            continue
        assert headline == given.get(HEADLINE)
        assert sums == expected_sums(kl_items, given)
    with app.app_context():  # each kept row carries its response's round and background
        carried = db.session.execute(
            select(Response.id, Response.benefit_group, Response.age_band).where(
                Response.round_id == round_id
            )
        ).all()
        rows_kept = db.session.execute(
            select(
                RespondentThemeSum.response_id,
                RespondentThemeSum.round_id,
                RespondentThemeSum.benefit_group,
                RespondentThemeSum.age_band,
            )
        ).all()
    background = {r: (round_id, group, age) for r, group, age in carried}
    assert rows_kept and all(background[r] == tuple(rest) for r, *rest in rows_kept)


def test_a_second_comparison_writes_nothing(app, cli, kl_items):
    round_id = new_round(app, *KL)
    insert_sheets(app, round_id, random_sheets(kl_items, 20, seed=4))
    close(app, round_id)
    compare_json(cli, round_id)
    writes = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", seen)
        try:
            compare_json(cli, round_id)
        finally:
            cursor_reads.remove(db.engine, "before_cursor_execute", seen)
    assert not [w for w in writes if "respondent_theme_sum" in w or "summary_digest" in w]


def test_sheets_that_arrive_after_a_comparison_are_summarised_at_the_next(
    app, cli, kl_items, monkeypatch
):
    # every summary counts as many, so PostgreSQL's statistics are taken again too
    monkeypatch.setattr(summaries, "STATISTICS_AFTER", 1)
    round_id = new_round(app, *KL)
    first = random_sheets(kl_items, 12, seed=5)
    insert_sheets(app, round_id, first)
    close(app, round_id)
    compare_json(cli, round_id)
    later = random_sheets(kl_items, 9, seed=6)
    insert_sheets(app, round_id, later)  # as an import of paper sheets would

    data = compare_json(cli, round_id)

    mean, ci, n = expected_theme_mean(kl_items, first + later, "meeting")
    figure = theme_figure(data, "meeting")
    assert figure["n"] == n
    assert figure["mean"] == pytest.approx(mean, abs=1e-6)
    assert figure["ci"] == pytest.approx(list(ci), abs=1e-6)


def test_a_summary_of_other_items_or_other_answers_never_reaches_a_figure(app, cli, kl_items):
    round_id = new_round(app, *KL)
    sheets = random_sheets(kl_items, 30, seed=7)
    insert_sheets(app, round_id, sheets)
    close(app, round_id)
    compare_json(cli, round_id)
    with app.app_context():  # kept by an earlier version, of other items: every sum off by 1
        db.session.execute(update(RespondentThemeSum).values(total=RespondentThemeSum.total + 1))
        db.session.execute(
            update(Response).where(Response.round_id == round_id).values(summary_digest="other")
        )
        db.session.commit()

    data = compare_json(cli, round_id)

    for theme in ("meeting", "goals", "conversation"):
        mean, _ci, n = expected_theme_mean(kl_items, sheets, theme)
        figure = theme_figure(data, theme)
        assert (figure["n"], figure["mean"]) == (n, pytest.approx(mean, abs=1e-6))


def test_a_mean_without_an_item_hidden_under_5_answers_is_added_up_from_the_answers(
    app, cli, kl_items
):
    round_id = new_round(app, *KL)
    sheets = random_sheets(kl_items, 25, seed=8)
    hidden = "kl.meeting.health"
    for given in sheets[3:]:
        given.pop(hidden, None)
    sheets[0][hidden] = sheets[1][hidden] = sheets[2][hidden] = "5"
    insert_sheets(app, round_id, sheets)
    close(app, round_id)

    data = compare_json(cli, round_id)

    codes = mean_items(kl_items)["meeting"] - {hidden}
    means = []
    for given in sheets:
        values = [int(v) for c, v in given.items() if c in codes and v != "0"]
        if values:
            means.append(np.mean(values))
    reference = DescrStatsW(np.array(means))
    figure = theme_figure(data, "meeting")
    assert hidden not in figure["mean_items"]
    assert figure["n"] == len(means)
    assert figure["mean"] == pytest.approx(reference.mean, abs=1e-6)


def test_a_citizen_sheet_is_summarised_as_it_is_completed(app, citizen, make_round, invite):
    round_id = make_round()
    (token,) = invite(round_id)
    citizen.open(f"/s/{token}")
    citizen.start()
    answer_everything(citizen, internship=1)

    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        digest = summaries.round_summary(survey_round).digest
        items = round_definition(survey_round).items
    ((response_id, (kept_digest, headline, sums)),) = kept(app, round_id).items()
    given = answers_of(app, response_id)
    assert kept_digest == digest
    assert headline == given[HEADLINE] == "4"
    assert sums == expected_sums(items, given)


def test_deleting_a_rounds_raw_answers_deletes_what_was_kept_of_them(app, cli, kl_items):
    round_id = new_round(app, *KL)
    insert_sheets(app, round_id, random_sheets(kl_items, 10, seed=9))
    close(app, round_id)
    compare_json(cli, round_id)
    with app.app_context():
        assert db.session.scalar(select(RespondentThemeSum.response_id).limit(1))
        delete_raw_answers(db.session.get(Round, round_id))
        db.session.commit()
        assert db.session.scalar(select(RespondentThemeSum.response_id).limit(1)) is None
