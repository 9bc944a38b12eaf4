"""Theme means on each theme's scale, KL's published figures beside them, version 2 of
the KL questionnaire and the employer survey, on a real database and the real command line.

Every figure is checked against numbers computed here from the answers inserted, with
statsmodels and scipy for the intervals and tests (never Borgerblik's own functions).
"""

from __future__ import annotations

import json
import random
import re
from datetime import date

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import insert, select
from statsmodels.stats.weightstats import DescrStatsW, ttest_ind

from analysis.themes import theme_mean, welch_p_value
from questionnaires import find_questionnaire
from survey.core.extensions import db
from survey.models import Answer, BenchmarkFigure, Municipality, Response, Round
from survey.models.base import random_id
from survey.rounds.definition import round_definition
from survey.rounds.lifecycle import open_round

ODENSE, RODOVRE = 461, 175
AUTUMN_2025 = date(2025, 9, 1)


# --- the statistics alone -----------------------------------------------------------------


def test_theme_mean_and_interval_equal_statsmodels_on_the_respondents_means():
    rng = np.random.default_rng(7)
    respondents = []
    for _ in range(60):
        count = int(rng.integers(1, 5))
        respondents.append([int(v) for v in rng.integers(1, 6, size=count)])
    counts: dict[tuple[int, int], int] = {}
    for values in respondents:
        key = (sum(values), len(values))
        counts[key] = counts.get(key, 0) + 1
    result = theme_mean(counts)
    means = np.array([np.mean(values) for values in respondents])
    reference = DescrStatsW(means)
    assert result.n == 60
    assert result.mean == pytest.approx(reference.mean, abs=1e-12)
    low, high = reference.tconfint_mean(alpha=0.05)
    assert result.ci == pytest.approx((low, high), abs=1e-12)
    assert result.sd == pytest.approx(reference.std * np.sqrt(60 / 59), abs=1e-12)


def test_theme_mean_is_not_given_from_fewer_than_5_respondents():
    four = theme_mean({(4, 1): 2, (9, 2): 2})
    assert four.n == 4 and four.mean is None and four.ci is None and four.sd is None
    assert theme_mean({(4, 1): 2, (9, 2): 3}).mean == pytest.approx((4 * 2 + 4.5 * 3) / 5)


@pytest.mark.parametrize(
    ("a", "b"),
    [((3.88, 0.9, 140), (3.95, 1.1, 20247)), ((3.2, 1.4, 12), (3.67, 0.8, 30))],
)
def test_welch_p_value_equals_scipy_and_statsmodels(a, b):
    ours = welch_p_value(*a, *b)
    reference = stats.ttest_ind_from_stats(*a, *b, equal_var=False).pvalue
    assert ours == pytest.approx(reference, rel=1e-10)
    # statsmodels from data with exactly these means and SDs
    rng = np.random.default_rng(1)

    def sample(mean, sd, n):
        x = rng.normal(size=n)
        return (x - x.mean()) / x.std(ddof=1) * sd + mean

    sm_p = ttest_ind(sample(*a), sample(*b), usevar="unequal")[1]
    assert ours == pytest.approx(sm_p, rel=1e-8)


# --- rounds on a real database ------------------------------------------------------------


def make_round(app, key: str, version: int, municipality: int = ODENSE, opens=AUTUMN_2025) -> int:
    with app.app_context():
        survey_round = Round(
            municipality=db.session.get(Municipality, municipality),
            title="Efterår 2025",
            questionnaire_key=key,
            questionnaire_version=version,
            languages=["da", "en"],
            opens_on=opens,
        )
        db.session.add(survey_round)
        db.session.flush()
        open_round(survey_round)
        db.session.commit()
        return survey_round.id


def insert_sheets(app, round_id: int, sheets: list[dict[str, str]], **background) -> None:
    with app.app_context():
        rows, answers = [], []
        for given in sheets:
            response_id = random_id()
            rows.append(
                {
                    "id": response_id,
                    "round_id": round_id,
                    "channel": "open",
                    "ui_language": "da",
                    "completed": True,
                    "started_on": AUTUMN_2025,
                    "completed_on": AUTUMN_2025,
                    **background,
                }
            )
            answers += [
                {"response_id": response_id, "item_code": code, "value": value}
                for code, value in given.items()
            ]
        db.session.execute(insert(Response), rows)
        db.session.execute(insert(Answer), answers)
        db.session.commit()


