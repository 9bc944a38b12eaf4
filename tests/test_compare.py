"""Comparing rounds on a real database: the JSON contract, the analyst's page, targets.

Rounds are built with real completed responses (a few through the citizen's pages, the
rest inserted directly), and every figure is checked against counts made here from the
answers given, with statsmodels and scipy for the intervals and tests.
"""

from __future__ import annotations

import html
import json
import random
import re
from datetime import date
from html.parser import HTMLParser

import numpy as np
import pytest
from scipy import stats
from scipy.stats.contingency import expected_freq
from sqlalchemy import insert, select
from staff import ITEM_NAME, add_to_round, bank_question, close_rounds, logged_in, make_user
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from analysis.results import ShownSide, Side, SuppressedSide
from analysis.targets import CANNOT_TELL, MET, NO_DATA, NOT_MET, assess
from survey.core.extensions import db
from survey.models import Answer, LocalQuestion, Response, Round, Target
from survey.models.base import random_id
from survey.rounds.definition import round_definition
from survey.rounds.lifecycle import open_round

ODENSE, RODOVRE = 461, 175
SATISFIED = "kl.overall.satisfied"
INTERNSHIP = "kl.progress.internship"
SPRING_2025 = date(2025, 3, 1)

SIDE_KEYS = {
    "n",
    "positive",
    "share",
    "ci",
    "mean",
    "mean_ci",
    "suppressed",
    "suppressed_reason",
    "uncertain",
    "weighted",
    "weighted_reason",
}
CHANGE_KEYS = {"diff", "ci", "ci_adjusted", "level", "p_value", "p_adjusted", "test", "significant"}
ROUND_KEYS = {"id", "title", "completed"}
CONTRACT_ITEM_KEYS = {"code", "text", "theme", "current", "previous", "change", "groups"}
# Beyond the contract: what the pages and the report also need.
EXTRA_ITEM_KEYS = {"compare_key", "type", "source", "benchmark", "distribution", "wording_changed"}
GROUP_KEYS = {"variable", "value", "current", "previous", "change", "vs_rest"}


# --- building rounds ----------------------------------------------------------------------


def items_of(app, round_id: int) -> list:
    with app.app_context():
        return list(round_definition(db.session.get(Round, round_id)).items)


def random_answers(rng: random.Random, items, positive_share: float) -> dict[str, str]:
    """One respondent's answers to a round's items, following its show_if conditions."""
    given: dict[str, str] = {}
    for item in items:
        if not item.is_shown(given):
            continue
        if item.type == "likert5":
            roll = rng.random()
            if roll < 0.08:
                value = "0"
            elif roll < 0.1:
                continue  # skipped
            else:
                value = (
                    rng.choice(("4", "5")) if rng.random() < positive_share else rng.choice("123")
                )
        elif item.type == "yesno":
            value = "1" if rng.random() < 0.4 else "2"
        elif item.type == "text":
            if rng.random() < 0.7:
                continue
            value = "Det var fint."
        else:
            value = str(item.options[0].value)
        given[item.code] = value
    return given


def insert_responses(app, round_id: int, respondents, day: date | None = None) -> None:
    """Completed responses inserted directly: (background, answers) pairs."""
    with app.app_context():
        rows, answers = [], []
        for background, given in respondents:
            response_id = random_id()
            rows.append(
                {
                    "id": response_id,
                    "round_id": round_id,
                    "channel": "open",
                    "ui_language": "da",
                    "completed": True,
                    "started_on": day or date.today(),
                    "completed_on": day or date.today(),
                    **background,
                }
            )
            answers += [
                {"response_id": response_id, "item_code": code, "value": value}
                for code, value in given.items()
            ]
        db.session.execute(insert(Response), rows)
        if answers:
            db.session.execute(insert(Answer), answers)
        db.session.commit()


def answer_as_citizen(citizen, token: str, answers: dict[str, str], finish: bool = True) -> None:
    """A citizen in a browser of their own answers every page shown, through the real forms."""
    assert citizen.open(f"/s/{token}").headers["Location"] == "/svar"
    citizen.start()
    for _ in range(12):
        page = citizen.get().get_data(as_text=True)
        codes = sorted(set(ITEM_NAME.findall(page)))
        response = citizen.post_page({code: answers[code] for code in codes if code in answers})
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak") or not finish:
            return
    raise AssertionError("never reached the thank-you page")


def every(items, value: str, **special: str) -> dict[str, str]:
    """The same answer to every scale item, with some items answered otherwise."""
    answers = {item.code: value for item in items if item.type == "likert5"}
    answers.update(special)
    return answers


# --- what the figures must be, counted here --------------------------------------------


def answered(respondents, code: str, group=...) -> list[str]:
    return [
        given[code]
        for background, given in respondents
        if code in given and (group is ... or background.get("benefit_group") == group)
    ]


def expected_side(item_type: str, values: list[str]) -> dict:
    if item_type == "likert5":
        valid = [int(v) for v in values if v in {"1", "2", "3", "4", "5"}]
        positive = sum(1 for v in valid if v >= 4)
        mean = float(np.mean(valid)) if valid else None
    elif item_type == "yesno":
        valid = [v for v in values if v in {"1", "2"}]
        positive = valid.count("1")
        mean = None
    else:
        return {
            "n": len(values),
            "positive": None,
            "share": None,
            "ci": None,
            "mean": None,
            "mean_ci": None,
            "suppressed": len(values) < 5,
        }
    n = len(valid)
    if n < 5:
        return {
            "n": n,
            "positive": None,
            "share": None,
            "ci": None,
            "mean": None,
            "mean_ci": None,
            "suppressed": True,
        }
    low, high = proportion_confint(positive, n, alpha=0.05, method="wilson")
    mean_ci = None
    if mean is not None:  # the t interval of the mean, from statsmodels
        mean_ci = list(DescrStatsW(np.array(valid, dtype=float)).tconfint_mean(alpha=0.05))
    return {
        "n": n,
        "positive": positive,
        "share": positive / n,
        "ci": [low, high],
        "mean": mean,
        "mean_ci": mean_ci,
        "suppressed": False,
    }


def expected_change(now: dict, before: dict) -> dict | None:
    if before is None or now["suppressed"] or before["suppressed"] or now["positive"] is None:
        return None
    x1, n1, x2, n2 = now["positive"], now["n"], before["positive"], before["n"]
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = proportion_confint(x1, n1, alpha=0.05, method="wilson")
    l2, u2 = proportion_confint(x2, n2, alpha=0.05, method="wilson")
    d = p1 - p2
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    if expected_freq(table).min() < 5:
        p_value, test = stats.fisher_exact(table).pvalue, "fisher"
    else:
        p_value, test = stats.chi2_contingency(table, correction=False).pvalue, "chi2"
    return {
        "diff": d,
        "ci": [d - np.hypot(p1 - l1, u2 - p2), d + np.hypot(u1 - p1, p2 - l2)],
        "p_value": float(p_value),
        "test": test,
        "counts": ((x1, n1), (x2, n2)),
    }


def assert_side(actual: dict, expected: dict | None, where: str) -> None:
    if expected is None:
        assert actual is None, where
        return
    assert set(actual) == SIDE_KEYS, where
    assert actual["n"] == expected["n"], where
    assert actual["suppressed"] is expected["suppressed"], where
    assert actual["positive"] == expected["positive"], where
    for key in ("share", "mean", "mean_ci"):
        if expected.get(key) is None:
            assert actual[key] is None, (where, key)
        else:
            assert actual[key] == pytest.approx(expected[key], abs=1e-6), (where, key)
    if expected["ci"] is None:
        assert actual["ci"] is None, where
    else:
        assert actual["ci"] == pytest.approx(expected["ci"], abs=1e-6), where
        assert actual["ci"][0] <= actual["share"] <= actual["ci"][1]


