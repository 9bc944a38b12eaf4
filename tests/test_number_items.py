"""Number questions (XLSForm `integer`): imported with their bounds, exported back, asked on
the citizen's page and checked by the server, stored, exported and analysed as n and a mean
with its interval (never a share positive). Reference figures from statsmodels."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import numpy as np
import pytest
from openpyxl import Workbook
from sqlalchemy import insert, select
from statsmodels.stats.weightstats import DescrStatsW

from questionnaires import loader
from questionnaires.xlsform import XLSFormError, import_xlsform, write_xlsform
from survey.core.extensions import db
from survey.models import Answer, Municipality, Response, Round
from survey.models.base import random_id
from survey.rounds.lifecycle import open_round

ODENSE = 461
HEADER = [
    "type",
    "name",
    "label::Dansk (da)",
    "label::English (en)",
    "hint::Dansk (da)",
    "hint::English (en)",
    "required",
    "constraint",
    "constraint_message::Dansk (da)",
    "$kuid",
]


def kobo_workbook(*extra_rows: list) -> Workbook:
    """A KoboToolbox-style workbook with integer questions and a constraint column."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    rows = [
        HEADER,
        ["begin_group", "about", "Om dig", "About you", None, None, None, None, None, "k1"],
        [
            "integer",
            "age",
            "Hvor gammel er du?",
            "How old are you?",
            "Skriv din alder i år",
            "Your age this year",
            "yes",
            ". >= 16 and . <= 99",
            "Mellem 16 og 99",
            "k2",
        ],
        [
            "integer",
            "meetings",
            "Hvor mange samtaler har du haft?",
            "How many meetings have you had?",
            None,
            None,
            None,
            ".>=0",
            None,
            "k3",
        ],
        ["integer", "floor", "Hvilken etage?", "Which floor?", None, None, None, None, None, "k4"],
        *extra_rows,
        ["select_one yes_no", "helped", "Fik du hjælp?", "Did you get help?"] + [None] * 6,
        ["end_group"] + [None] * 9,
    ]
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (
        ["list_name", "name", "label::Dansk (da)", "label::English (en)"],
        ["yes_no", "yes", "Ja", "Yes"],
        ["yes_no", "no", "Nej", "No"],
    ):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "version", "default_language"])
    settings.append(["Om dig", "1", "Dansk (da)"])
    return book


def imported(tmp_path, book: Workbook, key: str = "om-dig"):
    path = tmp_path / f"{key}.xlsx"
    book.save(path)
    return import_xlsform(path, key)


def test_integer_questions_become_number_items_with_their_bounds(tmp_path):
    text, questionnaire, _notes = imported(tmp_path, kobo_workbook())
    age = questionnaire.item("age")
    assert (age.type, age.minimum, age.maximum, age.required) == ("number", 16, 99, True)
    assert age.options == () and age.max_length is None
    meetings = questionnaire.item("meetings")
    assert (meetings.type, meetings.minimum, meetings.maximum) == ("number", 0, None)
    floor = questionnaire.item("floor")
    assert (floor.type, floor.minimum, floor.maximum) == ("number", None, None)
    # the YAML written is read by the schema on its own, bounds included
    (tmp_path / "om-dig.yaml").write_text(text, encoding="utf-8")
    assert loader.load_questionnaire(tmp_path / "om-dig.yaml") == questionnaire
    assert "min: 16" in text and "max: 99" in text


@pytest.mark.parametrize(
    "constraint",
    [
        ". > 3 or . < 1",
        "regex(., '^[0-9]+$')",
        ". >= 5 and . <= 2",
        ". >= ${other}",
        ". >= 1 and . >= 2",
        ". != 7",
    ],
)
def test_other_integer_constraints_are_refused_with_sheet_row_and_column(tmp_path, constraint):
    row = ["integer", "odd", "Tal", "Number", None, None, None, constraint, None, "k9"]
    with pytest.raises(XLSFormError) as caught:
        imported(tmp_path, kobo_workbook(row))
    assert str(caught.value).startswith("sheet 'survey', row 6, column H (constraint):")


def test_strict_bounds_are_the_next_whole_number(tmp_path):
    row = ["integer", "kids", "Børn", "Children", None, None, None, ". > 0 and . < 20", None, "k9"]
    _text, questionnaire, _ = imported(tmp_path, kobo_workbook(row))
    kids = questionnaire.item("kids")
    assert (kids.minimum, kids.maximum) == (1, 19)