def close(app, round_id: int) -> None:
    with app.app_context():
        db.session.get(Round, round_id).state = "closed"
        db.session.commit()


def random_sheets(items, n: int, seed: int, skip_theme: str | None = None) -> list[dict]:
    rng = random.Random(seed)
    sheets = []
    for _ in range(n):
        given: dict[str, str] = {}
        for item in items:
            if not item.is_shown(given) or item.theme == skip_theme:
                continue
            if item.type in ("likert5", "scale"):
                values = [str(o.value) for o in item.options]
                if rng.random() < 0.15:
                    continue
                given[item.code] = rng.choice(values)
            elif item.type in ("yesno", "single"):
                given[item.code] = str(rng.choice(item.options).value)
            elif item.type == "multi":
                given[item.code] = str(item.options[0].value)
        sheets.append(given)
    return sheets


def expected_theme_mean(items, sheets, theme: str) -> tuple[float, tuple[float, float], int]:
    """Counted here: each respondent's mean of the theme's 1-5 answers (0 is ved ikke)."""
    codes = {
        i.code
        for i in items
        if i.theme == theme and i.type in ("likert5", "scale") and i.answer_scale.mean
    }
    means = []
    for given in sheets:
        values = [int(v) for c, v in given.items() if c in codes and int(v) != 0]
        if values:
            means.append(np.mean(values))
    reference = DescrStatsW(np.array(means))
    return reference.mean, reference.tconfint_mean(alpha=0.05), len(means)


def compare_json(cli, round_id: int, *extra: str) -> dict:
    return json.loads(cli("results", "compare", str(round_id), *extra, "--json").stdout)


KL_CSV = (
    "category;mean;n;sd\n"
    "Overordnet tilfredshed;3,88;20247;1,10\n"
    "Mødet med jobcentret;4,07;20247;\n"
    "Mål og aktiviteter;3,67;20247;\n"
    "Samarbejde på tværs af forvaltning;3,34;20247;\n"
    "Samtalen;3,95;20247;0,95\n"
    "Progression;3,23;20247;\n"
)


