"""Respondent-level exports of a closed round: CSV, XLSX, SPSS .sav, and the codebook.

Never tokens, never exact times; background variables only where every value has at
least 5 respondents (small values are merged into "other", or the variable is left out).
Every cell that a spreadsheet would run as a formula is neutralised.

The answering language is deliberately not a column: one respondent who answered in
Tigrinya among a hundred in Danish would be singled out by it, and their answers with them.
Each export instead carries the round's count of completed answers per language (the XLSX
a "languages" sheet, the codebook its rows, the .sav its document notes), with counts under
5 only shown together (survey/comparison/languages.py: none can be had by subtraction).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis.compare import MIN_N
from questionnaires import Questionnaire
from questionnaires.model import pick_text
from survey.comparison.languages import answering_languages
from survey.core.extensions import db
from survey.core.labels import language_label
from survey.models import Answer, Response, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.reporting import spss
from survey.reporting.spreadsheet import safe_cell
from survey.rounds.definition import round_definition

OTHER = "other"
BATCH = 2000


def background_plan(round_id: int) -> dict[str, dict[str | None, str | None]]:
    """For each background variable that can be shared: value -> exported value (a blank
    stays blank, or joins "other")."""
    plan: dict[str, dict[str | None, str | None]] = {}
    survey_round = db.session.get(Round, round_id)
    if survey_round is not None and survey_round.links_handed_out:
        # Link holders could have filled a group with answers of their own: no background.
        return plan
    for variable in BACKGROUND_VARIABLES:
        column = getattr(Response, variable)
        counts: dict[str | None, int] = dict(
            db.session.execute(
                select(column, func.count())
                .where(Response.round_id == round_id, Response.completed.is_(True))
                .group_by(column)
            ).all()
        )
        if all(value is None for value in counts):
            continue
        # A blank is a value too: the one respondent without a gender among many with one
        # is as easy to single out as one with a rare gender (None -> None, or "other").
        small = {value for value, count in counts.items() if count < MIN_N}
        mapping = {value: (OTHER if value in small else value) for value in counts}
        merged = Counter(mapping[value] for value in counts for _ in range(counts[value]))
        # If merging still leaves a group under 5, the variable cannot be shared at all.
        if any(count < MIN_N for count in merged.values()):
            continue
        plan[variable] = mapping
    return plan


def shared_definition(survey_round: Round, with_free_text: bool = True) -> Questionnaire:
    """The round's questions as exported: without free-text items for anyone but an analyst
    (a raw comment may hold a name or a phone number; analysts read them with care)."""
    definition = round_definition(survey_round)
    if with_free_text:
        return definition
    pages = tuple(
        replace(page, items=tuple(item for item in page.items if item.type != "text"))
        for page in definition.pages
    )
    return replace(definition, pages=pages)


def columns(definition: Questionnaire, plan: dict) -> list[str]:
    return ["respondent", *plan, *(item.code for item in definition.items)]


def rows(round_id: int, definition: Questionnaire, plan: dict) -> Iterator[list]:
    """One row per completed response, in random-id order (not completion order)."""
    codes = [item.code for item in definition.items]
    number = 0
    last_id = ""
    while True:
        batch = db.session.execute(
            select(Response.id, *(getattr(Response, v) for v in plan))
            .where(
                Response.round_id == round_id,
                Response.completed.is_(True),
                Response.id > last_id,
            )
            .order_by(Response.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        ids = [row[0] for row in batch]
        answers: dict[str, dict[str, str]] = {}
        for response_id, code, value in db.session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value).where(
                Answer.response_id.in_(ids)
            )
        ):
            answers.setdefault(response_id, {})[code] = value
        for row in batch:
            number += 1
            background = [plan[v].get(value) for v, value in zip(plan, row[1:], strict=True)]
            given = answers.get(row[0], {})
            yield [number, *background, *(given.get(code) for code in codes)]
        last_id = ids[-1]


def export_csv(
    survey_round: Round, delimiter: str = ",", with_free_text: bool = True
) -> Iterator[str]:
    """Streamed UTF-8 CSV with a byte order mark, so Excel reads æøå.

    What the rows need is read now; the rows themselves are read while streaming, after the
    request's session has ended (so the round itself is not touched then).
    """
    definition = shared_definition(survey_round, with_free_text)
    plan = background_plan(survey_round.id)
    return _csv_chunks(survey_round.id, definition, plan, delimiter)


def csv_line(cells: Iterable[object], delimiter: str) -> str:
    """One CSV line in which a cell holding either delimiter is quoted.

    Danish Excel splits on ";" and English on ",": a comma file's unquoted "x;=1+1" was a
    formula in a Danish spreadsheet. Formulas themselves are neutralised by safe_cell.
    """
    out = []
    for cell in cells:
        text = "" if cell is None else str(safe_cell(cell))
        if any(c in text for c in ',;"\r\n'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return delimiter.join(out) + "\r\n"


def _csv_chunks(
    round_id: int, definition: Questionnaire, plan: dict, delimiter: str
) -> Iterator[str]:
    yield "\ufeff" + csv_line(columns(definition, plan), delimiter)
    for row in rows(round_id, definition, plan):
        yield csv_line(row, delimiter)


def export_xlsx(survey_round: Round, with_free_text: bool = True) -> bytes:
    from openpyxl import Workbook

    definition = shared_definition(survey_round, with_free_text)
    plan = background_plan(survey_round.id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.freeze_panes = "B2"
    sheet.append(columns(definition, plan))
    numeric = {
        item.code
        for item in definition.items
        if item.type in ("likert5", "yesno", "scale", "single", "number")
    }
    header = columns(definition, plan)
    for row in rows(survey_round.id, definition, plan):
        sheet.append(
            [
                (int(value) if header[i] in numeric and value is not None else safe_cell(value))
                for i, value in enumerate(row)
            ]
        )
    languages = language_rows(survey_round)
    book = workbook.create_sheet("codebook")
    for line in codebook_rows(definition, plan, languages):
        book.append([safe_cell(cell) for cell in line])
    counts = workbook.create_sheet("languages")
    for line in languages:
        counts.append([safe_cell(cell) for cell in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def language_rows(survey_round: Round) -> list[list]:
    """Completed answers per answering language, a header first; languages under 5 only
    together ("ar, ti"), and that group's count blank when it is itself under 5."""
    counts = answering_languages(survey_round)
    with force_locale("da"):
        lines: list[list] = [["language", "name", "completed"]]
        lines += [[lang, language_label(lang), n] for lang, n in counts.shown]
        if counts.grouped:
            names = ", ".join(language_label(lang) for lang in counts.grouped)
            lines.append([", ".join(counts.grouped), names, counts.grouped_count])
    return lines


