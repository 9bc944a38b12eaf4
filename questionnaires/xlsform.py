"""XLSForm in and out: a questionnaire as the `survey`/`choices`/`settings` workbook that
ODK, KoboToolbox, SurveyCTO and many other survey tools exchange.

Import maps `select_one`/`select_multiple`/`text`/`integer`/`note`, `label::Language (code)`
columns, `hint`, `required`, groups to pages, and `relevant` of the form `${q} = 'v'` or
`selected(${q}, 'v')` (joined by `or` on one question) to `show_if`. Anything it cannot
represent (calculations, repeats, media, constraints other than a text's length and an
integer's bounds, other relevant expressions, types
Borgerblik cannot ask) is refused with the sheet, row and column. What Borgerblik has and
XLSForm lacks travels in extra columns other tools ignore: `theme` and `compare_key` in
`survey`, `positive`, `valid` and `mean` in `choices` (a list with `positive` is a scale),
and a `themes` sheet. Export and import again give the same codebook.

No Flask and no database here; the command line wraps these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from questionnaires.loader import parse_questionnaire
from questionnaires.model import NUMBER_LIMIT, Item, Questionnaire, Scale, pick_text
from questionnaires.schema import CODE_PATTERN, KEY_PATTERN

THEME_KEY_LENGTH = 20  # a theme's key is where a local question is placed
TEXT_LENGTH = 1000  # a text question without a length constraint

# Language names other tools write in `label:english` or `label::English (en)`.
LANGUAGE_NAMES = {
    "danish": "da",
    "dansk": "da",
    "english": "en",
    "engelsk": "en",
    "arabic": "ar",
    "somali": "so",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "polish": "pl",
    "german": "de",
    "persian": "fa",
    "farsi": "fa",
    "tigrinya": "ti",
    "romanian": "ro",
    "lithuanian": "lt",
    "french": "fr",
    "spanish": "es",
}
EXPORT_LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}

# Types that collect nothing from the respondent: left out (said so in the notes).
SKIPPED_METADATA = {"start", "end", "today"}
# Metadata that identifies a device or a person: Borgerblik's answers are anonymous.
IDENTIFYING_METADATA = {
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
}
# Columns whose content Borgerblik cannot represent.
REFUSED_COLUMNS = {
    "calculation": "a calculation",
    "choice_filter": "a choice filter",
    "repeat_count": "a repeat count",
    "default": "a default answer",
    "trigger": "a trigger",
    "read_only": "a read-only question",
}
MEDIA_COLUMNS = ("image", "big-image", "audio", "video", "media")

_SELECT = re.compile(
    r"^(select_one|select one|select_multiple|select multiple|select all that apply)"
    r"(?: from)? +([^ ]+)( +or_other| or specify other)?$"
)
_QUESTION = r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}"
_VALUE = r"(?:'([^']*)'|\"([^\"]*)\"|(-?\d+))"
_EQUALS = re.compile(rf"^{_QUESTION}\s*=\s*{_VALUE}$")
_SELECTED = re.compile(rf"^selected\(\s*{_QUESTION}\s*,\s*{_VALUE}\s*\)$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")
# An integer's bounds: `. >= a`, `. <= b`, or both joined by `and` (either order).
_BOUND = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+)$")
_YES = {"yes", "true", "true()", "1", "ja"}
_NO = {"", "no", "false", "false()", "0", "nej"}


class XLSFormError(ValueError):
    """A workbook that cannot become a questionnaire; the message names sheet, row, column."""


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: int
    header: str

    def where(self) -> str:
        letter = get_column_letter(self.column)
        return f"sheet '{self.sheet}', row {self.row}, column {letter} ({self.header})"


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, str]
    columns: dict[str, int]
    headers: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def cell(self, name: str) -> Cell:
        column = self.columns.get(name, 1)
        return Cell(self.sheet, self.number, column, self.headers.get(name, name))

    def refuse(self, name: str, message: str) -> XLSFormError:
        return XLSFormError(f"{self.cell(name).where()}: {message}")


@dataclass
class Sheet:
    name: str
    rows: list[Row]
    languages: list[str]  # languages of the label columns, in column order
    columns: set[str]


@dataclass
class _Choices:
    """One choices list: option values (ints), labels per language, scale flags."""

    name: str
    values: list[int] = field(default_factory=list)
    labels: list[dict[str, str]] = field(default_factory=list)
    by_name: dict[str, int] = field(default_factory=dict)
    positive: list[int] = field(default_factory=list)
    not_valid: list[int] = field(default_factory=list)
    is_scale: bool = False
    mean: bool = False
    row: Row | None = None
    codes: dict[int, str] = field(default_factory=dict)  # background codes by position


def _language(spec: str, sheet: str, row: int, column: int, header: str) -> str:
    """`English (en)` -> en, `en` -> en, `english` -> en."""
    spec = spec.strip()
    code = re.search(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\)\s*$", spec)
    if code:
        return code.group(1).lower()
    if re.fullmatch(r"[A-Za-z]{2,3}", spec):
        return spec.lower()
    if spec.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[spec.lower()]
    where = Cell(sheet, row, column, header).where()
    raise XLSFormError(
        f"{where}: the language '{spec}' is not known; write it as 'Name (code)', "
        "e.g. label::English (en)"
    )


def _normal_header(header: str) -> str:
    header = re.sub(r"\s+", " ", header.strip())
    lowered = header.lower()
    if lowered in ("list name", "list_name"):
        return "list_name"
    return lowered


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _read_sheet(sheet: Worksheet, default_language: str) -> Sheet:
    """Rows as dicts by normalised column name; label::X and hint::X become label:lang."""
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    languages: list[str] = []
    for index, raw in enumerate(header_row, start=1):
        header = _text(raw)
        if not header:
            continue
        name = _normal_header(header)
        text_column = re.fullmatch(r"(label|hint|form_title)\s*(?:::?\s*(.+))?", name)
        if text_column and (text_column.group(2) or text_column.group(1) != "form_title"):
            language = (
                _language(header.split(":")[-1], sheet.title, 1, index, header)
                if text_column.group(2)
                else default_language
            )
            name = f"{text_column.group(1)}:{language}"
            if text_column.group(1) == "label" and language not in languages:
                languages.append(language)
        if name in columns:
            where = Cell(sheet.title, 1, index, header).where()
            raise XLSFormError(f"{where}: the column appears twice")
        columns[name] = index
        headers[name] = header
    parsed = []
    for number, values in enumerate(rows, start=2):
        row_values = {
            name: _text(values[index - 1]) if index - 1 < len(values) else ""
            for name, index in columns.items()
        }
        if any(row_values.values()):
            parsed.append(Row(sheet.title, number, row_values, columns, headers))
    return Sheet(sheet.title, parsed, languages, set(columns))


def _find_sheet(workbook: Workbook, name: str) -> Worksheet | None:
    for sheet in workbook.worksheets:
        if sheet.title.strip().lower() == name:
            return sheet
    return None


def _settings(workbook: Workbook) -> dict[str, str]:
    sheet = _find_sheet(workbook, "settings")
    if sheet is None:
        return {}
    read = _read_sheet(sheet, "da")
    return read.rows[0].values if read.rows else {}


def _default_language(settings: Mapping[str, str]) -> str:
    spec = settings.get("default_language", "")
    if not spec or spec.lower() == "default":
        return "da"
    return _language(spec, "settings", 2, 1, "default_language")


def _check_row_columns(row: Row) -> None:
    """Refuse content in columns whose meaning Borgerblik cannot represent."""
    for name, value in row.values.items():
        if not value:
            continue
        if name in REFUSED_COLUMNS:
            raise row.refuse(name, f"Borgerblik cannot represent {REFUSED_COLUMNS[name]}")
        if name.split("::")[0].split(":")[0] in MEDIA_COLUMNS:
            raise row.refuse(name, "Borgerblik cannot show images, sound or video")


def _code(row: Row, column: str = "name") -> str:
    name = row.get(column)
    code = name.lower().replace("-", "_")
    if not CODE_PATTERN.match(code) or len(code) > 120:
        raise row.refuse(
            column,
            f"the name '{name}' cannot become an item code (letters, digits and '_', "
            "starting with a letter)",
        )
    return code


def _texts(row: Row, prefix: str, languages: list[str], required: bool) -> dict[str, str]:
    texts = {lang: row.get(f"{prefix}:{lang}") for lang in languages}
    texts = {lang: text for lang, text in texts.items() if text}
    if required:
        for lang in languages:
            if lang not in texts:
                column = f"{prefix}:{lang}" if f"{prefix}:{lang}" in row.columns else "type"
                raise row.refuse(column, f"there is no {prefix} in '{lang}'")
    elif texts:
        for lang in languages:
            if lang not in texts:
                raise row.refuse(f"{prefix}:{lang}", f"the {prefix} has no text in '{lang}'")
    return texts


def _flag(row: Row, column: str) -> bool:
    value = row.get(column).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise row.refuse(column, f"'{row.get(column)}' is not yes or no")


def _read_choices(workbook: Workbook, languages: list[str], default: str) -> dict[str, _Choices]:
    sheet = _find_sheet(workbook, "choices")
    if sheet is None:
        return {}
    read = _read_sheet(sheet, default)
    lists: dict[str, _Choices] = {}
    for row in read.rows:
        _check_row_columns(row)
        list_name = row.get("list_name")
        if not list_name:
            raise row.refuse("list_name", "the choice has no list name")
        choices = lists.setdefault(list_name, _Choices(list_name, row=row))
        name = row.get("name")
        if not name:
            raise row.refuse("name", "the choice has no name")
        if name in choices.by_name:
            raise row.refuse("name", f"the name '{name}' is used twice in the list '{list_name}'")
        choices.by_name[name] = 0  # numbered below
        choices.labels.append(_texts(row, "label", languages, required=True))
        if row.get("positive"):
            choices.is_scale = True
            if _flag(row, "positive"):
                choices.positive.append(len(choices.labels) - 1)
        if row.get("valid") and not _flag(row, "valid"):
            choices.not_valid.append(len(choices.labels) - 1)
        if row.get("mean"):
            choices.mean = choices.mean or _flag(row, "mean")
        if row.get("background_code"):
            choices.codes[len(choices.labels) - 1] = row.get("background_code")
    for choices in lists.values():
        names = list(choices.by_name)
        lowest = 0 if choices.is_scale else 1
        numeric = all(re.fullmatch(r"\d{1,3}", name) for name in names)
        if numeric and all(int(name) >= lowest for name in names):
            values = [int(name) for name in names]
        else:
            values = list(range(1, len(names) + 1))  # names become 1, 2, ... in list order
        choices.values = values
        choices.by_name = dict(zip(names, values, strict=True))
        choices.codes = {values[i]: code for i, code in choices.codes.items()}
        choices.positive = [values[i] for i in choices.positive]
        choices.not_valid = [values[i] for i in choices.not_valid]
    return lists


def _themes_sheet(workbook: Workbook, languages: list[str], default: str) -> list[dict]:
    sheet = _find_sheet(workbook, "themes")
    if sheet is None:
        return []
    themes = []
    for row in _read_sheet(sheet, default).rows:
        key = row.get("key")
        if not KEY_PATTERN.match(key) or key == "local":
            raise row.refuse("key", f"'{key}' cannot be a theme key")
        themes.append({"key": key, "title": _texts(row, "label", languages, required=True)})
    return themes


STATUS_FIELDS = ("status", "reviewed_by", "reviewed_on", "translated_by", "note")


def _statuses_sheet(workbook: Workbook, default: str) -> dict[str, dict[str, str]]:
    """Borgerblik's `translations` sheet: each language's status (draft, reviewed by whom)."""
    sheet = _find_sheet(workbook, "translations")
    if sheet is None:
        return {}
    statuses: dict[str, dict[str, str]] = {}
    for row in _read_sheet(sheet, default).rows:
        language = row.get("language")
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise row.refuse("language", f"'{language}' is not a language code")
        statuses[language] = {name: row.get(name) for name in STATUS_FIELDS if row.get(name)}
    return statuses


def _scale_entry(choices: _Choices) -> dict:
    values = []
    for value, label in zip(choices.values, choices.labels, strict=True):
        entry: dict[str, Any] = {"value": value, "label": label}
        if value in choices.positive:
            entry["positive"] = True
        if value in choices.not_valid:
            entry["valid"] = False
        values.append(entry)
    return {"key": _scale_key(choices), "mean": choices.mean, "values": values}


def _scale_key(choices: _Choices) -> str:
    return re.sub(r"[^a-z0-9_-]", "_", choices.name.lower())


_LIKERT_SHAPES = ({1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 5})


def _scale_type(choices: _Choices) -> str:
    """A scale with the shape of the fixed agreement or yes/no scales keeps that type."""
    values = set(choices.values)
    if (
        values in _LIKERT_SHAPES
        and set(choices.positive) == {4, 5}
        and set(choices.not_valid) <= {0}
        and (0 not in values or choices.not_valid == [0])
    ):
        return "likert5"
    if values == {1, 2} and choices.positive == [1]:
        return "yesno"
    return "scale"


class _Reader:
    """Walks the survey sheet once, building pages, themes and items as plain data."""

    def __init__(self, workbook: Workbook, key: str):
        if not KEY_PATTERN.match(key):
            raise XLSFormError(f"the key '{key}' must be lowercase letters, digits, '-' or '_'")
        self.key = key
        self.settings = _settings(workbook)
        self.default = _default_language(self.settings)
        survey = _find_sheet(workbook, "survey")
        if survey is None:
            raise XLSFormError("the workbook has no sheet called 'survey'")
        self.survey = _read_sheet(survey, self.default)
        self.languages = self.survey.languages or [self.default]
        if "da" not in self.languages:
            raise XLSFormError(
                f"sheet 'survey', row 1: there is no Danish label column (e.g. "
                f"'label::Dansk (da)'); the labels are in {', '.join(self.languages)}"
            )
        if "type" not in self.survey.columns or "name" not in self.survey.columns:
            raise XLSFormError("sheet 'survey', row 1: there is no 'type' or no 'name' column")
        self.choices = _read_choices(workbook, self.languages, self.default)
        self.declared_themes = _themes_sheet(workbook, self.languages, self.default)
        self.statuses = _statuses_sheet(workbook, self.default)
        self.themes: list[dict] = list(self.declared_themes)
        self.pages: list[dict] = []
        self.items: dict[str, tuple[dict, _Choices | None, Row]] = {}
        self.page: dict | None = None
        self.group_row: Row | None = None
        self.notes: list[str] = []

    # -- pages and themes -------------------------------------------------------------

    def _theme(self, row: Row, key: str, title: dict[str, str]) -> str:
        known = {theme["key"] for theme in self.themes}
        if self.declared_themes:
            if key not in known:
                raise row.refuse("theme", f"the theme '{key}' is not on the sheet 'themes'")
            return key
        if key not in known:
            self.themes.append({"key": key, "title": title})
        return key

    def _begin_group(self, row: Row) -> None:
        if self.group_row is not None:
            raise row.refuse("type", "a group inside a group cannot become a page")
        self.group_row = row
        key = _code(row).replace(".", "_")
        if key in {page["key"] for page in self.pages}:
            raise row.refuse("name", f"the group name '{row.get('name')}' is used twice")
        title = _texts(row, "label", self.languages, required=False) or {
            lang: key for lang in self.languages
        }
        theme_key = row.get("theme") or key[:THEME_KEY_LENGTH]
        if row.get("theme") and not KEY_PATTERN.match(theme_key):
            raise row.refuse("theme", f"'{theme_key}' cannot be a theme key")
        if row.get("relevant"):
            raise row.refuse("relevant", "a condition on a whole group cannot be represented")
        self.page = {
            "key": key,
            "theme": self._theme(row, theme_key, title),
            "title": title,
            "items": [],
        }
        self.pages.append(self.page)

    def _end_group(self, row: Row) -> None:
        if self.group_row is None:
            raise row.refuse("type", "'end group' without a 'begin group'")
        if self.page is not None and not self.page["items"]:
            raise self.group_row.refuse("type", "the group has no questions")
        self.group_row = None
        self.page = None

    def _current_page(self, row: Row) -> dict:
        if self.page is None:
            # questions outside any group: one page per run of them
            number = len(self.pages) + 1
            title = {lang: self.title().get(lang, self.key) for lang in self.languages}
            theme = self._theme(row, row.get("theme") or "survey", title)
            self.page = {"key": f"page_{number}", "theme": theme, "title": title, "items": []}
            self.pages.append(self.page)
        return self.page

    # -- questions --------------------------------------------------------------------

    def _note(self, row: Row) -> None:
        page = self._current_page(row)
        if page["items"] or "intro" in page:
            raise row.refuse(
                "type",
                "a note can only open a group (it becomes the page's introduction); "
                "move it to the start of its group",
            )
        page["intro"] = _texts(row, "label", self.languages, required=True)

    def _question(self, row: Row, kind: str, choices: _Choices | None) -> None:
        page = self._current_page(row)
        code = _code(row)
        if code in self.items:
            raise row.refuse("name", f"the name '{row.get('name')}' is used twice")
        item: dict[str, Any] = {"code": code}
        if choices is not None and choices.is_scale:
            item["type"] = _scale_type(choices)
            item["scale"] = _scale_key(choices)
        else:
            item["type"] = kind
        item["text"] = _texts(row, "label", self.languages, required=True)
        hint = _texts(row, "hint", self.languages, required=False)
        if hint:
            item["help"] = hint
        if choices is not None and not choices.is_scale:
            item["options"] = [
                {"value": value, "label": label}
                for value, label in zip(choices.values, choices.labels, strict=True)
            ]
        if kind == "text":
            item["max_length"] = self._max_length(row)
        elif kind == "number":
            item.update(self._bounds(row))
        elif row.get("constraint"):
            raise row.refuse("constraint", "Borgerblik cannot represent this constraint")
        if row.get("required") and _flag(row, "required"):
            item["required"] = True
        if row.get("relevant"):
            item["show_if"] = self._condition(row)
        if row.get("theme") and row.get("theme") != page["theme"]:
            item["theme"] = self._theme(row, row.get("theme"), page["title"])
        if row.get("background"):
            if choices is None or not choices.codes:
                raise row.refuse(
                    "background", "a background question needs background_code on its choices"
                )
            item["background"] = {"variable": row.get("background"), "codes": dict(choices.codes)}
        compare_key = row.get("compare_key")
        if compare_key:
            if not CODE_PATTERN.match(compare_key):
                raise row.refuse("compare_key", f"'{compare_key}' cannot be a compare key")
            item["compare_key"] = compare_key
        page["items"].append(item)
        self.items[code] = (item, choices, row)

    def _bounds(self, row: Row) -> dict[str, int]:
        """`. >= a and . <= b` (or one of them; `>` and `<` as the next whole number) as an
        integer question's min and max; any other constraint is refused."""
        constraint = row.get("constraint")
        if not constraint:
            return {}
        bounds: dict[str, int] = {}
        for part in re.split(r"\s+and\s+", constraint.strip()):
            match = _BOUND.match(part.strip())
            key = {">": "min", ">=": "min", "<": "max", "<=": "max"}.get(
                match.group(1) if match else ""
            )
            if match is None or key is None or key in bounds:
                raise row.refuse(
                    "constraint",
                    "of an integer's constraints only '. >= a', '. <= b' or both joined by "
                    "'and' can be represented",
                )
            value = int(match.group(2)) + {">": 1, "<": -1}.get(match.group(1), 0)
            if abs(value) > NUMBER_LIMIT:
                raise row.refuse("constraint", f"a bound beyond ±{NUMBER_LIMIT}")
            bounds[key] = value
        if bounds.get("min", -NUMBER_LIMIT) > bounds.get("max", NUMBER_LIMIT):
            raise row.refuse("constraint", "the lowest accepted number is above the highest")
        return bounds

    def _max_length(self, row: Row) -> int:
        constraint = row.get("constraint")
        if not constraint:
            return TEXT_LENGTH
        length = _LENGTH.match(constraint)
        if not length or not 1 <= int(length.group(1)) <= 5000:
            raise row.refuse(
                "constraint",
                "of constraints only 'string-length(.) <= N' (N up to 5000) can be represented",
            )
        return int(length.group(1))

    def _condition(self, row: Row) -> dict:
        """`${q} = 'v'`, `selected(${q}, 'v')`, several joined by `or` on one question."""
        expression = row.get("relevant")
        target: str | None = None
        values: list[int] = []
        for part in re.split(r"\s+or\s+", expression.strip()):
            part = part.strip()
            while part.startswith("(") and part.endswith(")") and _balanced(part[1:-1]):
                part = part[1:-1].strip()
            match = _EQUALS.match(part) or _SELECTED.match(part)
            if not match:
                raise row.refuse(
                    "relevant",
                    f"the condition '{expression}' cannot be represented; Borgerblik can show "
                    "a question when an earlier answer is one of some values: "
                    "${q} = 'v' or selected(${q}, 'v'), joined by 'or'",
                )
            name = match.group(1).lower().replace("-", "_")
            if target is not None and name != target:
                raise row.refuse("relevant", "a condition may look at one earlier question only")
            target = name
            value = next(v for v in match.groups()[1:] if v is not None)
            earlier = self.items.get(name)
            if earlier is None:
                raise row.refuse(
                    "relevant", f"'{match.group(1)}' is not an earlier question of the form"
                )
            _, choices, _ = earlier
            if choices is None:
                raise row.refuse("relevant", f"'{match.group(1)}' is not a choice question")
            if value not in choices.by_name:
                raise row.refuse(
                    "relevant", f"'{value}' is not a choice of the list '{choices.name}'"
                )
            values.append(choices.by_name[value])
        assert target is not None  # the expression had at least one part
        if len(values) == 1:
            return {"item": target, "equals": values[0]}
        return {"item": target, "in": values}

    def title(self) -> dict[str, str]:
        title = {
            lang: self.settings.get(f"form_title:{lang}", "")
            for lang in self.languages
            if self.settings.get(f"form_title:{lang}")
        }
        fallback = title.get("da") or self.settings.get("form_title") or self.key
        return {lang: title.get(lang, fallback) for lang in self.languages}

    def read(self) -> dict:
        for row in self.survey.rows:
            _check_row_columns(row)
            self._row(row)
        if self.group_row is not None:
            raise self.group_row.refuse("type", "the group is never ended ('end group')")
        if not self.items:
            raise XLSFormError("sheet 'survey': the form has no questions")
        data: dict[str, Any] = {
            "key": self.key,
            "version": self._version(),
            "title": self.title(),
            "languages": self.languages,
        }
        minutes = self.settings.get("estimated_minutes")
        if minutes and minutes.isdigit():
            data["estimated_minutes"] = int(minutes)
        if self.settings.get("provenance"):
            data["provenance"] = self.settings["provenance"]
        if self.settings.get("headline"):
            data["headline"] = self.settings["headline"]
        if self.statuses:
            data["translations"] = self.statuses
        used = {page["theme"] for page in self.pages} | {
            item.get("theme") for page in self.pages for item in page["items"]
        }
        data["themes"] = [theme for theme in self.themes if theme["key"] in used]
        # every scale of the choices sheet, in its order (a file may declare unused ones)
        scales = [_scale_entry(choices) for choices in self.choices.values() if choices.is_scale]
        if scales:
            data["scales"] = scales
        data["pages"] = self.pages
        return data

    def _version(self) -> int:
        version = self.settings.get("version", "")
        return int(version) if version.isdigit() and 1 <= int(version) < 10**6 else 1

    def _row(self, row: Row) -> None:
        kind = re.sub(r"\s+", " ", row.get("type").strip().lower())
        if not kind:
            if row.get("name") or row.get(f"label:{self.default}"):
                raise row.refuse("type", "the row has no type")
            return
        if kind in ("begin group", "begin_group"):
            self._begin_group(row)
        elif kind in ("end group", "end_group"):
            self._end_group(row)
        elif kind in ("begin repeat", "begin_repeat", "end repeat", "end_repeat"):
            raise row.refuse("type", "repeated groups cannot be represented")
        elif kind == "calculate":
            raise row.refuse("type", "calculations cannot be represented")
        elif kind in SKIPPED_METADATA:
            self.notes.append(f"sheet 'survey', row {row.number}: '{kind}' left out")
        elif kind in IDENTIFYING_METADATA:
            raise row.refuse(
                "type", f"'{kind}' identifies a device or a person; answers are anonymous"
            )
        elif kind == "note":
            self._note(row)
        elif kind == "text":
            self._question(row, "text", None)
        elif kind == "integer":
            self._question(row, "number", None)
        else:
            self._select(row, kind)

    def _select(self, row: Row, kind: str) -> None:
        match = _SELECT.match(kind)
        if not match:
            raise row.refuse("type", f"Borgerblik cannot ask a '{row.get('type')}' question")
        if match.group(3):
            raise row.refuse("type", "'or specify other' cannot be represented")
        list_name = row.get("type").split()[-1]
        choices = self.choices.get(list_name)
        if choices is None:
            raise row.refuse("type", f"there is no list '{list_name}' on the sheet 'choices'")
        multi = match.group(1) in ("select_multiple", "select multiple", "select all that apply")
        if multi and choices.is_scale:
            raise row.refuse("type", f"the scale '{list_name}' allows one answer only")
        self._question(row, "multi" if multi else "single", choices)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def read_xlsform(workbook: Workbook, key: str) -> tuple[dict, list[str]]:
    """The questionnaire data (as in a YAML file) and notes on what was left out."""
    reader = _Reader(workbook, key)
    return reader.read(), reader.notes


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    # texts per language and options on one line each, as in the shipped files
    flow = len(data) <= 4 and all(not isinstance(v, (dict, list)) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_Dumper.add_representer(dict, _short_lists)


def import_xlsform(path: str | Path, key: str) -> tuple[str, Questionnaire, list[str]]:
    """The YAML text of a workbook, the questionnaire it gives (checked by the schema), notes."""
    try:
        workbook = load_workbook(path, read_only=False, data_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise XLSFormError(f"{path}: cannot be read as an Excel workbook ({error})") from None
    data, notes = read_xlsform(workbook, key)
    header = f"# Imported from the XLSForm {Path(path).name}; check the themes and texts.\n"
    text = header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    questionnaire = parse_questionnaire(text, f"{key}.yaml")
    return text, questionnaire, notes


# --- export -----------------------------------------------------------------------------


def _label_headers(prefix: str, languages: tuple[str, ...]) -> list[str]:
    return [f"{prefix}::{EXPORT_LANGUAGE_NAMES.get(lang, lang)} ({lang})" for lang in languages]


def _constraint(item: Item) -> str:
    """A text's length or an integer's bounds as XLSForm writes them."""
    if item.type == "text":
        return f"string-length(.) <= {item.max_length}"
    if item.type != "number":
        return ""
    parts = [f". >= {item.minimum}"] if item.minimum is not None else []
    parts += [f". <= {item.maximum}"] if item.maximum is not None else []
    return " and ".join(parts)


def _item_list(item_code: str, scale: Scale | None) -> str:
    return scale.key if scale is not None else item_code.replace(".", "_")


def write_xlsform(questionnaire: Questionnaire) -> Workbook:
    """The questionnaire as an XLSForm workbook (survey, choices, settings, themes)."""
    languages = questionnaire.languages
    workbook = Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            *_label_headers("label", languages),
            *_label_headers("hint", languages),
            "required",
            "relevant",
            "constraint",
            "theme",
            "compare_key",
            "background",
        ]
    )
    choices = workbook.create_sheet("choices")
    choices.append(
        [
            "list_name",
            "name",
            *_label_headers("label", languages),
            "positive",
            "valid",
            "mean",
            "background_code",
        ]
    )
    written: set[str] = set()
    items = {item.code: item for item in questionnaire.items}

    def langs(texts: Mapping[str, str] | None) -> list[str]:
        return [(texts or {}).get(lang, "") for lang in languages]

    def write_scale(scale: Scale) -> None:
        written.add(scale.key)
        for option in scale.options:
            flags = [
                "yes" if option.value in scale.positive else "no",
                "no" if option.value in scale.not_valid else "yes",
                "yes" if scale.mean else "no",
            ]
            choices.append([scale.key, str(option.value), *langs(option.label), *flags, ""])

    for declared in questionnaire.scales:  # the file's scales first, in the file's order
        write_scale(declared)

    for page in questionnaire.pages:
        survey.append(
            [
                "begin_group",
                page.key,
                *langs(page.title),
                *langs(None),
                "",
                "",
                "",
                page.theme,
                "",
                "",
            ]
        )
        if page.intro:
            survey.append(
                ["note", f"{page.key}_intro", *langs(page.intro), *langs(None), *[""] * 6]
            )
        for item in page.items:
            scale = item.answer_scale if item.type in ("likert5", "yesno", "scale") else None
            list_name = _item_list(item.code, scale)
            if item.type == "text":
                kind = "text"
            elif item.type == "number":
                kind = "integer"
            else:
                kind = f"{'select_multiple' if item.type == 'multi' else 'select_one'} {list_name}"
            relevant = ""
            if item.show_if is not None:
                relevant = " or ".join(
                    f"${{{item.show_if.item}}} = '{value}'" for value in item.show_if.values
                )
                if items[item.show_if.item].type == "multi":
                    relevant = " or ".join(
                        f"selected(${{{item.show_if.item}}}, '{value}')"
                        for value in item.show_if.values
                    )
            survey.append(
                [
                    kind,
                    item.code,
                    *langs(item.text),
                    *langs(item.help),
                    "yes" if item.required else "",
                    relevant,
                    _constraint(item),
                    item.theme,
                    item.compare_key if item.compare_key != item.code else "",
                    item.background.variable if item.background else "",
                ]
            )
            if item.type in ("text", "number") or list_name in written:
                continue
            if scale is not None:
                write_scale(scale)
                continue
            written.add(list_name)
            for option in item.options:
                code = item.background.codes.get(option.value, "") if item.background else ""
                choices.append(
                    [list_name, str(option.value), *langs(option.label), "", "", "", code]
                )
        survey.append(["end_group", "", *langs(None), *langs(None), *[""] * 6])
    settings = workbook.create_sheet("settings")
    settings.append(
        [
            "form_title",
            "form_id",
            "version",
            "default_language",
            *[
                f"form_title::{EXPORT_LANGUAGE_NAMES.get(lang, lang)} ({lang})"
                for lang in languages
            ],
            "estimated_minutes",
            "provenance",
            "headline",
        ]
    )
    settings.append(
        [
            pick_text(questionnaire.title, "da"),
            questionnaire.key,
            str(questionnaire.version),
            "Dansk (da)",
            *langs(questionnaire.title),
            str(questionnaire.estimated_minutes),
            questionnaire.provenance or "",
            questionnaire.headline or "",
        ]
    )
    statuses = workbook.create_sheet("translations")
    statuses.append(["language", *STATUS_FIELDS])
    for lang, status in questionnaire.translations.items():
        statuses.append([lang, *[str(status.get(name, "")) for name in STATUS_FIELDS]])
    themes = workbook.create_sheet("themes")
    themes.append(["key", *_label_headers("label", languages)])
    for theme in questionnaire.theme_order():
        themes.append([theme.key, *langs(theme.title)])
    return workbook