def test_results_compare_json_gives_every_theme_its_mean_interval_n_and_kl_figure(
    app, cli, tmp_path
):
    round_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        items = list(round_definition(db.session.get(Round, round_id)).items)
    sheets = random_sheets(items, 80, seed=3)
    # the cooperation theme answered by four respondents only: its mean is not shown
    for given in sheets[4:]:
        for code in ("kl.cooperation.together", "kl.cooperation.once"):
            given.pop(code, None)
    for given in sheets[:4]:
        given["kl.cooperation.together"] = "4"
    # one goals item answered by three: hidden, and left out of the goals mean too, so the
    # mean beside the other items' figures tells nothing of those three answers
    for given in sheets[3:]:
        given.pop("kl.goals.activities_fit", None)
    for given in sheets[:3]:
        given["kl.goals.activities_fit"] = "1"
    insert_sheets(app, round_id, sheets)
    close(app, round_id)
    (tmp_path / "kl.csv").write_text(KL_CSV, encoding="utf-8")
    result = cli(
        "benchmark", "import", "--source", "KL", "--period", "2025H2", str(tmp_path / "kl.csv")
    )
    assert result.stdout.strip() == "6 figures of KL 2025H2 imported."

    data = compare_json(cli, round_id)
    kl2 = find_questionnaire("kl-beskaeftigelse", 2)
    themes = {theme["key"]: theme for theme in data["themes"]}
    assert [t["key"] for t in data["themes"]] == [t.key for t in kl2.themes if t.key != "about"]
    shown_items = [i for i in items if i.code != "kl.goals.activities_fit"]
    assert "kl.goals.activities_fit" not in themes["goals"]["mean_items"]
    for key in ("overall", "meeting", "goals", "conversation", "progression"):
        theme = themes[key]
        assert {"key", "title", "mean", "ci", "n", "share", "benchmark", "method"} <= set(theme)
        mean, (low, high), n = expected_theme_mean(shown_items, sheets, key)
        assert theme["n"] == n
        assert theme["mean"] == pytest.approx(mean, abs=1e-6)
        assert theme["ci"] == pytest.approx([low, high], abs=1e-6)
        assert theme["scale"] == {"min": 1, "max": 5}
    assert themes["overall"]["title"] == "Overordnet tilfredshed"
    cooperation = themes["cooperation"]  # its only answered item is hidden (4 answers)
    assert cooperation["mean"] is None and cooperation["ci"] is None
    assert cooperation["n"] < 5

    # KL's figure beside each theme, tested only where KL published a standard deviation
    overall = themes["overall"]["benchmark"]
    assert overall["source"] == "KL" and overall["period"] == "2025H2"
    assert overall["mean"] == 3.88 and overall["n"] == 20247
    mean, _, n = expected_theme_mean(items, sheets, "overall")
    assert overall["diff"] == pytest.approx(mean - 3.88, abs=1e-6)
    respondent_means = []
    codes = {i.code for i in items if i.theme == "overall" and i.type == "likert5"}
    for given in sheets:
        values = [int(v) for c, v in given.items() if c in codes and v != "0"]
        if values:
            respondent_means.append(np.mean(values))
    sd = np.std(respondent_means, ddof=1)
    reference = stats.ttest_ind_from_stats(mean, sd, n, 3.88, 1.10, 20247, equal_var=False)
    assert overall["p_value"] == pytest.approx(reference.pvalue, abs=1e-7)
    meeting = themes["meeting"]["benchmark"]
    assert meeting["mean"] == 4.07 and meeting["sd"] is None and meeting["p_value"] is None
    # below 5 respondents the published figure is shown, but no difference and no test
    assert cooperation["benchmark"]["mean"] == 3.34
    assert cooperation["benchmark"]["diff"] is None


def test_the_report_names_the_published_figure_with_its_source(app, cli, tmp_path):
    round_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        items = list(round_definition(db.session.get(Round, round_id)).items)
    insert_sheets(app, round_id, random_sheets(items, 30, seed=5))
    close(app, round_id)
    (tmp_path / "kl.csv").write_text(KL_CSV, encoding="utf-8")
    cli("benchmark", "import", "--source", "KL", "--period", "2025H2", str(tmp_path / "kl.csv"))
    output = tmp_path / "rapport.html"
    cli("report", str(round_id), "--format", "html", "--output", str(output))
    html = output.read_text(encoding="utf-8")
    assert "KL 2025H2, “Overordnet tilfredshed”: gennemsnit 3,88 (n = 20247)" in html
    assert "ingen test: det offentliggjorte tal har ingen standardafvigelse" in html
    assert re.search(r"Welchs t-test p (= \d|&lt; 0,001|&gt; 0,99)", html)
    assert "p = &lt;" not in html and "p = &gt;" not in html  # never "p = < 0,001"
    assert "på skalaen 1–5" in html
    for fmt in ("docx", "xlsx", "pdf"):
        cli("report", str(round_id), "--format", fmt, "--output", str(tmp_path / f"r.{fmt}"))
    from docx import Document

    paragraphs = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    assert any("KL 2025H2, “Samtalen”: gennemsnit 3,95" in text for text in paragraphs)