def assert_changes(items: list[dict], expected: dict[str, dict | None]) -> None:
    """Changes per item, Holm-adjusted across the items of the comparison (statsmodels)."""
    with_change = [item for item in items if expected[item["code"]] is not None]
    raw = [expected[item["code"]]["p_value"] for item in with_change]
    reject, adjusted, _sidak, _bonferroni = multipletests(raw, alpha=0.05, method="holm")
    holm = {
        item["code"]: (float(q), bool(r))
        for item, q, r in zip(with_change, adjusted, reject, strict=True)
    }
    for item in items:
        want = expected[item["code"]]
        change = item["change"]
        if want is None:
            assert change is None, item["code"]
            continue
        assert set(change) == CHANGE_KEYS
        assert change["test"] == want["test"], item["code"]
        assert change["diff"] == pytest.approx(want["diff"], abs=1e-6)
        assert change["ci"] == pytest.approx(want["ci"], abs=1e-6)
        assert change["p_value"] == pytest.approx(want["p_value"], abs=1e-8)
        q, significant = holm[item["code"]]
        assert change["p_adjusted"] == pytest.approx(q, abs=1e-8)
        assert change["significant"] is significant is (q < 0.05)
        # The adjusted interval: Newcombe's (statsmodels) at Holm's step level for this test.
        rank = sorted(raw).index(want["p_value"])
        level = 0.05 / (len(raw) - rank if significant else len(raw) - int(reject.sum()))
        now, before = want["counts"]
        low, high = confint_proportions_2indep(
            now[0], now[1], before[0], before[1], method="newcomb", compare="diff", alpha=level
        )
        assert change["ci_adjusted"] == pytest.approx([low, high], abs=1e-6), item["code"]
        assert change["level"] == pytest.approx(1 - level, abs=1e-8)


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def compare_json(app):
    runner = app.test_cli_runner()

    def run(round_id: int, *options: str) -> dict:
        result = runner.invoke(args=["results", "compare", str(round_id), *options, "--json"])
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.output.strip().splitlines()[-1])

    return run


@pytest.fixture
def two_rounds(app, make_round, invite, citizen):
    """Odense's spring 2025 round (60 inserted answers) and this autumn's round (three
    citizens through the pages, one who gave up half-way, and 40 inserted answers)."""
    previous = make_round(ODENSE, title="Forår 2025", state="closed", opens_on=SPRING_2025)
    current = make_round(ODENSE, title="Efterår 2026")
    items = items_of(app, current)
    rng = random.Random(20261123)

    satisfied_before = ["5"] * 10 + ["4"] * 10 + ["3"] * 15 + ["2"] * 10 + ["1"] * 10 + ["0"] * 5
    groups_before = ["kontanthjaelp"] * 30 + ["dagpenge"] * 20 + ["sygedagpenge"] * 6
    groups_before += ["jobafklaring"] * 4
    rng.shuffle(groups_before)
    before = []
    for satisfied, group in zip(satisfied_before, groups_before, strict=True):
        given = random_answers(rng, items, positive_share=0.5)
        given[SATISFIED] = satisfied
        before.append(({"benefit_group": group}, given))
    insert_responses(app, previous, before, SPRING_2025)

    # Three citizens answer through the pages; a fourth stops after the first page.
    citizens = [
        (
            "kontanthjaelp",
            every(
                items,
                "4",
                **{SATISFIED: "5", "kl.meeting.welcoming": "0", INTERNSHIP: "1"},
                **{"odense.internship.purpose": "5", "odense.internship.treatment": "2"},
            ),
        ),
        ("dagpenge", every(items, "2", **{SATISFIED: "0", INTERNSHIP: "2"})),
        (
            "kontanthjaelp",
            every(items, "5", **{INTERNSHIP: "1", "kl.overall.comment": "Tak for hjælpen"}),
        ),
    ]
    now = []
    for group, answers in citizens:
        (token,) = invite(current, benefit_group=group)
        answer_as_citizen(type(citizen)(app.test_client()), token, answers)
        shown = {
            code: value
            for code, value in answers.items()
            if not code.startswith("odense.") or answers[INTERNSHIP] == "1"
        }
        now.append(({"benefit_group": group}, shown))
    (token,) = invite(current, benefit_group="dagpenge")
    answer_as_citizen(type(citizen)(app.test_client()), token, every(items, "1"), finish=False)

    satisfied_now = ["5"] * 12 + ["4"] * 8 + ["3"] * 6 + ["2"] * 5 + ["1"] * 4 + ["0"] * 5
    groups_now = ["kontanthjaelp"] * 20 + ["dagpenge"] * 12 + ["sygedagpenge"] * 3
    groups_now += ["jobafklaring"] * 2 + [None] * 3
    rng.shuffle(groups_now)
    inserted = []
    for satisfied, group in zip(satisfied_now, groups_now, strict=True):
        given = random_answers(rng, items, positive_share=0.65)
        given[SATISFIED] = satisfied
        inserted.append(({"benefit_group": group}, given))
    insert_responses(app, current, inserted)
    close_rounds(app, current)  # results exist once a round has closed
    return {
        "previous": previous,
        "current": current,
        "items": items,
        "before": before,
        "now": now + inserted,
    }


def test_the_json_contract_and_every_figure(app, compare_json, two_rounds):
    data = compare_json(two_rounds["current"], "--against", str(two_rounds["previous"]))

    assert set(data) == {"round", "against", "by", "items", "themes", "weighting", "drivers"}
    assert data["weighting"] is None  # only with --weighted
    assert data["round"] == {"id": two_rounds["current"], "title": "Efterår 2026", "completed": 43}
    assert data["against"] == {"id": two_rounds["previous"], "title": "Forår 2025", "completed": 60}
    assert set(data["round"]) == set(data["against"]) == ROUND_KEYS
    assert data["by"] is None

    items = two_rounds["items"]
    assert [item["code"] for item in data["items"]] == [item.code for item in items]
    expected_changes = {}
    for item, result in zip(items, data["items"], strict=True):
        assert set(result) == CONTRACT_ITEM_KEYS | EXTRA_ITEM_KEYS
        assert result["text"] == item.text["da"]
        assert result["theme"] == item.theme
        assert result["groups"] == []
        assert result["benchmark"] is None  # no other municipality on the installation
        now = expected_side(item.type, answered(two_rounds["now"], item.code))
        before = expected_side(item.type, answered(two_rounds["before"], item.code))
        assert_side(result["current"], now, item.code)
        assert_side(result["previous"], before, item.code)
        expected_changes[item.code] = (
            expected_change(now, before) if item.type in ("likert5", "yesno") else None
        )
        assert result["wording_changed"] is False
    assert_changes(data["items"], expected_changes)

    by_code = {item["code"]: item for item in data["items"]}
    # Counted by hand from the answers above: 35 valid inserted + 2 citizens (one said
    # "ved ikke"), 20 + 2 positive; before 55 valid (5 "ved ikke"), 20 positive.
    satisfied = by_code[SATISFIED]
    assert (satisfied["current"]["n"], satisfied["current"]["positive"]) == (37, 22)
    assert (satisfied["previous"]["n"], satisfied["previous"]["positive"]) == (55, 20)
    assert satisfied["current"]["share"] == round(22 / 37, 6)
    assert satisfied["change"]["diff"] == pytest.approx(22 / 37 - 20 / 55, abs=1e-6)
    assert satisfied["change"]["test"] == "chi2"
    # The local questions were answered only by the citizens who said yes to an internship.
    purpose = by_code["odense.internship.purpose"]
    asked = answered(two_rounds["now"], "odense.internship.purpose")
    assert purpose["current"]["n"] == len(asked) - asked.count("0")
    # The free-text item: counts only.
    comment = by_code["kl.overall.comment"]
    assert comment["current"]["share"] is None and comment["change"] is None
    assert comment["distribution"] == []


def test_ved_ikke_is_not_a_valid_answer(app, compare_json, make_round):
    round_id = make_round(ODENSE, local=False, state="closed")
    respondents = [({}, {SATISFIED: value}) for value in "0000000000" + "5544321"]
    insert_responses(app, round_id, respondents)
    data = compare_json(round_id)
    (item,) = [i for i in data["items"] if i["code"] == SATISFIED]
    assert item["current"]["n"] == 7
    assert item["current"]["positive"] == 4
    assert item["current"]["mean"] == pytest.approx((5 + 5 + 4 + 4 + 3 + 2 + 1) / 7, abs=1e-6)
    # "ved ikke" is recorded and shown in the distribution, beside the valid answers
    counts = {option["value"]: option["count"] for option in item["distribution"]}
    assert counts == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 2, "0": 10}


