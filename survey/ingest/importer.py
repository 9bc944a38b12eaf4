"""Importing earlier rounds: respondent-level answers, and aggregated results of older surveys.

Both are checked completely first: every problem is listed by row and column, and nothing
is imported until the file is clean.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import insert, select

from questionnaires import Item, Questionnaire
from survey.core import audit
from survey.core.extensions import db
from survey.ingest.cpr import contains_cpr
from survey.ingest.table import FORMULA_START, TableError, read_table
from survey.models import Answer, HistoricalResult, Municipality, Response, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.base import random_id, today
from survey.rounds.lifecycle import create_round
from survey.settings.background import CODE_PATTERN, permitted_values

MAX_ERRORS = 200
CPR_PROBLEM = "this looks like a CPR number; CPR numbers must not be imported"
MULTI_SEPARATOR = re.compile(r"[|+]")
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:H[12]|-\d{2})?$")


class ImportError_(ValueError):
    """A file that cannot be imported; `problems` lists each by row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Checked:
    rows: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, problem: str) -> bool:
        self.problems.append(problem)
        return len(self.problems) < MAX_ERRORS


def read_file(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an uploaded CSV or XLSX file (blank rows kept as [])."""
    try:
        table = read_table(data)
    except TableError as error:
        raise ImportError_(error.problems) from None
    return table.header, table.rows


def check_value(item: Item, raw: str) -> tuple[str | None, str | None]:
    """The stored value for a cell, or a problem; empty means not asked or not answered."""
    value = raw.strip()
    if not value:
        return None, None
    if item.type == "text":
        if value.startswith(FORMULA_START):
            return None, "a cell must not begin with =, +, - or @"
        if item.max_length is None:  # the schema gives every text item one
            raise ValueError(f"the text item {item.code} has no max_length")
        if len(value) > item.max_length:
            return None, f"longer than {item.max_length} characters"
        return value, None
    if item.type == "number":
        number = int(value) if re.fullmatch(r"[+-]?[0-9]{1,10}", value) else None
        if number is None:
            return None, f"'{value[:20]}' is not a whole number"
        if (item.minimum is not None and number < item.minimum) or (
            item.maximum is not None and number > item.maximum
        ):
            return None, f"{number} is outside {item.minimum}..{item.maximum}"
        return str(number), None
    allowed = {str(v) for v in item.option_values}
    parts = MULTI_SEPARATOR.split(value) if item.type == "multi" else [value]
    for part in parts:
        if part not in allowed:
            return None, f"'{value[:20]}' is not one of {', '.join(sorted(allowed, key=int))}"
    if item.type == "multi":
        order = [str(o.value) for o in item.options]
        return ";".join(sorted(set(parts), key=order.index)), None
    return value, None


def check_respondent_file(
    questionnaire: Questionnaire, header: list[str], rows: list[list[str]]
) -> _Checked:
    result = _Checked()
    items = {item.code: item for item in questionnaire.items}
    unknown = [name for name in header if name not in items and name not in BACKGROUND_VARIABLES]
    for name in unknown:
        result.add(
            f"row 1, column {name}: not an item of {questionnaire.key} nor a background variable"
        )
    duplicated = sorted(name for name, times in Counter(header).items() if times > 1)
    for name in duplicated:
        result.add(f"row 1, column {name}: named more than once")
    if not any(name in items for name in header):
        result.add("row 1: no column is an item of the questionnaire")
    if result.problems:
        return result
    permitted = permitted_values()
    for row_number, cells in enumerate(rows, start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            if not result.add(f"row {row_number}: {len(cells)} cells, but {len(header)} columns"):
                break
            continue
        row: dict[str, str] = {}
        for name, raw in zip(header, cells, strict=True):
            if contains_cpr(raw):
                if not result.add(f"row {row_number}, column {name}: {CPR_PROBLEM}"):
                    return result
                continue
            if name in BACKGROUND_VARIABLES:
                code = raw.strip().lower()
                if not code:
                    continue
                allowed = permitted.get(name)
                if allowed is not None and code in allowed:
                    code = allowed[code]
                elif allowed is not None or not CODE_PATTERN.match(code):
                    result.add(
                        f"row {row_number}, column {name}: unknown value '{raw.strip()[:40]}'"
                    )
                    continue
                row[name] = code
                continue
            value, problem = check_value(items[name], raw)
            if problem:
                if not result.add(f"row {row_number}, column {name}: {problem}"):
                    return result
            elif value is not None:
                row[name] = value
        result.rows.append(row)
    if not result.rows and not result.problems:
        result.add("the file has no rows below the column names")
    return result


def asked_only(questionnaire: Questionnaire, codes: set[str]) -> Questionnaire:
    """What an imported round asked: an item without a column in the file was not asked."""
    pages = tuple(
        replace(page, items=tuple(item for item in page.items if item.code in codes))
        for page in questionnaire.pages
    )
    return replace(questionnaire, pages=tuple(page for page in pages if page.items))


def import_round(
    municipality: Municipality,
    title: str,
    questionnaire: Questionnaire,
    data: bytes,
    opens_on: date | None = None,
    closes_on: date | None = None,
) -> Round:
    """Create a closed round from respondent-level answers; raises ImportError_ with problems."""
    header, rows = read_file(data)
    checked = check_respondent_file(questionnaire, header, rows)
    if checked.problems:
        raise ImportError_(checked.problems)
    survey_round = create_round(
        municipality.code,
        title,
        questionnaire,
        opens_on=opens_on,
        closes_on=closes_on,
        # Answers collected elsewhere: no draft translation was offered by Borgerblik.
        languages=[
            lang for lang in questionnaire.languages if lang not in questionnaire.draft_languages
        ],
    )
    survey_round.state = "closed"
    survey_round.snapshot = asked_only(questionnaire, set(header)).to_dict()
    day = closes_on or opens_on or today()
    responses: list[dict[str, object]] = []
    answers: list[dict[str, str]] = []
    for row in checked.rows:
        response_id = random_id()
        responses.append(
            {
                "id": response_id,
                "round_id": survey_round.id,
                "channel": "import",
                "ui_language": "da",
                "completed": True,
                "started_on": day,
                "completed_on": day,
                **{name: row.get(name) for name in BACKGROUND_VARIABLES},
            }
        )
        answers.extend(
            {"response_id": response_id, "item_code": code, "value": value}
            for code, value in row.items()
            if code not in BACKGROUND_VARIABLES
        )
    for start in range(0, len(responses), 5000):
        db.session.execute(insert(Response), responses[start : start + 5000])
    for start in range(0, len(answers), 20000):
        db.session.execute(insert(Answer), answers[start : start + 20000])
    audit.record("round.import", survey_round, details={"responses": len(responses)})
    return survey_round


AGGREGATE_COLUMNS = ("compare_key", "period", "n", "positive")


def import_history(municipality: Municipality, data: bytes) -> int:
    """Aggregated results of older surveys: compare_key;period;n;positive[;text]."""
    header, rows = read_file(data)
    problems = []
    header = [name.lower() for name in header]
    missing = [name for name in AGGREGATE_COLUMNS if name not in header]
    extra = [name for name in header if name not in (*AGGREGATE_COLUMNS, "text")]
    if missing or extra:
        raise ImportError_(
            [f"row 1: the columns must be {';'.join(AGGREGATE_COLUMNS)} and optionally text"]
        )
    records = []
    for row_number, cells in enumerate(rows, start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            problems.append(f"row {row_number}: {len(cells)} cells, but {len(header)} columns")
            continue
        cell = dict(zip(header, (c.strip() for c in cells), strict=True))
        problems.extend(
            f"row {row_number}, column {name}: {CPR_PROBLEM}"
            for name, value in cell.items()
            if contains_cpr(value)
        )
        period_match = PERIOD_PATTERN.match(cell["period"])
        if not CODE_PATTERN.match(cell["compare_key"]) and not re.match(
            r"^[a-z][a-z0-9_.]*$", cell["compare_key"]
        ):
            problems.append(f"row {row_number}, column compare_key: not a compare key")
        if not period_match:
            problems.append(
                f"row {row_number}, column period: write a year (2019) or a half-year (2019H1)"
            )
        if not (cell["n"].isdigit() and cell["positive"].isdigit()) or int(
            cell["positive"] or 0
        ) > int(cell["n"] or 0):
            problems.append(
                f"row {row_number}, columns n and positive: whole numbers with positive at most n"
            )
        if cell.get("text", "").startswith(FORMULA_START):
            problems.append(
                f"row {row_number}, column text: a cell must not begin with =, +, - or @"
            )
        records.append(cell)
    if problems:
        raise ImportError_(problems)
    for cell in records:
        existing = db.session.scalar(
            select(HistoricalResult).where(
                HistoricalResult.municipality_code == municipality.code,
                HistoricalResult.compare_key == cell["compare_key"],
                HistoricalResult.period == cell["period"],
            )
        )
        result = existing or HistoricalResult(
            municipality_code=municipality.code,
            compare_key=cell["compare_key"],
            period=cell["period"],
        )
        result.year = int(cell["period"][:4])
        result.n = int(cell["n"])
        result.positive = int(cell["positive"])
        result.text = cell.get("text") or None
        db.session.add(result)
    audit.record(
        "history.import",
        municipality,
        municipality_code=municipality.code,
        details={"results": len(records)},
    )
    return len(records)