@pytest.mark.parametrize(
    ("csv_text", "problem"),
    [
        ("category;mean\nSamtalen;3,9\n", "row 1: the columns must be category;mean;n"),
        ("category;mean;n\nSamtalen;tre;100\n", "row 2, column mean"),
        ("category;mean;n\nSamtalen;3,9;0\n", "row 2, column n"),
        ("category;mean;n;sd\nSamtalen;3,9;10;-1\n", "row 2, column sd"),
        ("category;mean;n\nSamtalen;3,9;10\nsamtalen;3,8;10\n", "row 3, column category"),
        ("category;mean;n\n=cmd();3,9;10\n", "row 2, column category"),
    ],
)
def test_benchmark_import_refuses_a_broken_file_and_stores_nothing(
    app, cli, tmp_path, csv_text, problem
):
    path = tmp_path / "kl.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = cli("benchmark", "import", "--source", "KL", "--period", "2025H2", str(path), ok=False)
    assert result.exit_code == 1
    assert problem in result.stderr
    with app.app_context():
        assert db.session.scalars(select(BenchmarkFigure)).all() == []


def test_benchmark_import_replaces_the_figures_of_the_same_source_and_period(app, cli, tmp_path):
    path = tmp_path / "kl.csv"
    path.write_text("category;mean;n\nSamtalen;3,9;100\n", encoding="utf-8")
    cli("benchmark", "import", "--source", "KL", "--period", "2025H2", str(path))
    path.write_text("category;mean;n;sd\nSamtalen;3,95;20247;0,9\n", encoding="utf-8")
    cli("benchmark", "import", "--source", "KL", "--period", "2025H2", str(path))
    with app.app_context():
        figures = db.session.scalars(select(BenchmarkFigure)).all()
        assert [(f.source, f.period, f.category, f.mean, f.n, f.sd) for f in figures] == [
            ("KL", "2025H2", "Samtalen", 3.95, 20247, 0.9)
        ]
    bad = cli("benchmark", "import", "--source", "KL", "--period", "2025", str(path), ok=False)
    assert "--period: a half-year such as 2025H2" in bad.stderr


# --- version 2: {organisation}, background question, compare keys ------------------------


def test_version_2_fills_the_organisation_in_the_snapshot_of_each_municipality(app):
    with app.app_context():
        db.session.get(Municipality, ODENSE).service_name = "Jobcenter Odense"
        db.session.commit()
    odense = make_round(app, "kl-beskaeftigelse", 2)
    rodovre = make_round(app, "kl-beskaeftigelse", 2, municipality=RODOVRE)
    with app.app_context():
        first, second = db.session.get(Round, odense), db.session.get(Round, rodovre)
        assert "{organisation}" not in json.dumps(first.snapshot, ensure_ascii=False)
        welcome = round_definition(first).item("kl.meeting.welcome")
        assert welcome.text["da"] == "Jeg bliver taget godt imod hos Jobcenter Odense."
        other = round_definition(second).item("kl.meeting.welcome")
        assert other.text["da"] == "Jeg bliver taget godt imod hos Rødovre Kommune."
        assert first.snapshot_digest != second.snapshot_digest


def test_an_open_link_answer_to_the_benefit_question_gives_the_sheet_its_benefit_group(
    app, citizen
):
    round_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        code = db.session.get(Round, round_id).open_code
        definition = round_definition(db.session.get(Round, round_id))
    answers = {item.code: "4" for item in definition.items if item.type == "likert5"}
    answers.update({"kl.progress.internship": "2", "kl.background.benefit": "2"})
    citizen.open(f"/o/{code}")
    citizen.start()
    for _ in range(12):
        page = citizen.get().get_data(as_text=True)
        shown = {c for c in answers if f'name="{c}"' in page}
        response = citizen.post_page({c: answers[c] for c in shown})
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak"):
            break
    else:
        raise AssertionError("never reached the thank-you page")
    with app.app_context():
        sheet = db.session.scalars(select(Response).where(Response.round_id == round_id)).one()
        assert sheet.completed and sheet.benefit_group == "dagpenge"