def codebook_rows(
    definition: Questionnaire, plan: dict | None = None, languages: list[list] | None = None
) -> list[list]:
    """The codebook of the .sav, and of the CSV and XLSX (where "not asked" is a blank cell);
    with `languages` (language_rows), the count of answers per language at the end.

    Texts neutralised here: the CSV codebook (CLI and download) writes these rows as they are.
    """
    with force_locale("da"):
        missing_mark = _("yes")
    lines: list[list[str | int | None]] = [
        ["code", "type", "theme", "text", "value", "label", "measure", "missing"]
    ]
    for variable, (numbers, background_meta) in _background_variables(plan or {}).items():
        lines.append(
            [
                variable,
                "background",
                None,
                spss.background_title(variable),
                None,
                None,
                background_meta.measure,
                None,
            ]
        )
        for code, number in numbers.items():
            label = safe_cell(f"{background_meta.labels[number]} ({code})")
            lines.append([variable, None, None, None, number, label, None, None])
    variables = spss.item_variables(definition)
    for item in definition.items:
        text = safe_cell(pick_text(item.text, "da"))
        meta = variables.get(item.code)
        measure = meta.measure if meta else "nominal"
        lines.append([item.code, item.type, item.theme, text, None, None, measure, None])
        labels = meta.labels if meta else {o.value: pick_text(o.label, "da") for o in item.options}
        for value, label in labels.items():
            missing = missing_mark if meta and value in meta.missing else None
            lines.append([item.code, None, None, None, value, safe_cell(label), None, missing])
    if languages:
        with force_locale("da"):
            title = _("Completed answers per answering language (under 5 only together)")
            under = _("fewer than 5")
        lines.append(["answer_language", "summary", None, title, None, None, None, None])
        for code, name, n in languages[1:]:
            label = f"{name}: {n if n is not None else under}"
            lines.append(["answer_language", None, None, None, code, label, None, None])
    return lines