def test_four_valid_answers_and_many_ved_ikke_stay_hidden(app, compare_json, make_round):
    round_id = make_round(ODENSE, local=False, state="closed")
    insert_responses(app, round_id, [({}, {SATISFIED: v}) for v in "5541" + "0" * 20])
    (item,) = [i for i in compare_json(round_id)["items"] if i["code"] == SATISFIED]
    assert item["current"] == {
        "n": None,  # "4 answered" would itself be a figure from under 5
        "positive": None,
        "share": None,
        "ci": None,
        "mean": None,
        "mean_ci": None,
        "suppressed": True,
        "suppressed_reason": "too_few",
        "uncertain": False,
        "weighted": None,
        "weighted_reason": None,
    }
    assert all(o["count"] is None and o["share"] is None for o in item["distribution"])


def test_split_by_benefit_group_suppresses_each_group_on_its_own(app, compare_json, two_rounds):
    data = compare_json(
        two_rounds["current"], "--against", str(two_rounds["previous"]), "--by", "benefit_group"
    )
    assert data["by"] == "benefit_group"
    items = {item.code: item for item in two_rounds["items"]}
    values = [None, "dagpenge", "jobafklaring", "kontanthjaelp", "sygedagpenge"]
    checked_secondary = 0
    for result in data["items"]:
        item = items[result["code"]]
        assert {g["value"] for g in result["groups"]} == set(values)
        for side_name, respondents in (("current", "now"), ("previous", "before")):
            total = result[side_name]
            sides = []
            for group in result["groups"]:
                assert set(group) == GROUP_KEYS and group["variable"] == "benefit_group"
                side = group[side_name]
                want = expected_side(
                    item.type, answered(two_rounds[respondents], item.code, group["value"])
                )
                # a hidden side gives no n: it would be a figure from under 5, or give one
                assert side["n"] == (None if side["suppressed"] else want["n"])
                if want["suppressed"]:
                    assert side["suppressed"], (item.code, group["value"])
                if not side["suppressed"]:
                    # shown: its own figures, counted for the group alone
                    assert_side(side, want, f"{item.code} {group['value']}")
                else:
                    assert [side[k] for k in ("positive", "share", "ci", "mean")] == [None] * 4
                sides.append((side | {"n": want["n"]}, want))  # the true n, for the checks
            if total["suppressed"] or item.type == "text":
                continue
            primary = [s for s, w in sides if w["suppressed"] and w["n"] > 0]
            hidden = [s for s, _w in sides if s["suppressed"] and s["n"] > 0]
            # never exactly one hidden group beside a shown total: it could be subtracted
            assert len(hidden) != 1, (item.code, side_name)
            if len(primary) == 1 and any(not s["suppressed"] for s, _w in sides):
                checked_secondary += 1
                assert any(s["suppressed"] and w["n"] >= 5 for s, w in sides)
            if len(hidden) >= 2 and total["positive"] not in (0, total["n"]):
                shown_positive = sum(s["positive"] for s, _w in sides if not s["suppressed"])
                hidden_positive = total["positive"] - shown_positive
                assert 0 < hidden_positive < sum(s["n"] for s in hidden), item.code
        for group in result["groups"]:
            if group["change"] is not None:
                assert not group["current"]["suppressed"]
                assert not group["previous"]["suppressed"]
    assert checked_secondary > 0  # the data above do make a lone small group somewhere

    # A group's changes: Newcombe and the test on the group's own counts, Holm-adjusted
    # across the items within that group (each group its own family of tests).
    group_changes = 0
    for value in values:
        group_items, expected = [], {}
        for result in data["items"]:
            group = next(g for g in result["groups"] if g["value"] == value)
            group_items.append({"code": result["code"], "change": group["change"]})
            expected[result["code"]] = expected_change(group["current"], group["previous"])
        assert_changes(group_items, expected)
        group_changes += sum(change is not None for change in expected.values())
    assert group_changes >= 2 * 14  # kontanthjaelp and dagpenge, every scale item

    satisfied = next(i for i in data["items"] if i["code"] == SATISFIED)
    by_group = {g["value"]: g["current"] for g in satisfied["groups"]}
    # 3 inserted answers each (at most) for sygedagpenge, jobafklaring and no group: hidden
    assert by_group["sygedagpenge"]["suppressed"] and by_group["jobafklaring"]["suppressed"]
    assert by_group[None]["suppressed"]
    assert not by_group["kontanthjaelp"]["suppressed"]


# --- matching across rounds and questionnaire versions ----------------------------------


def test_reworded_local_question_is_matched_and_flagged(app, compare_json, make_round):
    from survey.bank.questions import QuestionDraft, edit_question

    reworded = bank_question(app, ODENSE, "Jeg fik hjælp til at skrive en ansøgning.")
    replaced = bank_question(app, ODENSE, "Jeg ved, hvem jeg skal ringe til.")
    first = make_round(ODENSE, local=False, state="draft", opens_on=SPRING_2025, title="Før")
    add_to_round(app, first, reworded)
    add_to_round(app, first, replaced)
    with app.app_context():
        open_round(db.session.get(Round, first))
        db.session.commit()
        old_reworded = db.session.get(LocalQuestion, reworded)
        old_replaced = db.session.get(LocalQuestion, replaced)
        old_code, replaced_key = old_reworded.code, old_replaced.compare_key

        def draft(text: str) -> QuestionDraft:
            return QuestionDraft(
                texts={"da": text},
                type="likert5",
                options=[],
                max_length=None,
                help=None,
                show_if=None,
            )

        new_reworded = edit_question(old_reworded, draft("Jeg fik god hjælp til min ansøgning."))
        new_replaced = edit_question(
            old_replaced, draft("Jeg ved, hvem der er min sagsbehandler."), comparable=False
        )
        db.session.commit()
        new_ids = (new_reworded.id, new_replaced.id)
        assert new_reworded.version == 2 and new_reworded.compare_key == old_code
        assert new_replaced.compare_key != replaced_key
    second = make_round(ODENSE, local=False, state="draft", title="Efter")
    for question_id in new_ids:
        add_to_round(app, second, question_id)
    with app.app_context():
        open_round(db.session.get(Round, second))
        db.session.commit()

    insert_responses(
        app,
        first,
        [({}, {old_code: "4", replaced_key: "4"})] * 6
        + [({}, {old_code: "1", replaced_key: "1"})] * 6,
        SPRING_2025,
    )
    insert_responses(app, second, [({}, {old_code: "5", replaced_key: "5"})] * 10)
    close_rounds(app, first, second)
    data = compare_json(second, "--against", str(first))
    local = {item["text"]: item for item in data["items"] if item["theme"] == "local"}
    matched = local["Jeg fik god hjælp til min ansøgning."]
    assert matched["wording_changed"] is True
    assert matched["code"] == old_code
    assert (matched["previous"]["n"], matched["previous"]["positive"]) == (12, 6)
    assert (matched["current"]["n"], matched["current"]["positive"]) == (10, 10)
    assert matched["change"]["test"] == "fisher"  # 0 not positive now: expected cells < 5
    table = [[10, 0], [6, 6]]
    assert matched["change"]["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue, abs=1e-8)
    unmatched = local["Jeg ved, hvem der er min sagsbehandler."]
    assert unmatched["previous"] is None and unmatched["change"] is None
    assert unmatched["wording_changed"] is False
    # core items asked in both rounds are matched by compare key, unflagged
    core = next(item for item in data["items"] if item["code"] == SATISFIED)
    assert core["previous"] is not None and core["wording_changed"] is False
    # and the analyst's page says so beside the question, once
    page = odense_analyst(app).get(f"/results/?round={second}&against={first}&lang=en")
    text = page.get_data(as_text=True)
    assert text.count("Worded differently in the earlier round") == 1
    row = next(
        cells
        for table in tables_of(text)
        for _cls, cells in table["rows"]
        if cells and cells[0].startswith("Jeg fik god hjælp")
    )
    assert "Worded differently in the earlier round" in row[0]


def test_rounds_of_another_municipality_cannot_be_compared(app, make_round):
    odense = make_round(ODENSE, local=False)
    rodovre = make_round(RODOVRE, local=False)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["results", "compare", str(odense), "--against", str(rodovre), "--json"]
    )
    assert result.exit_code != 0
    assert "another municipality" in result.output
    assert not result.output.lstrip().startswith("{")
    itself = runner.invoke(args=["results", "compare", str(odense), "--against", str(odense)])
    assert itself.exit_code != 0
    missing = runner.invoke(args=["results", "compare", "999999", "--json"])
    assert missing.exit_code != 0