def test_version_2_keeps_version_1_compare_keys_only_where_the_wording_is_the_same():
    v1 = find_questionnaire("kl-beskaeftigelse", 1)
    v2 = find_questionnaire("kl-beskaeftigelse", 2)
    earlier = {item.compare_key: item for item in v1.items}
    shared = [item for item in v2.items if item.compare_key in earlier]
    assert len(shared) >= 8
    for item in shared:
        before = earlier[item.compare_key].text
        assert {lang: before[lang] for lang in item.text} == item.text, item.code
    assert not any(item.compare_key.startswith("odense.") for item in v2.items)
    assert [t.title["da"] for t in v2.themes][:6] == [
        "Overordnet tilfredshed",
        "Mødet med jobcentret",
        "Mål og aktiviteter",
        "Samarbejde på tværs af forvaltning",
        "Samtalen",
        "Progression",
    ]
    headline = v2.item("kl.overall.satisfaction")
    assert headline.scale is not None and headline.scale.key == "satisfaction5"
    assert [o.label["da"] for o in headline.options][:2] == ["Meget tilfreds", "Tilfreds"]
    for item in v2.items:
        assert "jobcent" not in item.text["da"].lower(), item.code
    assert "KL" in (v2.provenance or "")


# --- the employer survey: rounds, local questions, analysis and reports -------------------


def test_the_employer_survey_runs_through_rounds_results_and_reports(app, cli, tmp_path):
    from staff import add_to_round, bank_question

    created = cli(
        "round",
        "create",
        "--municipality",
        str(ODENSE),
        "--title",
        "Virksomheder 2025",
        "--questionnaire",
        "virksomheder",
        "--opens",
        "2025-09-01",
    )
    round_id = int(created.stdout.strip().splitlines()[-1])
    question_id = bank_question(app, ODENSE, "Har I brugt vores jobportal?", type="yesno")
    add_to_round(app, round_id, question_id, placement="recruitment")
    cli("round", "open", str(round_id))
    with app.app_context():
        definition = round_definition(db.session.get(Round, round_id))
        # placed after the file's theme: on the theme's last page
        recruitment = definition.page("recruitment_help")
        assert recruitment.items[-1].source == "local"
        items = list(definition.items)
    sheets = random_sheets(items, 40, seed=11)
    insert_sheets(app, round_id, sheets)
    cli("round", "close", str(round_id))

    data = compare_json(cli, round_id)
    employer = find_questionnaire("virksomheder")
    assert [t["key"] for t in data["themes"] if t["key"] != "local"] == [
        t.key for t in employer.themes
    ]
    recommend = next(i for i in data["items"] if i["code"] == "employer.overall.recommend")
    answers = [
        int(s["employer.overall.recommend"]) for s in sheets if "employer.overall.recommend" in s
    ]
    assert recommend["current"]["n"] == len(answers)
    assert recommend["current"]["positive"] == sum(1 for a in answers if a >= 9)
    assert recommend["current"]["mean"] == pytest.approx(np.mean(answers), abs=1e-6)
    overall = next(t for t in data["themes"] if t["key"] == "overall")
    # the theme's mean is on the scale of its first scale item (1-5); the 0-10 item is apart
    assert overall["scale"] == {"min": 1, "max": 5}
    assert "employer.overall.recommend" not in overall["mean_items"]
    mean, (low, high), n = expected_theme_mean(
        [i for i in items if i.code != "employer.overall.recommend"], sheets, "overall"
    )
    assert overall["mean"] == pytest.approx(mean, abs=1e-6) and overall["n"] == n
    assert overall["ci"] == pytest.approx([low, high], abs=1e-6)
    for fmt in ("html", "xlsx", "docx"):
        cli("report", str(round_id), "--format", fmt, "--output", str(tmp_path / f"v.{fmt}"))
    html = (tmp_path / "v.html").read_text(encoding="utf-8")
    assert "Rekruttering" in html and "Samlet vurdering" in html