def _background_variables(plan: dict) -> dict[str, tuple[dict, spss.Variable]]:
    """Each shared background variable's exported codes as numbered, labelled values."""
    return {
        variable: spss.background_variable(variable, list(mapping.values()))
        for variable, mapping in plan.items()
    }


def export_sav(survey_round: Round, path: str, with_free_text: bool = True) -> None:
    """SPSS .sav with Danish variable and value labels, user-missing values, measurement
    levels and integer formats (pyreadstat)."""
    import pandas as pd
    import pyreadstat

    definition = shared_definition(survey_round, with_free_text)
    plan = background_plan(survey_round.id)
    header = columns(definition, plan)
    variables = spss.item_variables(definition)
    background = _background_variables(plan)
    items = list(definition.items)
    first = 1 + len(plan)
    data = []
    for row in rows(survey_round.id, definition, plan):
        given = {i.code: v for i, v in zip(items, row[first:], strict=True) if v is not None}
        cells: list[object] = [row[0]]
        cells += [background[v][0].get(value) for v, value in zip(plan, row[1:first], strict=True)]
        for item, value in zip(items, row[first:], strict=True):
            if item.code not in variables:
                # Text cells neutralised as in the CSV: a .sav is often saved on as a spreadsheet.
                cells.append(safe_cell(value))
            elif value is not None:
                cells.append(int(value))
            else:
                # Not shown by the questionnaire's routing: "not asked"; shown and left
                # unanswered: system-missing.
                asked = item.is_shown(given) or item.type == "number"  # a number: no code
                cells.append(None if asked else spss.not_asked_code(item))
        data.append(cells)
    frame = pd.DataFrame(data, columns=header)
    numeric = ["respondent", *plan, *variables]
    for code in numeric:
        frame[code] = pd.to_numeric(frame[code])
    names = {code: _spss_name(code, index) for index, code in enumerate(header)}
    frame = frame.rename(columns=names)
    with force_locale("da"):
        labels: dict[str, str | None] = {names["respondent"]: _("Respondent (running number)")}
    labels.update({names[v]: spss.background_title(v) for v in plan})
    labels.update({names[item.code]: pick_text(item.text, "da")[:255] for item in items})
    metas = {**{v: meta for v, (_numbers, meta) in background.items()}, **variables}
    widths = {names["respondent"]: len(str(len(frame)))}
    widths.update({names[code]: meta.width for code, meta in metas.items()})
    with force_locale("da"):
        under = _("fewer than 5")
    notes = [
        f"answer_language {code} ({name}): {n if n is not None else under}"
        for code, name, n in language_rows(survey_round)[1:]
    ]
    pyreadstat.write_sav(
        frame,
        path,
        note=notes or None,
        column_labels=labels,
        variable_value_labels={
            names[code]: {float(k): v for k, v in meta.labels.items()}
            for code, meta in metas.items()
        },
        missing_ranges={
            names[code]: list(meta.missing) for code, meta in metas.items() if meta.missing
        },
        variable_measure={
            names["respondent"]: "nominal",
            **{names[code]: meta.measure for code, meta in metas.items()},
            **{names[i.code]: "nominal" for i in items if i.code not in variables},
        },
        variable_format={name: f"F{width}.0" for name, width in widths.items()},
    )


def _spss_name(code: str, index: int) -> str:
    """SPSS names: letters, digits, _ and . only, at most 64 characters, unique."""
    name = "".join(ch if ch.isalnum() or ch in "_." else "_" for ch in code)
    if not name[0].isalpha():
        name = "v" + name
    return name[:60] if len(name) <= 60 else f"{name[:54]}_{index}"