# --- benchmark ------------------------------------------------------------------------------


def test_benchmark_needs_three_other_municipalities_of_the_same_period(
    app, compare_json, make_round
):
    own = make_round(ODENSE, local=False, state="closed")
    insert_responses(app, own, [({}, {SATISFIED: "4"})] * 6)
    rng = random.Random(7)
    contributions = {}

    def contribute(code: int, count: int, opens_on=None, only_ved_ikke=False) -> None:
        round_id = make_round(
            code, local=False, opens_on=opens_on, title=f"Runde {code}", state="closed"
        )
        answers = [
            (
                {},
                {
                    SATISFIED: "0" if only_ved_ikke else rng.choice("123450"),
                    "kl.meeting.respect": rng.choice("12345"),
                },
            )
            for _ in range(count)
        ]
        insert_responses(app, round_id, answers, opens_on)
        if opens_on is None:
            contributions[code] = answers

    tests: dict[str, dict | None] = {}

    def benchmark(code: str):
        side = next(i for i in compare_json(own)["items"] if i["code"] == code)["benchmark"]
        if side is not None:
            tests[code] = side.pop("vs_benchmark")
        return side

    contribute(101, 9)
    contribute(751, 8)
    contribute(147, 30, opens_on=SPRING_2025)  # another period: not pooled
    assert benchmark(SATISFIED) is None  # two municipalities of the period
    contribute(851, 7, only_ved_ikke=True)  # a third, but with no valid answer to SATISFIED
    assert benchmark(SATISFIED) is None
    pooled = answered(
        [r for answers in contributions.values() for r in answers], "kl.meeting.respect"
    )
    assert_side(benchmark("kl.meeting.respect"), expected_side("likert5", pooled), "benchmark")
    contribute(230, 5)
    pooled = answered([r for answers in contributions.values() for r in answers], SATISFIED)
    assert_side(benchmark(SATISFIED), expected_side("likert5", pooled), "benchmark")
    assert benchmark(SATISFIED)["n"] == sum(1 for v in pooled if v != "0")
    # Own municipality against the pooled others, tested as a change is (scipy); the only
    # item both sides show is one family of one test, so its p is its adjusted p.
    want = expected_change(expected_side("likert5", ["4"] * 6), expected_side("likert5", pooled))
    assert tests["kl.meeting.respect"] is None  # Odense did not answer it: nothing to test
    got = tests[SATISFIED]
    assert set(got) == CHANGE_KEYS
    assert got["diff"] == pytest.approx(want["diff"], abs=1e-6)
    assert got["ci"] == pytest.approx(want["ci"], abs=1e-6)
    assert (got["test"], got["p_value"]) == (want["test"], pytest.approx(want["p_value"]))
    assert got["p_adjusted"] == pytest.approx(want["p_value"])
    assert got["significant"] is (want["p_value"] < 0.05)
    # Other municipalities see the pooled benchmark too, never Odense's own figures alone.
    other = compare_json(next(iter(_rounds_of(app, 101))))
    item = next(i for i in other["items"] if i["code"] == SATISFIED)
    pooled_for_101 = [
        r for code, answers in contributions.items() if code != 101 for r in answers
    ] + [({}, {SATISFIED: "4"})] * 6
    assert item["benchmark"].pop("vs_benchmark") is not None
    assert_side(
        item["benchmark"], expected_side("likert5", answered(pooled_for_101, SATISFIED)), "101"
    )


def _rounds_of(app, municipality: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Round.id).where(Round.municipality_code == municipality))
        )


# --- the analyst's page -----------------------------------------------------------------------


class Tables(HTMLParser):
    """Every <table>: its class, caption and rows of (row class, cell texts)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"class": attrs.get("class", ""), "caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append((attrs.get("class", ""), []))
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(page: str) -> list[dict]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


SHARE_CI = re.compile(r"^(\d+)\s?%(?: yes)?\s\((\d+)–(\d+)\s?%\)")


def n_cell(side: dict) -> str:
    """A side's n as the page shows it: a hidden side has none."""
    return "–" if side["n"] is None else str(side["n"])


def assert_share_cell(cell: str, side: dict) -> None:
    """The page shows the JSON's share and interval, rounded to whole per cents."""
    if side["suppressed"]:
        assert "%" not in cell, cell
        if side["suppressed_reason"] == "protects_other":  # never "under 5" beside n >= 5
            assert cell == "hidden (protects a smaller group)", cell
        else:
            assert cell == "under 5 answers" and side["n"] is None, cell
        return
    if side["share"] is None:  # free text: counts only
        assert cell.split(" | ")[0].split(" n=")[0] == "–", cell
        return
    match = SHARE_CI.match(cell)
    assert match, cell
    share, low, high = (int(g) for g in match.groups())
    assert ("uncertain" in cell) is (side["n"] < 30), cell
    assert abs(share - side["share"] * 100) <= 0.5 + 1e-9, (cell, side)
    assert abs(low - side["ci"][0] * 100) <= 0.5 + 1e-9, (cell, side)
    assert abs(high - side["ci"][1] * 100) <= 0.5 + 1e-9, (cell, side)


def assert_change_cell(cell: str, change: dict | None) -> None:
    """One line: the change, its interval at Holm's level and the verdict never disagree;
    the adjusted p reads "p = 0,18 (adjusted)", never "p=1,000"."""
    if change is None:
        assert cell == "–", cell
        return
    match = re.match(r"^([+-]?\d+) pct\. points \(([+-]\d+) to ([+-]\d+), adjusted\)", cell)
    assert match, cell
    points, low, high = (int(g) for g in match.groups())
    assert abs(points - change["diff"] * 100) <= 0.5 + 1e-9
    assert abs(low - change["ci_adjusted"][0] * 100) <= 0.5 + 1e-9, cell
    assert abs(high - change["ci_adjusted"][1] * 100) <= 0.5 + 1e-9, cell
    first_line = cell.split(" | ")[0]
    assert (" significant" in first_line) is change["significant"], cell
    excludes_zero = change["ci_adjusted"][0] > 0 or change["ci_adjusted"][1] < 0
    assert ("differ at the edge" in first_line) is (excludes_zero != change["significant"])
    p = change["p_adjusted"]
    if p < 0.001:
        assert "p < 0,001 (adjusted)" in cell, cell
    elif p > 0.99:
        assert "p > 0,99 (adjusted)" in cell, cell
    else:
        shown = float(re.search(r"p = (\d+,\d+) \(adjusted\)", cell).group(1).replace(",", "."))
        assert shown == pytest.approx(p, abs=0.005 + 1e-9)
    assert "p=" not in cell


def odense_analyst(app):
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    return logged_in(app, "analytiker@odense.dk")