def test_nothing_in_the_app_or_the_statistics_names_a_theme():
    """Themes are data of the questionnaire files: no theme key is written in survey/ or
    analysis/ (as a quoted name), so a sixth theme or another questionnaire needs no code."""
    import re
    from pathlib import Path

    from questionnaires import available_questionnaires

    keys = {t.key for q in available_questionnaires().values() for t in q.theme_order()}
    assert {"meeting", "goals", "overall", "contact"} <= keys
    names = "|".join(sorted(keys))
    pattern = re.compile(rf"""["']({names})["']""")
    root = Path(__file__).resolve().parent.parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("survey", "analysis")
        for path in sorted((root / folder).rglob("*"))
        if path.suffix in (".py", ".html") and "translations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_a_company_answers_the_employer_survey_on_its_phone_including_the_0_to_10_scale(
    app, citizen
):
    round_id = make_round(app, "virksomheder", 1)
    with app.app_context():
        code = db.session.get(Round, round_id).open_code
    answers = {
        "employer.contact.reach": "5",
        "employer.contact.response": "4",
        "employer.contact.knows_us": "0",
        "employer.contact.satisfaction": "4",
        "employer.recruitment.asked": "1",
        "employer.recruitment.suitable": "4",
        "employer.recruitment.fast": "2",
        "employer.recruitment.channels": ["2", "4"],
        "employer.retention.helped": "5",
        "employer.retention.rules": "3",
        "employer.overall.satisfaction": "5",
        "employer.overall.recommend": "10",
        "employer.overall.size": "2",
    }
    citizen.open(f"/o/{code}")
    citizen.start()
    pages = []
    for _ in range(8):
        page = citizen.get().get_data(as_text=True)
        pages.append(page)
        shown = {c: v for c, v in answers.items() if f'name="{c}"' in page}
        response = citizen.post_page(shown)
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak"):
            break
    else:
        raise AssertionError("never reached the thank-you page")
    everything = "".join(pages)
    assert "Hvor sandsynligt er det, at I vil anbefale Odense Kommune" in everything
    assert "0 – Slet ikke" in everything and "10 – I meget høj grad" in everything
    with app.app_context():
        saved = dict(
            db.session.execute(
                select(Answer.item_code, Answer.value)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.round_id == round_id, Response.completed.is_(True))
            ).all()
        )
    assert saved["employer.overall.recommend"] == "10"
    assert saved["employer.recruitment.channels"] == "2;4"


def test_the_results_page_shows_each_themes_mean_and_the_published_figure(app, cli, tmp_path):
    from staff import logged_in, make_user

    round_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        items = list(round_definition(db.session.get(Round, round_id)).items)
    sheets = random_sheets(items, 25, seed=9)
    insert_sheets(app, round_id, sheets)
    close(app, round_id)
    (tmp_path / "kl.csv").write_text(KL_CSV, encoding="utf-8")
    cli("benchmark", "import", "--source", "KL", "--period", "2025H2", str(tmp_path / "kl.csv"))
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={round_id}").get_data(as_text=True)
    mean, (low, high), n = expected_theme_mean(items, sheets, "conversation")

    def comma(value: float) -> str:
        return f"{value:.2f}".replace(".", ",")

    assert (
        f"Gennemsnit {comma(mean)} (95 %-interval {comma(low)}–{comma(high)}) på skalaen 1–5, "
        f"{n} besvarelser"
    ) in page
    assert "KL 2025H2, “Samtalen”: gennemsnit 3,95 (n = 20247)" in page
    # themes in the file's order
    order = [page.index(f">{title}</h2>") for title in ("Mødet med jobcentret", "Samtalen")]
    assert order == sorted(order)


# --- theme means per group of a split and for the earlier round ---------------------------


def respondent_means(items, sheets, theme: str, codes: set[str] | None = None) -> np.ndarray:
    """Counted here: each respondent's mean of the theme's valid answers (0 is ved ikke)."""
    if codes is None:
        codes = {
            i.code
            for i in items
            if i.theme == theme and i.type in ("likert5", "scale") and i.answer_scale.mean
        }
    means = []
    for given in sheets:
        values = [int(v) for c, v in given.items() if c in codes and int(v) != 0]
        if values:
            means.append(np.mean(values))
    return np.array(means)