def test_export_writes_integer_back_and_import_again_gives_the_same_codebook(tmp_path):
    from survey.cli.questionnaire import codebook

    _text, questionnaire, _ = imported(tmp_path, kobo_workbook())
    book = write_xlsform(questionnaire)
    rows = {row[1]: row for row in book["survey"].iter_rows(values_only=True)}
    header = [cell.value for cell in book["survey"][1]]
    assert rows["age"][0] == "integer"
    assert rows["age"][header.index("constraint")] == ". >= 16 and . <= 99"
    assert rows["meetings"][header.index("constraint")] == ". >= 0"
    assert rows["floor"][header.index("constraint")] in ("", None)
    _again_text, again, _ = imported(tmp_path, book, "om-dig")
    assert again == questionnaire
    book_json = codebook(questionnaire)
    assert codebook(again) == book_json
    age = next(item for item in book_json["items"] if item["code"] == "age")
    assert age["type"] == "number" and (age["min"], age["max"]) == (16, 99)
    helped = next(item for item in book_json["items"] if item["code"] == "helped")
    assert "min" not in helped  # only number items carry bounds
    assert json.dumps(book_json)  # plain JSON


def test_the_schema_checks_bounds_with_file_and_line(tmp_path):
    from questionnaires import QuestionnaireError

    text, _questionnaire, _ = imported(tmp_path, kobo_workbook())
    broken = text.replace("min: 16", "min: 100")
    with pytest.raises(QuestionnaireError, match=r"x.yaml:\d+: item 'age': min is above max"):
        loader.parse_questionnaire(broken, "x.yaml")
    broken = text.replace("max: 99", "max: nine")
    with pytest.raises(QuestionnaireError, match="max must be a whole number"):
        loader.parse_questionnaire(broken, "x.yaml")
    on_choice = re.sub(r"(code: helped\n)", r"\1    min: 1\n", text)
    with pytest.raises(QuestionnaireError, match="min is only for number items"):
        loader.parse_questionnaire(on_choice, "x.yaml")


# --- a round of the imported questionnaire: the citizen, the exports, the results ----------