def test_analyst_page_shows_the_same_figures_as_the_json(app, compare_json, two_rounds):
    current, previous = two_rounds["current"], two_rounds["previous"]
    data = compare_json(
        current, "--against", str(previous), "--by", "benefit_group", "--language", "en"
    )
    analyst = odense_analyst(app)
    response = analyst.get(f"/results/?round={current}&against={previous}&by=benefit_group&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    results_tables = [t for t in tables_of(page) if "results-table" in t["class"]]
    rows = [row for table in results_tables for row in table["rows"] if row[1]]
    header_rows = [row for row in rows if row[1][0] == "Question"]
    assert len(header_rows) == len(results_tables)
    item_rows = [cells for cls, cells in rows if cls != "group-row" and cells[0] != "Question"]
    group_rows = [cells for cls, cells in rows if cls == "group-row"]

    items = [i for i in data["items"]]
    shown_themes = ("meeting", "goals", "conversation", "progression", "overall", "local")
    items.sort(key=lambda i: shown_themes.index(i["theme"]))
    assert [cells[0].split(" | ")[0] for cells in item_rows] == [i["text"] for i in items]
    for cells, item in zip(item_rows, items, strict=True):
        _question, n, share, mean, before, change, bench, rest = cells
        assert rest == ""
        assert n == n_cell(item["current"])
        assert_share_cell(share, item["current"])
        if item["current"]["share"] is not None:  # a yes/no item's share is the share yes
            assert ("% yes (" in share) is (item["type"] == "yesno"), share
        if item["current"]["mean"] is None:
            assert mean == "–"
        else:
            assert float(mean) == pytest.approx(item["current"]["mean"], abs=0.05 + 1e-9)
        assert_share_cell(before, item["previous"])
        if item["previous"]["n"] is None:  # hidden: no n either
            assert "n=" not in before
        else:
            assert f"n={item['previous']['n']}" in before
        assert_change_cell(change, item["change"])
        assert bench == "–"
    expected_groups = [g for item in items for g in item["groups"]]
    assert len(group_rows) == len(expected_groups)
    for cells, group in zip(group_rows, expected_groups, strict=True):
        label, n, share, _mean, _before, change, _bench, rest = cells
        assert label.endswith(group["value"] or "unknown")
        assert n == n_cell(group["current"])
        assert_share_cell(share, group["current"])
        assert_change_cell(change, group["change"])
        assert_change_cell(rest, group["vs_rest"])

    # Every chart is inline SVG with a title and a description stating its figures.
    every_chart = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    charts = [
        c
        for c in every_chart
        if 'aria-labelledby="trend-' not in c and 'aria-labelledby="chart-drivers' not in c
    ]
    # One key-driver chart, stating every shown correlation of the JSON.
    (drivers_chart,) = [c for c in every_chart if 'aria-labelledby="chart-drivers' in c]
    for driver in data["drivers"]:
        if driver["r"] is not None:
            assert f"n={driver['n']})" in drivers_chart
    themes_with_scores = {i["theme"] for i in items if i["type"] in ("likert5", "yesno")}
    assert len(charts) == len(themes_with_scores) >= 5
    # One trend chart per theme, a line per question shown in both rounds (with intervals),
    # its description stating every figure of both rounds.
    both = [
        i
        for i in items
        if i["type"] in ("likert5", "yesno")
        and i["current"]["share"] is not None
        and i["previous"]["share"] is not None
    ]
    trends = {
        re.search(r'aria-labelledby="trend-([^"]+)-title', c).group(1): c
        for c in every_chart
        if 'aria-labelledby="trend-' in c
    }
    assert set(trends) == {i["theme"] for i in both} and "overall" in trends
    for item in both:
        desc = re.search(r"<desc[^>]*>(.+?)</desc>", trends[item["theme"]], flags=re.S).group(1)
        assert item["text"] in html.unescape(desc)
        for side in ("previous", "current"):
            assert f"(n={item[side]['n']})" in desc, (item["code"], side)
    for chart in charts:
        assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="[^"]+"', chart)
        title = re.search(r"<title[^>]*>(.+?)</title>", chart, flags=re.S)
        desc = re.search(r"<desc[^>]*>(.+?)</desc>", chart, flags=re.S)
        assert title and desc
        assert "<style" not in chart and "<script" not in chart
    assert "<img" not in page
    descriptions = " ".join(re.findall(r"<desc[^>]*>(.+?)</desc>", page, flags=re.S))
    for item in items:
        if item["type"] in ("likert5", "yesno") and not item["current"]["suppressed"]:
            assert f"n={item['current']['n']}" in descriptions


def test_another_municipalitys_rounds_do_not_exist_for_an_analyst(app, make_round):
    odense = make_round(ODENSE, local=False, title="Odense efterår", state="closed")
    rodovre = make_round(RODOVRE, local=False, title="Rødovre efterår", state="closed")
    make_user(app, "analytiker@rk.dk", "analyst", RODOVRE)
    analyst = logged_in(app, "analytiker@rk.dk")
    assert analyst.get(f"/results/?round={rodovre}").status_code == 200
    assert analyst.get(f"/results/?round={odense}").status_code == 404
    assert analyst.get(f"/results/?round={rodovre}&against={odense}").status_code == 404
    assert analyst.get(f"/results/?round={odense}&against={rodovre}").status_code == 404
    picker = analyst.get("/results/").get_data(as_text=True)
    assert "Rødovre efterår" in picker and "Odense efterår" not in picker
    # and nobody unauthenticated sees any results
    anonymous = app.test_client().get(f"/results/?round={rodovre}")
    assert anonymous.status_code in (302, 401)


# --- targets --------------------------------------------------------------------------------


