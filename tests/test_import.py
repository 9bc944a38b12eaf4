"""Importing earlier rounds: respondent-level answers and aggregated results of older surveys.

Through the command line an operator runs (`flask --app wsgi round import ...` and
`round import-history`), then compared with a later round and read in the targets table.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, insert, select
from staff import logged_in, make_user
from statsmodels.stats.proportion import proportion_confint
from test_compare import tables_of

from survey.core.extensions import db
from survey.models import (
    Answer,
    BackgroundValue,
    HistoricalResult,
    Response,
    Round,
)
from survey.models.base import random_id

ODENSE = 461
SATISFIED = "kl.overall.satisfied"
RESPECT = "kl.meeting.respect"
INTERNSHIP = "kl.progress.internship"
WELCOMING_KEY = "odense.welcoming_reception"  # compare key of kl.meeting.welcoming


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=[str(a) for a in args])

    return invoke


def write(tmp_path, text: str | bytes, name: str = "runde.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def import_round(cli, path, *extra: str, title: str = "Forår 2025"):
    return cli(
        "round",
        "import",
        "--municipality",
        ODENSE,
        "--title",
        title,
        "--questionnaire",
        "kl-beskaeftigelse",
        "--version",
        "1",  # the answers below are to version 1's items
        *extra,
        path,
    )


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Round, Response, Answer)
        )


# 12 respondents; SATISFIED has 2 "ved ikke" and an empty cell; no column for most items.
ROWS = [
    # satisfied, respect, internship, benefit_group, age_band
    ("5", "4", "1", "kontanthjaelp", "18-29"),
    ("5", "5", "2", "kontanthjaelp", "30-49"),
    ("4", "3", "2", "Kontanthjaelp", "50-64"),  # codes are case-insensitive
    ("4", "2", "1", "kontanthjaelp", ""),
    ("3", "1", "2", "kontanthjaelp", "18-29"),
    ("2", "0", "2", "kontanthjaelp", "18-29"),
    ("1", "4", "", "dagpenge", "30-49"),
    ("0", "4", "1", "dagpenge", "30-49"),
    ("0", "5", "2", "dagpenge", "50-64"),
    ("", "3", "2", "dagpenge", "50-64"),
    ("1", "2", "2", "dagpenge", "18-29"),
    ("2", "1", "1", "", "30-49"),
]
HEADER = f"{SATISFIED};{RESPECT};{INTERNSHIP};benefit_group;age_band"


def respondent_file() -> str:
    return "\n".join([HEADER, *(";".join(row) for row in ROWS)]) + "\n"


def test_import_creates_a_closed_round_and_prints_its_id_last(app, cli, tmp_path):
    result = import_round(cli, write(tmp_path, respondent_file()), "--opens", "2025-03-03")
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.isdigit()
    with app.app_context():
        survey_round = db.session.get(Round, int(last))
        assert survey_round.state == "closed"
        assert survey_round.municipality_code == ODENSE
        assert survey_round.title == "Forår 2025"
        assert survey_round.snapshot is not None
        assert survey_round.opens_on == date(2025, 3, 3)
        responses = db.session.scalars(
            select(Response).where(Response.round_id == survey_round.id)
        ).all()
        assert len(responses) == len(ROWS)
        assert all(r.completed and r.channel == "import" for r in responses)
        groups = sorted((r.benefit_group or "") for r in responses)
        assert groups == sorted(row[3].lower() for row in ROWS)
        # empty cells are "not answered": no answer row at all
        answers = db.session.scalar(select(func.count()).select_from(Answer))
        assert answers == sum(1 for row in ROWS for cell in row[:3] if cell)


def test_imported_answers_compare_with_a_later_round(app, cli, tmp_path, make_round):
    result = import_round(cli, write(tmp_path, respondent_file()), "--opens", "2025-03-03")
    imported = int(result.output.strip().splitlines()[-1])
    later = make_round(ODENSE, local=False, title="Efterår 2026", state="closed")
    with app.app_context():
        ids = [random_id() for _ in range(20)]
        db.session.execute(
            insert(Response),
            [
                {
                    "id": i,
                    "round_id": later,
                    "channel": "open",
                    "completed": True,
                    "benefit_group": "kontanthjaelp",
                }
                for i in ids
            ],
        )
        values = ["5"] * 9 + ["4"] * 6 + ["2"] * 5
        db.session.execute(
            insert(Answer),
            [
                {"response_id": i, "item_code": SATISFIED, "value": v}
                for i, v in zip(ids, values, strict=True)
            ]
            + [{"response_id": i, "item_code": "kl.goals.clear", "value": "4"} for i in ids],
        )
        db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=["results", "compare", str(later), "--against", str(imported), "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output.strip().splitlines()[-1])
    assert data["against"] == {"id": imported, "title": "Forår 2025", "completed": 12}
    items = {item["code"]: item for item in data["items"]}

    satisfied = items[SATISFIED]
    # imported: valid 5,5,4,4,3,2,1,1,2 (two "ved ikke", one empty): n 9, positive 4
    assert (satisfied["previous"]["n"], satisfied["previous"]["positive"]) == (9, 4)
    assert satisfied["previous"]["mean"] == pytest.approx(27 / 9, abs=1e-6)
    low, high = proportion_confint(4, 9, method="wilson")
    assert satisfied["previous"]["ci"] == pytest.approx([low, high], abs=1e-6)
    assert (satisfied["current"]["n"], satisfied["current"]["positive"]) == (20, 15)
    assert satisfied["change"]["diff"] == pytest.approx(15 / 20 - 4 / 9, abs=1e-6)
    assert satisfied["change"]["test"] == "fisher"  # 5 and 5 not positive: expected < 5

    internship = items[INTERNSHIP]  # yes/no: 4 of 11 said yes (one empty)
    assert (internship["previous"]["n"], internship["previous"]["positive"]) == (11, 4)

    # No column in the file: the item was not asked in that round.
    clear = items["kl.goals.clear"]
    assert clear["previous"] is None and clear["change"] is None
    assert clear["current"]["n"] == 20

    split = runner.invoke(
        args=["results", "compare", str(imported), "--by", "benefit_group", "--json"]
    )
    groups = {
        g["value"]: g["current"]
        for g in next(
            i
            for i in json.loads(split.output.strip().splitlines()[-1])["items"]
            if i["code"] == RESPECT
        )["groups"]
    }
    # respect for kontanthjaelp: 4,5,3,2,1,0 -> n 5, positive 2; dagpenge 4,4,5,3,2 -> 5, 3;
    # one respondent without a group: hidden, and so one more group must be (secondary).
    assert (groups["kontanthjaelp"]["n"], groups["kontanthjaelp"]["positive"]) == (5, 2)
    # (neither gives its n: 1 is a figure from under 5, and 5 would give the 1 by subtraction)
    assert groups[None]["n"] is None and groups[None]["suppressed_reason"] == "too_few"
    assert groups["dagpenge"]["n"] is None
    assert groups["dagpenge"]["suppressed_reason"] == "protects_other"


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        pytest.param(
            f"{SATISFIED};kl.not.an.item;benefit_group\n4;4;dagpenge\n",
            ["row 1, column kl.not.an.item"],
            id="unknown item column",
        ),
        pytest.param(
            f"{SATISFIED};{RESPECT}\n4;4\n7;4\n5;4\n",
            ["row 3, column kl.overall.satisfied"],
            id="likert 7",
        ),
        pytest.param(
            f"{SATISFIED};{INTERNSHIP}\n4;1\n4;2\n4;3\n",
            ["row 4, column kl.progress.internship"],
            id="yesno 3",
        ),
        pytest.param(
            f"{SATISFIED};benefit_group\n4;dagpenge\n4;kontant hjælp!\n",
            ["row 3, column benefit_group"],
            id="bad background value",
        ),
        pytest.param(
            f"{SATISFIED};{RESPECT};benefit_group\n4;4;dagpenge\n4;4\n4;4;dagpenge;x\n",
            ["row 3: 2 cells, but 3 columns", "row 4: 4 cells, but 3 columns"],
            id="ragged rows",
        ),
        pytest.param(
            f"{SATISFIED};{RESPECT}\n4;-1\n4;=1+2\n\n4;6\n",
            [
                "row 2, column kl.meeting.respect",
                "row 3, column kl.meeting.respect",
                "row 5, column kl.meeting.respect",
            ],
            id="every problem, by the file's own row numbers",
        ),
        pytest.param(
            f"{SATISFIED};{RESPECT}\n".encode() + "4;4\n5;4;kontanthjælp\n".encode("latin-1"),
            ["not UTF-8"],
            id="non-UTF-8",
        ),
        pytest.param("", ["empty"], id="empty file"),
        pytest.param(f"{SATISFIED};{SATISFIED}\n4;4\n", ["named more than once"], id="twice"),
        pytest.param("benefit_group\ndagpenge\n", ["no column is an item"], id="no items"),
    ],
)
def test_errors_are_listed_by_row_and_column_and_nothing_is_imported(
    app, cli, tmp_path, content, problems
):
    before = counts(app)
    result = import_round(cli, write(tmp_path, content))
    assert result.exit_code != 0
    assert "nothing was imported" in result.output
    for problem in problems:
        assert problem in result.output, result.output
    assert counts(app) == before


def test_maintained_background_values_are_checked_and_old_codes_mapped(app, cli, tmp_path):
    with app.app_context():
        db.session.add_all(
            [
                BackgroundValue(variable="benefit_group", code="kontanthjaelp", label={"da": "K"}),
                BackgroundValue(
                    variable="benefit_group",
                    code="uddannelseshjaelp",
                    label={"da": "U"},
                    active=False,
                    replaced_by="kontanthjaelp",
                ),
            ]
        )
        db.session.commit()
    bad = import_round(cli, write(tmp_path, f"{SATISFIED};benefit_group\n4;dagpenge\n"))
    assert bad.exit_code != 0 and "row 2, column benefit_group: unknown value" in bad.output
    assert counts(app)[0] == 0
    good = import_round(
        cli, write(tmp_path, f"{SATISFIED};benefit_group\n4;uddannelseshjaelp\n5;kontanthjaelp\n")
    )
    assert good.exit_code == 0, good.output
    with app.app_context():
        assert set(db.session.scalars(select(Response.benefit_group))) == {"kontanthjaelp"}


def test_import_refuses_an_unknown_municipality_or_questionnaire(app, cli, tmp_path):
    path = write(tmp_path, f"{SATISFIED}\n4\n")
    unknown_municipality = cli(
        "round",
        "import",
        "--municipality",
        9999,
        "--title",
        "T",
        "--questionnaire",
        "kl-beskaeftigelse",
        path,
    )
    assert unknown_municipality.exit_code != 0
    unknown_questionnaire = cli(
        "round",
        "import",
        "--municipality",
        ODENSE,
        "--title",
        "T",
        "--questionnaire",
        "no-such-thing",
        path,
    )
    assert unknown_questionnaire.exit_code != 0
    assert counts(app) == (0, 0, 0)


# --- aggregated history ----------------------------------------------------------------------

HISTORY = [
    # period, n, positive: Odense's statement since 2017, as in the minutes
    ("2017", 310, 205),
    ("2018", 298, 211),
    ("2019", 305, 239),
    ("2021", 4, 3),  # too few to show
    ("2022", 280, 215),
    ("2023H1", 140, 100),
    ("2023H2", 160, 128),  # two half-years of one year are pooled
]


def history_file() -> str:
    lines = ["compare_key;period;n;positive;text"]
    lines += [
        f"{WELCOMING_KEY};{period};{n};{positive};Som borger oplever jeg en imødekommende modtagelse"
        for period, n, positive in HISTORY
    ]
    return "\n".join(lines) + "\n"


def test_history_appears_in_the_targets_table_year_by_year(app, cli, tmp_path, make_round):
    result = cli(
        "round", "import-history", "--municipality", ODENSE, write(tmp_path, history_file())
    )
    assert result.exit_code == 0, result.output
    assert "7 results imported" in result.output
    # importing again replaces rather than duplicates
    assert (
        cli(
            "round", "import-history", "--municipality", ODENSE, write(tmp_path, history_file())
        ).exit_code
        == 0
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HistoricalResult)) == 7

    current = make_round(ODENSE, local=False, title="Efterår 2026", state="closed")
    with app.app_context():
        ids = [random_id() for _ in range(40)]
        db.session.execute(
            insert(Response),
            [{"id": i, "round_id": current, "channel": "open", "completed": True} for i in ids],
        )
        db.session.execute(
            insert(Answer),
            [
                {
                    "response_id": i,
                    "item_code": "kl.meeting.welcoming",
                    "value": "4" if k < 32 else "2",
                }
                for k, i in enumerate(ids)
            ],
        )
        db.session.commit()

    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    back = f"/results/?round={current}&lang=en"
    for year, ambition in ((2017, 60), (2019, 70), (2021, 70), (2023, 75), (2026, 75)):
        response = analyst.post(
            "/results/targets",
            {"indicator": WELCOMING_KEY, "year": year, "ambition": ambition, "back": back},
        )
        assert response.status_code == 302
    page = analyst.get(back).get_data(as_text=True)

    (table,) = [t for t in tables_of(page) if t["caption"].startswith("I am made to feel welcome")]
    body = [cells for _cls, cells in table["rows"]][1:]
    assert [int(cells[0]) for cells in body] == [2017, 2018, 2019, 2021, 2022, 2023, 2026]

    yearly = {}
    for period, n, positive in HISTORY:
        total_n, total_positive = yearly.get(int(period[:4]), (0, 0))
        yearly[int(period[:4])] = (total_n + n, total_positive + positive)
    yearly[2026] = (40, 32)
    ambitions = {2017: 0.60, 2019: 0.70, 2021: 0.70, 2023: 0.75, 2026: 0.75}
    labels = {"met": "Met", "not_met": "Not met", "cannot_tell": "Cannot tell"}
    for cells in body:
        year = int(cells[0])
        n, positive = yearly[year]
        assert cells[1] == (str(n) if n >= 5 else "–")  # no n from under 5 either
        if n < 5:
            assert cells[2] == "–"
            assert cells[4] == "No data"
            continue
        assert cells[2].startswith(f"{round(100 * positive / n)} %")
        low, high = proportion_confint(positive, n, method="wilson")
        assert f"({round(100 * low)} %–{round(100 * high)} %)" in cells[2]
        if year not in ambitions:
            assert cells[3] == "–" and cells[4] == "–"
            continue
        ambition = ambitions[year]
        assert cells[3] == f"{round(100 * ambition)} %"
        verdict = "met" if low >= ambition else "not_met" if high < ambition else "cannot_tell"
        assert cells[4].startswith(labels[verdict]), (year, cells)
    # 2023 pooled from its two half-years: 228 of 300
    row_2023 = next(cells for cells in body if cells[0] == "2023")
    assert row_2023[1] == "300" and row_2023[2].startswith("76 %")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("compare_key;period;n;positive\nkl.x;2019;10;11\n", "row 2, columns n and positive"),
        ("compare_key;period;n;positive\nkl.x;19;10;5\n", "row 2, column period"),
        ("compare_key;period;n;positive\nKL X;2019;10;5\n", "row 2, column compare_key"),
        ("compare_key;period;n\nkl.x;2019;10\n", "row 1: the columns must be"),
        ("compare_key;period;n;positive;text\nkl.x;2019;10;5;=HYPERLINK()\n", "row 2, column text"),
        ("compare_key;period;n;positive\nkl.x;2019;10;5\nkl.x;2020;ti;5\n", "row 3"),
    ],
)
def test_history_errors_import_nothing(app, cli, tmp_path, content, problem):
    result = cli("round", "import-history", "--municipality", ODENSE, write(tmp_path, content))
    assert result.exit_code != 0
    assert problem in result.output and "nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HistoricalResult)) == 0