def test_group_theme_means_hide_a_group_that_subtraction_would_give_away():
    from analysis.themes import group_theme_means

    groups = {
        "a": {(4, 1): 10, (9, 2): 10},  # 20 respondents
        "b": {(3, 1): 8},  # 8
        "c": {(5, 1): 3},  # 3: too few; the round's mean less a and b would give c away
    }
    result = {g.value: g for g in group_theme_means(groups, (1, 5))}
    assert result["c"].mean is None and result["c"].reason == "too_few" and result["c"].n == 3
    assert result["b"].mean is None and result["b"].reason == "protects_other"
    assert result["a"].mean == pytest.approx(np.mean([4] * 10 + [4.5] * 10))
    # hidden together: 3 + 2 respondents, neither all 1 nor all 5: nothing more to hide
    groups = {"a": {(4, 1): 10}, "b": {(5, 1): 3}, "c": {(2, 1): 2}}
    result = {g.value: g for g in group_theme_means(groups, (1, 5))}
    assert result["a"].mean == 4 and result["b"].reason == result["c"].reason == "too_few"
    # hidden together but all at the top of the scale: their answers are known, hide more
    groups = {"a": {(4, 1): 10}, "b": {(5, 1): 3}, "c": {(5, 1): 2}, "d": {(3, 1): 6}}
    result = {g.value: g for g in group_theme_means(groups, (1, 5))}
    assert result["d"].reason == "protects_other" and result["a"].mean == 4
    # a round of fewer than 5: nothing shown, nothing to protect
    assert all(g.mean is None for g in group_theme_means({"a": {(4, 1): 4}}, (1, 5)))


BENEFIT_GROUPS = (("dagpenge", 30), ("kontanthjaelp", 25), ("sygedagpenge", 12), ("ledighed", 3))


def test_results_compare_by_group_gives_each_group_its_theme_means(app, cli):
    round_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        items = list(round_definition(db.session.get(Round, round_id)).items)
    by_group = {}
    for index, (group, size) in enumerate(BENEFIT_GROUPS):
        sheets = random_sheets(items, size, seed=20 + index)
        for given in sheets:
            given["kl.overall.satisfaction"] = given.get("kl.overall.satisfaction") or "3"
        by_group[group] = sheets
        insert_sheets(app, round_id, sheets, benefit_group=group)
    close(app, round_id)

    data = compare_json(cli, round_id, "--by", "benefit_group")
    themes = {theme["key"]: theme for theme in data["themes"]}
    for key in ("overall", "conversation"):
        groups = {g["value"]: g for g in themes[key]["groups"]}
        assert set(groups) == {g for g, _ in BENEFIT_GROUPS}
        for group in ("dagpenge", "kontanthjaelp"):
            means = respondent_means(items, by_group[group], key)
            reference = DescrStatsW(means)
            assert groups[group]["n"] == len(means)
            assert groups[group]["mean"] == pytest.approx(reference.mean, abs=1e-6)
            low, high = reference.tconfint_mean(alpha=0.05)
            assert groups[group]["ci"] == pytest.approx([low, high], abs=1e-6)
            assert groups[group]["suppressed"] is False
        # three respondents: hidden; the next smallest too, or subtraction gives them away
        assert groups["ledighed"]["n"] is None  # three respondents: not even the count
        assert groups["ledighed"]["mean"] is None and groups["ledighed"]["ci"] is None
        assert groups["ledighed"]["suppressed"] is True
        assert groups["ledighed"]["suppressed_reason"] == "too_few"
        assert groups["sygedagpenge"]["mean"] is None
        assert groups["sygedagpenge"]["suppressed_reason"] == "protects_other"
    # the round's own figures and keys stay as they were
    everyone = [s for sheets in by_group.values() for s in sheets]
    mean, _, n = expected_theme_mean(items, everyone, "overall")
    assert themes["overall"]["mean"] == pytest.approx(mean, abs=1e-6)
    assert themes["overall"]["n"] == n
    assert themes["overall"]["previous"] is None and themes["overall"]["change"] is None

    from staff import logged_in, make_user

    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={round_id}&by=benefit_group").get_data(as_text=True)
    assert "skjult, så en mindre gruppe ikke kan regnes ud" in page