def test_targets_year_by_year_with_the_interval_deciding(app, make_round):
    years = {
        2024: ["5"] * 180 + ["2"] * 20,  # 90 %, interval wholly above 75 %: met
        2025: ["4"] * 100 + ["1"] * 100 + ["0"] * 30,  # 50 %: not met
        2026: ["4"] * 15 + ["2"] * 5,  # 75 % of 20: the interval spans 75 %: cannot tell
    }
    rounds = {}
    for year, values in years.items():
        opens_on = date(year, 3, 1) if year < 2026 else None
        state = "closed"  # figures come from closed rounds only
        rounds[year] = make_round(
            ODENSE, local=False, title=f"År {year}", state=state, opens_on=opens_on
        )
        insert_responses(app, rounds[year], [({}, {SATISFIED: v}) for v in values], opens_on)
    analyst = odense_analyst(app)
    back = f"/results/?round={rounds[2026]}&lang=en"
    for year, ambition in ((2024, "75"), (2025, "75"), (2026, "75"), (2027, "80")):
        response = analyst.post(
            "/results/targets",
            {"indicator": SATISFIED, "year": year, "ambition": ambition, "back": back},
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#targets")
    # refused: out of range, unknown question; nothing stored for them
    for bad in (
        {"indicator": SATISFIED, "year": 2028, "ambition": "120"},
        {"indicator": "kl.not.a.question", "year": 2028, "ambition": "50"},
        {"indicator": SATISFIED, "year": 1999, "ambition": "50"},
    ):
        assert analyst.post("/results/targets", {**bad, "back": back}).status_code == 302
    with app.app_context():
        stored = db.session.execute(
            select(Target.year, Target.ambition).where(Target.municipality_code == ODENSE)
        ).all()
    assert sorted(stored) == [(2024, 0.75), (2025, 0.75), (2026, 0.75), (2027, 0.8)]

    page = analyst.get(back).get_data(as_text=True)
    (table,) = [t for t in tables_of(page) if t["caption"].startswith("All in all")]
    rows = [cells for _cls, cells in table["rows"]]
    assert rows[0] == ["Year", "n", "Share positive", "Ambition", "Met?"]
    body = rows[1:]
    assert [int(r[0]) for r in body] == [2024, 2025, 2026, 2027]
    verdicts = {MET: "Met", NOT_MET: "Not met", CANNOT_TELL: "Cannot tell"}
    for cells, year in zip(body, (2024, 2025, 2026), strict=False):
        values = years[year]
        n = sum(1 for v in values if v != "0")
        positive = sum(1 for v in values if v in "45")
        low, high = proportion_confint(positive, n, method="wilson")
        want = MET if low >= 0.75 else NOT_MET if high < 0.75 else CANNOT_TELL
        assert int(cells[1]) == n
        assert cells[2].startswith(f"{round(100 * positive / n)} %")
        assert cells[3] == "75 %"
        assert cells[4].startswith(verdicts[want])
    assert [c[4].split(" (")[0] for c in body[:3]] == ["Met", "Not met", "Cannot tell"]
    assert body[3][1] == "–" and body[3][3] == "80 %" and body[3][4] == "No data"


def test_a_rodovre_analyst_cannot_set_a_target_on_odenses_questions(app, make_round):
    make_round(ODENSE, local=True)
    make_user(app, "analytiker@rk.dk", "analyst", RODOVRE)
    analyst = logged_in(app, "analytiker@rk.dk")
    analyst.post(
        "/results/targets",
        {"indicator": "odense.internship.purpose", "year": 2026, "ambition": "70"},
    )
    with app.app_context():
        assert db.session.scalar(select(Target.id)) is None


def side(low: float, high: float, suppressed: bool = False) -> Side:
    if suppressed:
        return SuppressedSide(3)
    return ShownSide(100, 50, (low + high) / 2, (low, high), None, None)


@pytest.mark.parametrize(
    ("interval", "ambition", "verdict"),
    [
        ((0.75, 0.9), 0.75, MET),  # lower limit exactly at the ambition: met
        ((0.7500001, 0.9), 0.75, MET),
        ((0.7499999, 0.9), 0.75, CANNOT_TELL),
        ((0.6, 0.75), 0.75, CANNOT_TELL),  # upper limit exactly at the ambition: could be met
        ((0.6, 0.7499999), 0.75, NOT_MET),
        ((0.0, 0.2), 0.0, MET),  # an ambition of 0 is always met
        ((0.9, 1.0), 1.0, CANNOT_TELL),  # 100 % can never be shown met by an interval
        ((0.8, 0.99), 1.0, NOT_MET),
    ],
    ids=str,
)
def test_assess_at_the_edges(interval, ambition, verdict):
    assert assess(side(*interval), ambition) == verdict


def test_assess_without_data_and_refusing_a_share_outside_0_and_1():
    assert assess(None, 0.5) == NO_DATA
    assert assess(side(0, 0, suppressed=True), 0.5) == NO_DATA
    for bad in (-0.01, 1.01, 75):
        with pytest.raises(ValueError):
            assess(side(0.4, 0.6), bad)


def test_targets_from_rounds_pool_a_years_rounds(app, make_round):
    from survey.comparison.targets import target_table

    spring = make_round(ODENSE, local=False, state="closed", opens_on=date(2025, 3, 1))
    autumn = make_round(ODENSE, local=False, state="closed", opens_on=date(2025, 9, 1))
    insert_responses(app, spring, [({}, {SATISFIED: v}) for v in "5555511"], date(2025, 3, 1))
    insert_responses(app, autumn, [({}, {SATISFIED: v}) for v in "44222"], date(2025, 9, 1))
    with app.app_context():
        db.session.add(
            Target(municipality_code=ODENSE, indicator=SATISFIED, year=2025, ambition=0.5)
        )
        db.session.commit()
        (row,) = target_table(ODENSE, SATISFIED)
    assert (row.year, row.n) == (2025, 12)
    assert row.share == pytest.approx(7 / 12)
    assert row.ci == pytest.approx(proportion_confint(7, 12, method="wilson"), abs=1e-12)
    assert row.verdict == CANNOT_TELL


def test_a_suppressed_side_cannot_carry_figures():
    """The type keeps a suppressed figure from ever being a number, even by mistake."""
    hidden = SuppressedSide(3)
    assert (hidden.positive, hidden.share, hidden.ci, hidden.mean, hidden.mean_ci) == (None,) * 5
    assert hidden.suppressed is True
    # nor its n: "3 answered" is a figure from under 5 (kept apart, for sums only)
    assert (hidden.n, hidden.answered) == (None, 3)
    assert hidden.to_dict() == {
        "n": None,
        "positive": None,
        "share": None,
        "ci": None,
        "mean": None,
        "mean_ci": None,
        "suppressed": True,
        "suppressed_reason": "too_few",
        "uncertain": False,
        "weighted": None,
        "weighted_reason": None,
    }
    with pytest.raises(TypeError):
        SuppressedSide(3, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        SuppressedSide(n=3, share=0.5)  # type: ignore[call-arg]


# --- trend ----------------------------------------------------------------------------------


def test_trend_over_rounds_and_history_as_json(app, cli, make_round):
    from statsmodels.stats.contingency_tables import Table

    from survey.models import HistoricalResult

    spring = make_round(ODENSE, local=False, state="closed", opens_on=SPRING_2025, title="F25")
    autumn = make_round(ODENSE, local=False, state="closed", opens_on=date(2026, 9, 1))
    insert_responses(app, spring, [({}, {SATISFIED: v}) for v in "5544321" + "0" * 3], SPRING_2025)
    insert_responses(app, autumn, [({}, {SATISFIED: v}) for v in "55554444321"])
    with app.app_context():
        for period, year, n, positive in (("2019", 2019, 40, 14), ("2021H2", 2021, 3, 3)):
            db.session.add(
                HistoricalResult(
                    municipality_code=ODENSE,
                    compare_key=SATISFIED,
                    period=period,
                    year=year,
                    n=n,
                    positive=positive,
                )
            )
        db.session.commit()
    result = cli("results", "trend", "--municipality", "461", "--item", SATISFIED, "--json")
    trend = json.loads(result.output.strip().splitlines()[-1])
    assert set(trend) == {"item", "points", "trend"} and trend["item"] == SATISFIED
    assert [set(p) for p in trend["points"]] == [
        {"round", "period", "n", "positive", "share", "ci"}
    ] * 4
    assert [(p["round"], p["period"], p["n"]) for p in trend["points"]] == [
        (None, "2019", 40),
        (None, "2021H2", None),  # 3 answered: hidden, its n too
        (spring, "2025H1", 7),
        (autumn, "2026H2", 11),
    ]
    hidden = trend["points"][1]
    assert (hidden["positive"], hidden["share"], hidden["ci"]) == (None, None, None)
    shown = [p for p in trend["points"] if p["share"] is not None]
    for point, (positive, n) in zip(shown, [(14, 40), (4, 7), (8, 11)], strict=True):
        assert (point["positive"], point["share"]) == (positive, pytest.approx(positive / n))
        low, high = proportion_confint(positive, n, method="wilson")
        assert point["ci"] == pytest.approx([low, high], abs=1e-6)
    # The test over the shown points (statsmodels' linear-by-linear, N - 1 -> N), at the
    # middle of each period in years.
    scores = np.array([2019.5, 2025.25, 2026.75])
    positives, totals = np.array([14, 4, 8]), np.array([40, 7, 11])
    reference = Table(np.column_stack([totals - positives, positives])).test_ordinal_association(
        row_scores=scores, col_scores=np.array([0, 1])
    )
    z = reference.zscore * np.sqrt(totals.sum() / (totals.sum() - 1))
    assert trend["trend"]["test"] == "cochran_armitage"
    assert trend["trend"]["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-8)
    slope = np.polyfit(scores, positives / totals, 1, w=np.sqrt(totals))[0]
    assert trend["trend"]["slope_per_year"] == pytest.approx(slope, abs=1e-6)
    refused = cli("results", "trend", "--municipality", "461", "--item", "nope", ok=False)
    assert refused.exit_code != 0


def test_report_trends_take_the_comparison_counts_and_count_only_other_rounds(
    app, make_round, monkeypatch
):
    """A report's trends beside its comparison (split by group or not) are the trends
    counted from the database, but only the rounds outside the comparison are counted
    again; a side under 5 answers has no positive count, so its round is counted."""
    import survey.comparison.trend as trend_module
    from survey.comparison.service import build_comparison
    from survey.comparison.trend import counted_by, item_trends

    older = make_round(ODENSE, local=False, state="closed", opens_on=date(2024, 3, 1))
    spring = make_round(ODENSE, local=False, state="closed", opens_on=SPRING_2025)
    autumn = make_round(ODENSE, local=False, state="closed", opens_on=date(2026, 9, 1))
    rng = random.Random(12)

    def respondents(count: int, rare: int = 0):
        return [
            (
                {"benefit_group": rng.choice(["kontanthjaelp", "dagpenge", None])},
                {
                    SATISFIED: rng.choice("0123455"),
                    **({INTERNSHIP: rng.choice("12")} if index < rare else {}),
                },
            )
            for index in range(count)
        ]

    insert_responses(app, older, respondents(40, rare=30), date(2024, 3, 1))
    insert_responses(app, spring, respondents(60, rare=3), SPRING_2025)  # 3: suppressed
    insert_responses(app, autumn, respondents(80, rare=50))
    wanted = [SATISFIED, INTERNSHIP]
    with app.app_context():
        expected = {k: t.to_dict() for k, t in item_trends(ODENSE, wanted).items()}
    counted_rounds = []
    real_rows = trend_module.frequency_rows

    def counting(mapping, *args, **kwargs):
        counted_rounds.append(sorted(mapping))
        return real_rows(mapping, *args, **kwargs)

    monkeypatch.setattr(trend_module, "frequency_rows", counting)
    for by in (None, "benefit_group"):
        with app.app_context():
            comparison = build_comparison(
                db.session.get(Round, autumn), db.session.get(Round, spring), by
            )
            counted = counted_by(comparison)
            assert (spring, INTERNSHIP) not in counted  # 3 answers: no positive count
            assert counted[(autumn, SATISFIED)][0] == "likert5"
            got = {k: t.to_dict() for k, t in item_trends(ODENSE, wanted, counted).items()}
        assert got == expected, by
    # The older round for both items, the spring round for the suppressed item only.
    assert counted_rounds == [sorted([older, spring])] * 2
    with app.app_context():
        comparison = build_comparison(db.session.get(Round, autumn), db.session.get(Round, older))
        counted_rounds.clear()
        assert {
            k: t.to_dict()
            for k, t in item_trends(ODENSE, [SATISFIED], counted_by(comparison)).items()
        } == {SATISFIED: expected[SATISFIED]}
    assert counted_rounds == [[spring]]


# --- weighting for non-response --------------------------------------------------------------


def test_weighted_shares_are_post_stratified_to_the_invited(
    app, cli, compare_json, make_round, tmp_path
):
    """Benefit group weights (age band dropped: one invited cell has no answers), cells
    under 5 answers pooled and joined to the largest, open-link answers left out; checked
    with per-answer weights in statsmodels (weighted mean, Wilson at Kish's n_eff)."""
    from statsmodels.stats.weightstats import DescrStatsW

    round_id = make_round(ODENSE, local=False, state="closed")
    invite_cells(
        app,
        round_id,
        {
            ("kontanthjaelp", "18-29"): 60,
            ("kontanthjaelp", "30-49"): 40,
            ("dagpenge", "30-49"): 100,
            ("sygedagpenge", "30-49"): 20,
        },
    )

    answers = invited_answers
    insert_responses(
        app,
        round_id,
        answers("kontanthjaelp", "18-29", "5552222221")  # 3 of 10 positive; none aged 30-49
        + answers("dagpenge", "30-49", "4" * 30 + "2" * 10)  # 30 of 40
        + answers("sygedagpenge", "30-49", "552")  # 2 of 3: pooled into dagpenge
        + [({}, {SATISFIED: "5"})] * 7,  # open link: left out
    )
    plain = compare_json(round_id)
    assert plain["weighting"] is None
    assert next(i for i in plain["items"] if i["code"] == SATISFIED)["current"]["weighted"] is None
    data = compare_json(round_id, "--weighted")
    assert data["weighting"] == {"current": {"variables": ["benefit_group"], "left_out": 7}}
    item = next(i for i in data["items"] if i["code"] == SATISFIED)
    assert item["current"]["n"] == 60  # the unweighted share keeps every answer
    # Per answer: kontanthjælp's 10 answers stand for 100 invited, dagpenge + sygedagpenge's
    # 43 for 120.
    values = np.array([1] * 3 + [0] * 7 + [1] * 32 + [0] * 11, dtype=float)
    weights = np.array([100 / 10] * 10 + [120 / 43] * 43)
    share = DescrStatsW(values, weights=weights).mean
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    low, high = proportion_confint(share * n_eff, n_eff, method="wilson")
    weighted = item["current"]["weighted"]
    assert weighted["share"] == pytest.approx(share, abs=1e-6)
    assert weighted["n_eff"] == pytest.approx(n_eff, abs=0.01)
    assert weighted["ci"] == pytest.approx([low, high], abs=1e-6)
    # Kish: unequal weights cost precision, so the interval is wider than the plain one
    # would be at the same share.
    assert n_eff < 53
    # The report says the same, and shows who answered against who was invited.
    with app.app_context():
        from survey.models import Invitation

        for group, answered in (("kontanthjaelp", 10), ("dagpenge", 40), ("sygedagpenge", 3)):
            ids = db.session.scalars(
                select(Invitation.id)
                .where(Invitation.round_id == round_id, Invitation.benefit_group == group)
                .order_by(Invitation.id)
                .limit(answered)
            ).all()
            for invitation in ids:
                db.session.get(Invitation, invitation).state = "completed"
        db.session.commit()
    path = tmp_path / "weighted.html"
    cli("report", str(round_id), "--format", "html", "--output", str(path), "--weighted")
    html = " ".join(path.read_text(encoding="utf-8").replace("\xa0", " ").split())
    assert f"vægtet {round(share * 100)} % ({round(low * 100)}–{round(high * 100)} %" in html
    assert "7 svar via det åbne link" in html
    # kontanthjælp: 100 of 220 invited (45 %), 10 of 53 answers (19 %)
    assert '<td class="num">45 %</td><td class="num">19 %</td>' in html
    # The page, asked for weights, shows the same weighted share beside the plain one.
    page = odense_analyst(app).get(f"/results/?round={round_id}&weighted=1&lang=da")
    text = " ".join(page.get_data(as_text=True).replace("\xa0", " ").split())
    assert f"vægtet {round(share * 100)} % ({round(low * 100)}–{round(high * 100)} %" in text
    assert 'id="pick-weighted" name="weighted" value="1" checked' in text


def invite_cells(app, round_id: int, cells: dict[tuple[str, str], int]) -> None:
    """Invitations of a round, so many per (benefit group, age band)."""
    from survey.models import Invitation

    invited = [cell for cell, count in cells.items() for _ in range(count)]
    with app.app_context():
        db.session.execute(
            insert(Invitation),
            [
                {
                    "round_id": round_id,
                    "number": number,
                    "token_hash": f"{round_id:04d}{number:060d}",
                    "state": "issued",
                    "benefit_group": group,
                    "age_band": age,
                }
                for number, (group, age) in enumerate(invited, start=1)
            ],
        )
        db.session.commit()


def invited_answers(group: str, age: str, values: str):
    background = {"channel": "invitation", "benefit_group": group, "age_band": age}
    return [(background, {SATISFIED: v}) for v in values]


def weighted_reference(cells: list[tuple[int, str]]) -> tuple[float, float, list[float]]:
    """(share, Kish n_eff, Wilson interval at n_eff) with per-answer weights: each answer of a
    cell of `invited` people with answers `values` weighs invited / answers (statsmodels)."""
    from statsmodels.stats.weightstats import DescrStatsW

    values, weights = [], []
    for invited, answers in cells:
        valid = [v for v in answers if v != "0"]
        values += [1.0 if v in "45" else 0.0 for v in valid]
        weights += [invited / len(valid)] * len(valid)
    w = np.array(weights)
    share = DescrStatsW(np.array(values), weights=w).mean
    n_eff = w.sum() ** 2 / (w**2).sum()
    low, high = proportion_confint(share * n_eff, n_eff, method="wilson")
    return share, n_eff, [low, high]


def assert_weighted(side: dict, cells: list[tuple[int, str]]) -> None:
    share, n_eff, ci = weighted_reference(cells)
    assert side["weighted_reason"] is None
    assert side["weighted"]["share"] == pytest.approx(share, abs=1e-6)
    assert side["weighted"]["n_eff"] == pytest.approx(n_eff, abs=0.01)
    assert side["weighted"]["ci"] == pytest.approx(ci, abs=1e-6)


def test_weighted_groups_by_age_band_within_and_a_benchmark_weighted_per_municipality(
    app, compare_json, make_round
):
    """A split by benefit group weights each group by age band within it (post-stratified to
    the group's invited), or says why not; the benchmark weights each other municipality's
    answers to its own invited. Checked with per-answer weights (statsmodels), Kish's n_eff
    computed here and Wilson at that n (statsmodels)."""
    own = make_round(ODENSE, local=False, state="closed")
    invite_cells(
        app,
        own,
        {
            ("kontanthjaelp", "18-29"): 60,
            ("kontanthjaelp", "30-49"): 40,
            ("dagpenge", "30-49"): 100,
            ("sygedagpenge", "30-49"): 20,
            ("sygedagpenge", "50-64"): 10,
        },
    )
    insert_responses(
        app,
        own,
        invited_answers("kontanthjaelp", "18-29", "5552222221")
        + invited_answers("kontanthjaelp", "30-49", "54442221")
        + invited_answers("dagpenge", "30-49", "4" * 30 + "2" * 10)
        + invited_answers("sygedagpenge", "30-49", "552222")  # nobody aged 50-64 answered
        + [({}, {SATISFIED: "5"})] * 7,  # open link: no group, nobody invited to weight to
    )
    others = {
        101: ({("kontanthjaelp", "18-29"): 50, ("dagpenge", "30-49"): 50}, ["55222", "444422"]),
        751: (
            {("kontanthjaelp", "18-29"): 30, ("kontanthjaelp", "30-49"): 30},
            ["444442", "22224"],
        ),
        230: ({("dagpenge", "30-49"): 80}, ["4444422222"]),
    }
    for code, (cells, values) in others.items():
        round_id = make_round(code, local=False, state="closed", title=f"Runde {code}")
        invite_cells(app, round_id, cells)
        insert_responses(
            app,
            round_id,
            [r for (g, a), v in zip(cells, values, strict=True) for r in invited_answers(g, a, v)]
            + [({}, {SATISFIED: "5"})] * 5,  # open link: in the plain benchmark only
        )

    data = compare_json(own, "--by", "benefit_group", "--weighted")
    item = next(i for i in data["items"] if i["code"] == SATISFIED)
    groups = {g["value"]: g["current"] for g in item["groups"]}
    assert not any(side["suppressed"] for side in groups.values())
    assert_weighted(groups["kontanthjaelp"], [(60, "5552222221"), (40, "54442221")])
    # One benefit group's invited all in one age band: weighting would change nothing.
    assert groups["dagpenge"]["weighted"] is None
    assert groups["dagpenge"]["weighted_reason"] == "one_cell"
    assert groups["sygedagpenge"]["weighted"] is None
    assert groups["sygedagpenge"]["weighted_reason"] == "cell_without_answers"
    assert groups[None]["weighted"] is None
    assert groups[None]["weighted_reason"] == "no_invitations"
    # The benchmark: cells of (municipality, benefit group, age band), each at its invited.
    benchmark = item["benchmark"]
    assert benchmark["n"] == 6 + 5 + 6 + 5 + 10 + 3 * 5  # the plain share keeps every answer
    assert_weighted(
        benchmark,
        [
            (invited, answers)
            for cells, values in others.values()
            for invited, answers in zip(cells.values(), values, strict=True)
        ],
    )
    # Unweighted, nothing carries a weight or a reason.
    plain = next(
        i for i in compare_json(own, "--by", "benefit_group")["items"] if i["code"] == SATISFIED
    )
    assert all(g["current"]["weighted"] is None for g in plain["groups"])
    assert all(g["current"]["weighted_reason"] is None for g in plain["groups"])
    assert plain["benchmark"]["weighted"] is None

    # A fourth municipality that invited nobody: its answers cannot be weighted, so neither
    # can the benchmark they are pooled into.
    open_only = make_round(147, local=False, state="closed", title="Runde 147")
    insert_responses(app, open_only, [({}, {SATISFIED: "4"})] * 6)
    item = next(i for i in compare_json(own, "--weighted")["items"] if i["code"] == SATISFIED)
    assert item["benchmark"]["weighted"] is None
    assert item["benchmark"]["weighted_reason"] == "no_invitations"


# --- key drivers ----------------------------------------------------------------------------


def test_key_drivers_are_spearman_correlations_with_overall_satisfaction(
    app, compare_json, make_round
):
    """Each scale item against kl.overall.satisfied, "ved ikke" left out pairwise: scipy's
    spearmanr on the answers themselves, the interval by Fisher's z with Bonett and
    Wright's standard error; under 5 pairs nothing."""
    round_id = make_round(ODENSE, local=False, state="closed")
    rng = random.Random(11)
    respondents = []
    for _ in range(80):
        overall = rng.choice("123455")
        respect = str(min(5, max(1, int(overall) + rng.choice((-1, 0, 0, 1)))))
        respondents.append(
            (
                {},
                {
                    SATISFIED: overall if rng.random() > 0.1 else "0",
                    "kl.meeting.respect": respect if rng.random() > 0.1 else "0",
                    "kl.goals.clear": rng.choice("123450"),
                },
            )
        )
    respondents += [({}, {SATISFIED: "4", "kl.meeting.welcoming": v}) for v in "5432"]
    insert_responses(app, round_id, respondents)
    drivers = {d["code"]: d for d in compare_json(round_id)["drivers"]}
    for code in ("kl.meeting.respect", "kl.goals.clear"):
        pairs = [
            (int(a[code]), int(a[SATISFIED]))
            for _b, a in respondents
            if a.get(code, "0") != "0" and a.get(SATISFIED, "0") != "0"
        ]
        x, y = np.array(pairs).T
        rho = stats.spearmanr(x, y).statistic
        n = len(pairs)
        half = 1.959963984540054 * np.sqrt((1 + rho**2 / 2) / (n - 3))
        want = [np.tanh(np.arctanh(rho) - half), np.tanh(np.arctanh(rho) + half)]
        got = drivers[code]
        assert got["n"] == n
        assert got["r"] == pytest.approx(rho, abs=1e-6)
        assert got["ci"] == pytest.approx(want, abs=1e-6)
    assert drivers["kl.meeting.respect"]["r"] > 0.5  # built to go together
    # Four pairs: no figure at all.
    assert drivers["kl.meeting.welcoming"] == {
        "code": "kl.meeting.welcoming",
        "n": 4,
        "r": None,
        "ci": None,
    }
    assert SATISFIED not in drivers
    ordered = [d["r"] for d in compare_json(round_id)["drivers"] if d["r"] is not None]
    assert ordered == sorted(ordered, reverse=True)


def test_groups_periods_and_dates_read_as_words_not_codes(app, two_rounds):
    """Background codes by their maintained labels, half-years and dates in Danish."""
    from survey.models import BackgroundValue

    current, previous = two_rounds["current"], two_rounds["previous"]
    with app.app_context():
        db.session.add_all(
            [
                BackgroundValue(
                    variable="benefit_group",
                    code="kontanthjaelp",
                    label={"da": "Kontanthjælp", "en": "Cash benefit"},
                ),
                BackgroundValue(
                    variable="benefit_group",
                    code="dagpenge",
                    label={"da": "Dagpenge", "en": "Unemployment benefit"},
                ),
            ]
        )
        survey_round = db.session.get(Round, previous)
        survey_round.closes_on = date(2025, 4, 30)
        db.session.commit()
    analyst = odense_analyst(app)
    page = analyst.get(f"/results/?round={current}&by=benefit_group").get_data(as_text=True)
    assert "Ydelsesgruppe: Kontanthjælp" in page and "Ydelsesgruppe: Dagpenge" in page
    assert "Ydelsesgruppe: kontanthjaelp" not in page
    report = analyst.get(f"/results/report.html?round={previous}&by=benefit_group").get_data(
        as_text=True
    )
    report = " ".join(report.replace("\xa0", " ").split())
    assert "Ydelsesgruppe: Kontanthjælp" in report and "Ydelsesgruppe: kontanthjaelp" not in report
    assert "1. marts 2025 – 30. april 2025 (1. halvår 2025)" in report
    assert "2025H1" not in report and "2025-03-01" not in report
    months = "januar februar marts april maj juni juli august september oktober november december"
    assert re.search(rf"\d{{1,2}}\. ({months.replace(' ', '|')}) \d{{4}}", report)


def test_the_picker_offers_only_rounds_that_can_be_compared(app, make_round):
    """Once a round is chosen, "Compare with" lists neither the round itself nor a round of
    another questionnaire; asked for anyway, the page keeps the round and says why in Danish."""
    from survey.models import Round

    first = make_round(ODENSE, local=False, state="closed", title="Forår 2025")
    second = make_round(ODENSE, local=False, state="closed", title="Forår 2026")
    employers = make_round(ODENSE, local=False, state="closed", title="Virksomheder 2026")
    with app.app_context():
        db.session.get(Round, employers).questionnaire_key = "virksomheder"
        db.session.commit()
    analyst = odense_analyst(app)
    page = analyst.get(f"/results/?round={second}").get_data(as_text=True)
    against = page[
        page.index('id="pick-against"') : page.index("</select>", page.index('id="pick-against"'))
    ]
    assert f'value="{first}"' in against
    assert f'value="{second}"' not in against and f'value="{employers}"' not in against
    for other, message in (
        (second, "En runde kan ikke sammenlignes med sig selv"),
        (employers, "Runderne stiller forskellige spørgeskemaer"),
    ):
        refused = analyst.get(f"/results/?round={second}&against={other}")
        assert refused.status_code == 302
        assert refused.headers["Location"].endswith(f"/results/?round={second}")
        shown = analyst.get(refused.headers["Location"]).get_data(as_text=True)
        assert message in shown
