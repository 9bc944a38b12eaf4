"""A round's answers counted once into its tally (survey.comparison.tallies), which every
later comparison adds up instead of counting the answers again.

The tally is checked against counts made here from the sheets inserted (collections.
Counter, never Borgerblik's own counting), per background variable, and so are the
counts the comparison reads from it. A tally that is of another rule, short of a deleted
sheet, or behind sheets added since must never reach a figure.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import delete, select, update

from questionnaires import find_questionnaire
from survey.comparison import tallies
from survey.comparison.query import counted_answers
from survey.comparison.service import code_to_key
from survey.comparison.upkeep import keep_up
from survey.core import cursor_reads
from survey.core.extensions import db
from survey.lifecycle.retention import delete_raw_answers
from survey.models import Answer, AnswerTally, Response, Round, RoundTally
from survey.models.background import BACKGROUND_VARIABLES
from survey.rounds.definition import round_definition
from tests.test_theme_means import close, compare_json, insert_sheets, random_sheets
from tests.test_theme_means import make_round as new_round

KL = ("kl-beskaeftigelse", 1)
HEADLINE = "kl.overall.satisfied"


@pytest.fixture
def kl_items():
    return find_questionnaire(*KL).items


def with_comments(sheets: list[dict[str, str]], every: int) -> list[dict[str, str]]:
    """Every `every`th sheet says something in the free-text item, each in its own words."""
    for i, given in enumerate(sheets):
        if i % every == 0:
            given["kl.overall.comment"] = f"Kommentar nummer {i}"
    return sheets


def expected_tally(groups: list[tuple[dict[str, str], dict[str, str]]], text_codes: set[str]):
    """(variable, group, item, value, headline answer) -> answers, counted here from the
    sheets and their backgrounds: a comment counts as "text"."""
    counted: Counter = Counter()
    for given, background in groups:
        headline = given.get(HEADLINE)
        for code, value in given.items():
            value = "text" if code in text_codes else value
            for variable in BACKGROUND_VARIABLES:
                counted[(variable, background.get(variable), code, value, headline)] += 1
    return counted


def kept_tally(app, round_id: int) -> Counter:
    with app.app_context():
        rows = db.session.execute(
            select(
                AnswerTally.variable,
                AnswerTally.grp,
                AnswerTally.item_code,
                AnswerTally.value,
                AnswerTally.headline_value,
                AnswerTally.n,
            ).where(AnswerTally.round_id == round_id)
        ).all()
    counted: Counter = Counter()
    for *key, n in rows:
        counted[tuple(key)] += n
    return counted


def round_tally(app, round_id: int) -> tuple[int, int]:
    with app.app_context():
        kept = db.session.get(RoundTally, round_id)
        return kept.responses, kept.batches


def inserted(app, round_id, sheets, **background):
    insert_sheets(app, round_id, sheets, **background)
    return [(given, background) for given in sheets]


def read_counts(app, round_id: int, by: str | None) -> Counter:
    """What a comparison reads: (item, group, value) -> answers, through `counted_answers`
    with the round's tally, after bringing it up to date as a comparison does."""
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        definition = round_definition(survey_round)
        _kept, rules = keep_up([survey_round])
        text_codes = {item.code for item in definition.items if item.type == "text"}
        counted = counted_answers(
            {round_id: {code: code for code in code_to_key(definition)}},
            by,
            text_codes,
            None,
            {round_id: rules[round_id].text_codes},
        )
        db.session.commit()
    return Counter({(row.item, row.group_value, row.value): row.count for row in counted.rows})


def expected_counts(groups, by: str | None, text_codes: set[str]) -> Counter:
    counted: Counter = Counter()
    for given, background in groups:
        for code, value in given.items():
            value = "text" if code in text_codes else value
            counted[(code, background.get(by) if by else None, value)] += 1
    return counted


def test_a_rounds_first_comparison_counts_its_answers_into_its_tally(app, cli, kl_items):
    round_id = new_round(app, *KL)
    groups = inserted(
        app,
        round_id,
        with_comments(random_sheets(kl_items, 30, seed=21), 4),
        benefit_group="dagpenge",
    )
    groups += inserted(
        app,
        round_id,
        with_comments(random_sheets(kl_items, 12, seed=22), 3),
        benefit_group="kontanthjaelp",
        age_band="30-49",
    )
    groups += inserted(app, round_id, random_sheets(kl_items, 8, seed=23), gender="k")
    close(app, round_id)

    compare_json(cli, round_id)

    assert kept_tally(app, round_id) == expected_tally(groups, {"kl.overall.comment"})
    assert round_tally(app, round_id) == (50, 1)


@pytest.mark.parametrize("by", [None, "benefit_group", "age_band", "gender"])
def test_a_comparison_reads_the_counts_of_the_answers_from_the_tally(app, kl_items, by):
    round_id = new_round(app, *KL)
    groups = inserted(
        app, round_id, with_comments(random_sheets(kl_items, 20, seed=24), 2), benefit_group="a"
    )
    groups += inserted(app, round_id, random_sheets(kl_items, 15, seed=25), age_band="18-29")
    close(app, round_id)

    assert read_counts(app, round_id, by) == expected_counts(groups, by, {"kl.overall.comment"})