@pytest.fixture
def number_round(app, tmp_path, monkeypatch):
    """An open round of the imported questionnaire (shipped beside the others for the test)."""
    copy = tmp_path / "questionnaires"
    copy.mkdir()
    for path in loader.QUESTIONNAIRE_DIR.glob("*.yaml"):
        shutil.copy(path, copy / path.name)
    text, _questionnaire, _ = imported(tmp_path, kobo_workbook())
    (copy / "om-dig.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(loader, "QUESTIONNAIRE_DIR", copy)
    loader.available_questionnaires.cache_clear()
    with app.app_context():
        survey_round = Round(
            municipality=db.session.get(Municipality, ODENSE),
            title="Om dig 2025",
            questionnaire_key="om-dig",
            questionnaire_version=1,
            languages=["da", "en"],
            draft_languages_accepted=["en"],  # the workbook's English is not reviewed
            opens_on=date(2025, 9, 1),
        )
        db.session.add(survey_round)
        db.session.flush()
        open_round(survey_round)
        db.session.commit()
        round_id = survey_round.id
    yield round_id
    loader.available_questionnaires.cache_clear()


def test_a_citizen_answers_a_number_and_is_told_plainly_when_it_is_not_one(
    app, citizen, invite, number_round
):
    (token,) = invite(number_round)
    citizen.open(f"/s/{token}")
    citizen.start()
    page = citizen.get().get_data(as_text=True)
    field = re.search(r'<input class="form-input form-input-number"[^>]*name="age"[^>]*>', page)
    assert field is not None
    assert 'inputmode="numeric"' in field.group(0) and 'type="text"' in field.group(0)
    assert '<label class="form-label" for=' in page  # a label tied to the field

    # not a number: the message, what was typed, and the page's other answers kept
    shown = citizen.post_page({"age": "tyve", "meetings": "3", "helped": "1"})
    assert shown.status_code == 422
    html = shown.get_data(as_text=True)
    assert "Skriv et helt tal med cifre, for eksempel 3." in html
    assert re.search(r'name="age" value="tyve"', html)
    assert re.search(r'name="meetings" value="3"', html)
    assert re.search(r'name="helped" value="1" checked', html)
    assert 'aria-describedby="hint-age error-age"' in html

    # out of range, in English for a citizen answering in English
    switched = citizen.post_page({"age": "20"}, extra={"switch_language": "en"})
    assert switched.status_code == 302
    shown = citizen.post_page({"age": "12", "meetings": "3", "helped": "1"})
    assert shown.status_code == 422
    assert "Please write a number from 16 to 99." in shown.get_data(as_text=True)
    shown = citizen.post_page({"age": "34", "meetings": "-1", "floor": "2,5", "helped": "1"})
    html = shown.get_data(as_text=True)
    assert "Please write a number of at least 0." in html
    assert "Please write a whole number with digits only, for example 3." in html

    # valid: spaces and another script's digits are read; stored as a plain number
    done = citizen.post_page({"age": " 3٤ ", "meetings": "1 2", "floor": "-1", "helped": "1"})
    assert done.status_code == 302
    with app.app_context():
        saved = dict(db.session.execute(select(Answer.item_code, Answer.value)).all())
    assert saved == {"age": "34", "meetings": "12", "floor": "-1", "helped": "1"}


def test_a_number_post_with_two_values_is_tampering(citizen, invite, number_round):
    (token,) = invite(number_round)
    citizen.open(f"/s/{token}")
    citizen.start()
    response = citizen.post_page({"age": ["20", "30"]})
    assert response.status_code == 400


def insert_answers(app, round_id: int, ages: list[int | None], groups: list[str]) -> None:
    with app.app_context():
        rows, answers = [], []
        for age, group in zip(ages, groups, strict=True):
            response_id = random_id()
            rows.append(
                {
                    "id": response_id,
                    "round_id": round_id,
                    "channel": "open",
                    "ui_language": "da",
                    "completed": True,
                    "started_on": date(2025, 9, 1),
                    "completed_on": date(2025, 9, 1),
                    "benefit_group": group,
                }
            )
            answers.append({"response_id": response_id, "item_code": "helped", "value": "1"})
            if age is not None:
                answers.append({"response_id": response_id, "item_code": "age", "value": str(age)})
        db.session.execute(insert(Response), rows)
        db.session.execute(insert(Answer), answers)
        db.session.get(Round, round_id).state = "closed"
        db.session.commit()


def test_number_answers_are_analysed_as_n_and_mean_and_exported_as_numbers(
    app, cli, tmp_path, number_round
):
    rng = np.random.default_rng(5)
    ages = [int(a) for a in rng.integers(18, 70, size=40)]
    groups = ["dagpenge"] * 20 + ["kontanthjaelp"] * 17 + ["ledighed"] * 3
    insert_answers(app, number_round, [*ages[:39], None], groups)

    data = json.loads(
        cli("results", "compare", str(number_round), "--by", "benefit_group", "--json").stdout
    )
    age = next(item for item in data["items"] if item["code"] == "age")
    reference = DescrStatsW(np.array(ages[:39], dtype=float))
    assert age["type"] == "number"
    assert age["current"]["n"] == 39
    assert age["current"]["share"] is None and age["current"]["positive"] is None
    assert age["current"]["mean"] == pytest.approx(reference.mean, abs=1e-6)
    assert age["current"]["mean_ci"] == pytest.approx(
        list(reference.tconfint_mean(alpha=0.05)), abs=1e-6
    )
    assert age["distribution"] == []
    groups_by_value = {g["value"]: g["current"] for g in age["groups"]}
    dagpenge = DescrStatsW(np.array(ages[:20], dtype=float))
    assert groups_by_value["dagpenge"]["mean"] == pytest.approx(dagpenge.mean, abs=1e-6)
    # two answers hidden; the next smallest group too, or its mean could be worked out
    assert groups_by_value["ledighed"]["suppressed_reason"] == "too_few"
    assert groups_by_value["kontanthjaelp"]["suppressed_reason"] == "protects_other"
    assert not any(theme["mean_items"] and "age" in theme["mean_items"] for theme in data["themes"])

    # the results page, the report formats and the answer exports do not stumble on it
    from staff import logged_in, make_user

    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={number_round}").get_data(as_text=True)
    assert "Hvor gammel er du?" in page
    low, high = reference.tconfint_mean(alpha=0.05)
    comma = lambda value: f"{value:.2f}".replace(".", ",")  # noqa: E731
    assert f"{comma(reference.mean)} ({comma(low)}–{comma(high)})" in page
    assert "Et tal: gennemsnit med 95 %-interval, ingen andel positive" in page
    for fmt in ("html", "docx", "xlsx"):
        cli("report", str(number_round), "--format", fmt, "--output", str(tmp_path / f"r.{fmt}"))
    cli("export", str(number_round), "--format", "sav", "--output", str(tmp_path / "a.sav"))
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    assert sorted(frame["age"].dropna().astype(int)) == sorted(ages[:39])
    assert meta.variable_measure["age"] == "scale"
    assert "age" not in meta.variable_value_labels
    cli("export", str(number_round), "--format", "xlsx", "--output", str(tmp_path / "a.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "a.xlsx")["data"]
    header = [cell.value for cell in sheet[1]]
    column = [row[header.index("age")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(v for v in column if v is not None) == sorted(ages[:39])
    assert all(isinstance(v, int) for v in column if v is not None)


def test_imported_earlier_answers_of_a_number_question_are_checked_like_the_citizens(tmp_path):
    from survey.ingest.importer import check_value

    _text, questionnaire, _ = imported(tmp_path, kobo_workbook())
    age = questionnaire.item("age")
    assert check_value(age, " 042 ") == ("42", None)
    assert check_value(age, "") == (None, None)
    assert check_value(age, "12") == (None, "12 is outside 16..99")
    assert check_value(age, "=1+1") == (None, "'=1+1' is not a whole number")
    assert check_value(questionnaire.item("floor"), "-2") == ("-2", None)