def test_results_compare_against_an_earlier_round_gives_its_theme_means_and_welch_test(
    app, cli, tmp_path
):
    from staff import logged_in, make_user

    earlier_id = make_round(app, "kl-beskaeftigelse", 2, opens=date(2025, 3, 1))
    later_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        items = list(round_definition(db.session.get(Round, later_id)).items)
    earlier, later = random_sheets(items, 40, seed=31), random_sheets(items, 50, seed=32)
    for given in later:  # the later round answers the conversation a little better
        for code, value in given.items():
            item = next(i for i in items if i.code == code)
            if item.theme == "conversation" and value in ("1", "2", "3"):
                given[code] = str(int(value) + 1)
    insert_sheets(app, earlier_id, earlier)
    insert_sheets(app, later_id, later)
    close(app, earlier_id)
    close(app, later_id)

    data = compare_json(cli, later_id, "--against", str(earlier_id))
    themes = {theme["key"]: theme for theme in data["themes"]}
    for key in ("overall", "meeting", "conversation"):
        theme = themes[key]
        before, now = respondent_means(items, earlier, key), respondent_means(items, later, key)
        reference = DescrStatsW(before)
        assert theme["previous"]["n"] == len(before)
        assert theme["previous"]["mean"] == pytest.approx(reference.mean, abs=1e-6)
        assert theme["previous"]["ci"] == pytest.approx(
            list(reference.tconfint_mean(alpha=0.05)), abs=1e-6
        )
        assert theme["previous"]["mean_items"] == theme["mean_items"]
        welch = stats.ttest_ind(now, before, equal_var=False)
        assert theme["change"]["diff"] == pytest.approx(now.mean() - before.mean(), abs=1e-6)
        assert theme["change"]["p_value"] == pytest.approx(welch.pvalue, abs=1e-7)
        assert theme["change"]["test"] == "welch"
    assert themes["conversation"]["change"]["p_value"] < 0.05

    # the results page and the report say it in words
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/?round={later_id}&against={earlier_id}").get_data(as_text=True)
    assert "Forrige runde: gennemsnit " in page
    assert re.search(r"Welchs t-test p (= \d|&lt; 0,001|&gt; 0,99)", page)
    assert "p = &lt;" not in page and "p = &gt;" not in page
    output = tmp_path / "rapport.html"
    cli(
        "report",
        str(later_id),
        "--against",
        str(earlier_id),
        "--format",
        "html",
        "--output",
        str(output),
    )
    assert "Forrige runde: gennemsnit " in output.read_text(encoding="utf-8")
    for fmt in ("docx", "xlsx"):
        cli(
            "report",
            str(later_id),
            "--against",
            str(earlier_id),
            "--by",
            "benefit_group",
            "--format",
            fmt,
            "--output",
            str(tmp_path / f"r.{fmt}"),
        )


def test_a_version_1_round_beside_version_2_compares_theme_means_only_of_the_same_items(app, cli):
    earlier_id = make_round(app, "kl-beskaeftigelse", 1, opens=date(2025, 3, 1))
    later_id = make_round(app, "kl-beskaeftigelse", 2)
    with app.app_context():
        v1_items = list(round_definition(db.session.get(Round, earlier_id)).items)
        v2_items = list(round_definition(db.session.get(Round, later_id)).items)
    insert_sheets(app, earlier_id, random_sheets(v1_items, 30, seed=41))
    insert_sheets(app, later_id, random_sheets(v2_items, 30, seed=42))
    close(app, earlier_id)
    close(app, later_id)
    data = compare_json(cli, later_id, "--against", str(earlier_id), "--by", "benefit_group")
    v1_keys = {i.code: i.compare_key for i in v1_items}
    v2_keys = {i.code: i.compare_key for i in v2_items}
    for theme in data["themes"]:
        if theme["previous"] is None:
            continue
        earlier_keys = {v1_keys[c] for c in theme["previous"]["mean_items"]}
        assert earlier_keys <= {v2_keys[c] for c in theme["mean_items"]}
        if theme["change"] is not None:
            assert earlier_keys == {v2_keys[c] for c in theme["mean_items"]}
    themes = {theme["key"]: theme for theme in data["themes"]}
    assert themes["conversation"]["change"] is not None  # the same four questions
    assert themes["overall"]["previous"] is not None and themes["overall"]["change"] is None