def test_a_second_comparison_counts_no_answer_again(app, cli, kl_items):
    round_id = new_round(app, *KL)
    insert_sheets(app, round_id, random_sheets(kl_items, 30, seed=26))
    close(app, round_id)
    first = compare_json(cli, round_id)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    with app.app_context():
        cursor_reads.listen(db.engine, "before_cursor_execute", seen)
        try:
            second = compare_json(cli, round_id)
        finally:
            cursor_reads.remove(db.engine, "before_cursor_execute", seen)
    assert second == first and statements
    assert not [s for s in statements if "JOIN answer" in s or "FROM answer " in s]
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    # what the summaries and the tally lack was counted in one scan of the responses
    checks = [s for s in statements if "summary_digest" in s or "tally_digest" in s]
    assert len(checks) == 1 and "summary_digest" in checks[0] and "tally_digest" in checks[0]


def test_sheets_added_after_a_comparison_are_counted_as_a_batch_of_their_own(app, cli, kl_items):
    round_id = new_round(app, *KL)
    groups = inserted(app, round_id, random_sheets(kl_items, 14, seed=27), benefit_group="a")
    close(app, round_id)
    compare_json(cli, round_id)
    # as an import of paper sheets would
    groups += inserted(app, round_id, random_sheets(kl_items, 9, seed=28), benefit_group="b")

    compare_json(cli, round_id)

    assert kept_tally(app, round_id) == expected_tally(groups, {"kl.overall.comment"})
    assert round_tally(app, round_id) == (23, 2)
    assert read_counts(app, round_id, "benefit_group") == expected_counts(
        groups, "benefit_group", {"kl.overall.comment"}
    )


def test_a_round_in_many_batches_is_counted_afresh_into_one(app, kl_items, monkeypatch):
    monkeypatch.setattr(tallies, "REBUILD_AFTER_BATCHES", 2)
    round_id = new_round(app, *KL)
    groups = []
    close(app, round_id)
    for seed in (29, 30, 31):
        groups += inserted(app, round_id, random_sheets(kl_items, 6, seed=seed), age_band="50-64")
        read_counts(app, round_id, None)
    assert round_tally(app, round_id) == (18, 1)
    assert kept_tally(app, round_id) == expected_tally(groups, {"kl.overall.comment"})


def test_a_deleted_sheet_has_the_round_counted_afresh(app, cli, kl_items):
    round_id = new_round(app, *KL)
    groups = inserted(app, round_id, random_sheets(kl_items, 16, seed=32), benefit_group="a")
    close(app, round_id)
    compare_json(cli, round_id)
    with app.app_context():  # one sheet goes, answers and all (no code path of ours does this)
        gone = db.session.scalar(
            select(Response.id)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == round_id, Answer.item_code == HEADLINE)
            .limit(1)
        )
        headline_gone = db.session.scalar(
            select(Answer.value).where(Answer.response_id == gone, Answer.item_code == HEADLINE)
        )
        gone_answers = dict(
            db.session.execute(
                select(Answer.item_code, Answer.value).where(Answer.response_id == gone)
            ).all()
        )
        db.session.execute(delete(Answer).where(Answer.response_id == gone))
        db.session.execute(delete(Response).where(Response.id == gone))
        db.session.commit()
    remaining = list(groups)
    remaining.remove(next(g for g in groups if g[0] == gone_answers))
    assert headline_gone == gone_answers[HEADLINE]

    assert read_counts(app, round_id, "benefit_group") == expected_counts(
        remaining, "benefit_group", {"kl.overall.comment"}
    )
    assert round_tally(app, round_id) == (15, 1)
    assert kept_tally(app, round_id) == expected_tally(remaining, {"kl.overall.comment"})


def test_a_tally_of_another_rule_never_reaches_a_figure(app, cli, kl_items):
    round_id = new_round(app, *KL)
    groups = inserted(app, round_id, random_sheets(kl_items, 20, seed=33), benefit_group="a")
    close(app, round_id)
    compare_json(cli, round_id)
    with app.app_context():  # counted by an earlier rule: every count off by one
        db.session.execute(update(AnswerTally).values(n=AnswerTally.n + 1))
        db.session.execute(update(RoundTally).values(digest="other"))
        db.session.execute(update(Response).values(tally_digest="other"))
        db.session.commit()

    assert read_counts(app, round_id, "benefit_group") == expected_counts(
        groups, "benefit_group", {"kl.overall.comment"}
    )
    assert round_tally(app, round_id) == (20, 1)


def test_counts_of_another_free_text_rule_are_counted_from_the_answers(app, kl_items):
    round_id = new_round(app, *KL)
    groups = inserted(app, round_id, random_sheets(kl_items, 12, seed=34), benefit_group="a")
    close(app, round_id)
    read_counts(app, round_id, None)
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        definition = round_definition(survey_round)
        folded = {"kl.overall.comment", HEADLINE}  # an earlier round asked it in words
        counted = counted_answers(
            {round_id: {code: code for code in code_to_key(definition)}},
            None,
            folded,
            None,
            {round_id: {"kl.overall.comment"}},
        )
    got = Counter({(row.item, row.group_value, row.value): row.count for row in counted.rows})
    assert got == expected_counts(groups, None, folded)


def test_deleting_a_rounds_raw_answers_deletes_its_tally(app, cli, kl_items):
    round_id = new_round(app, *KL)
    insert_sheets(app, round_id, random_sheets(kl_items, 10, seed=35))
    close(app, round_id)
    compare_json(cli, round_id)
    with app.app_context():
        assert db.session.scalar(select(AnswerTally.id).limit(1))
        delete_raw_answers(db.session.get(Round, round_id))
        db.session.commit()
        assert db.session.scalar(select(AnswerTally.id).limit(1)) is None
        assert db.session.get(RoundTally, round_id) is None
