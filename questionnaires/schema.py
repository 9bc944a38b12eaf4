"""The questionnaire schema: every rule a YAML file must satisfy, with plain messages.

Hand-written rather than JSON Schema, so each message can say in plain words what is
wrong and point at the line where it is (administrators edit these files too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from questionnaires.model import (
    CHOICE_TYPES,
    ITEM_TYPES,
    THEMES,
    TRANSLATION_STATUSES,
    Condition,
    Item,
    Option,
    Page,
    Questionnaire,
    fixed_options,
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
MAX_TEXT_LENGTH = 5000


class SchemaError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def _line(node, key: str | None = None) -> int:
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", 1)


def _require_mapping(node, what: str, line: int) -> Mapping:
    if not isinstance(node, Mapping):
        raise SchemaError(f"{what} must be a mapping of keys and values", line)
    return node


def _allowed_keys(node: Mapping, allowed: set[str], required: set[str], what: str) -> None:
    for key in node:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise SchemaError(
                f"{what} has an unknown key '{key}' (known: {known})", _line(node, key)
            )
    for key in sorted(required):
        if key not in node:
            raise SchemaError(f"{what} lacks the required key '{key}'", _line(node))


def _texts(node: Mapping, key: str, languages: tuple[str, ...], what: str) -> dict[str, str]:
    value = node[key]
    line = _line(node, key)
    if not isinstance(value, Mapping):
        raise SchemaError(f"{what} '{key}' must give a text per language, e.g. da: ...", line)
    for language in languages:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise SchemaError(f"{what} '{key}' has no text in '{language}'", line)
    for language, text in value.items():
        if language not in languages:
            raise SchemaError(
                f"{what} '{key}' has a text in '{language}', which is not in languages", line
            )
        if len(text) > MAX_TEXT_LENGTH:
            raise SchemaError(f"{what} '{key}' is longer than {MAX_TEXT_LENGTH} characters", line)
    return {language: value[language].strip() for language in value}


def build_questionnaire(data, source_path: str | None = None) -> Questionnaire:
    """Check parsed YAML against the schema and build the Questionnaire."""
    if data is None:
        raise SchemaError("the file is empty", 1)
    data = _require_mapping(data, "the file", 1)
    _allowed_keys(
        data,
        {"key", "version", "title", "languages", "translations", "estimated_minutes", "pages"},
        {"key", "version", "title", "languages", "pages"},
        "the questionnaire",
    )
    key = data["key"]
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SchemaError("key must be lowercase letters, digits, '-' or '_'", _line(data, "key"))
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SchemaError("version must be a whole number from 1", _line(data, "version"))
    languages = data["languages"]
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(lang, str) and LANGUAGE_PATTERN.match(lang) for lang in languages)
    ):
        raise SchemaError("languages must be a list of language codes", _line(data, "languages"))
    if "da" not in languages:
        raise SchemaError("languages must include Danish ('da')", _line(data, "languages"))
    languages = tuple(languages)
    minutes = data.get("estimated_minutes", 5)
    if not isinstance(minutes, int) or not 1 <= minutes <= 120:
        raise SchemaError(
            "estimated_minutes must be a whole number of minutes", _line(data, "estimated_minutes")
        )
    translations = (
        _translations(data["translations"], languages, _line(data, "translations"))
        if "translations" in data
        else {}
    )
    title = _texts(data, "title", languages, "the questionnaire")
    pages_node = data["pages"]
    if not isinstance(pages_node, list) or not pages_node:
        raise SchemaError("pages must be a non-empty list", _line(data, "pages"))

    seen_codes: dict[str, Item] = {}
    seen_pages: set[str] = set()
    pages = []
    for page_node in pages_node:
        page = _build_page(page_node, languages, seen_codes, _line(data, "pages"))
        if page.key in seen_pages:
            raise SchemaError(f"page key '{page.key}' is used twice", _line(page_node, "key"))
        seen_pages.add(page.key)
        pages.append(page)
    return Questionnaire(
        key=key,
        version=version,
        title=title,
        languages=languages,
        pages=tuple(pages),
        estimated_minutes=minutes,
        source_path=source_path,
        translations=translations,
    )


def _translations(node, languages: tuple[str, ...], line: int) -> dict[str, dict[str, str]]:
    """The status block: per language `status: draft`, or `reviewed` with who and when.

    A language left out is a draft: nothing is called reviewed without saying by whom.
    """
    node = _require_mapping(node, "translations", line)
    found: dict[str, dict[str, str]] = {}
    for language, entry in node.items():
        where = _line(node, language)
        if language not in languages:
            raise SchemaError(f"translations names '{language}', which is not in languages", where)
        entry = _require_mapping(entry, f"translations '{language}'", where)
        _allowed_keys(
            entry,
            {"status", "reviewed_by", "reviewed_on", "translated_by", "note"},
            {"status"},
            f"translations '{language}'",
        )
        status = entry["status"]
        allowed = ("source",) if language == "da" else TRANSLATION_STATUSES[1:]
        if status not in allowed:
            raise SchemaError(
                f"translations '{language}' has status '{status}'; use {' or '.join(allowed)}",
                _line(entry, "status"),
            )
        if status == "reviewed":
            for key in ("reviewed_by", "reviewed_on"):
                if not str(entry.get(key) or "").strip():
                    raise SchemaError(
                        f"translations '{language}' is reviewed but does not say {key}",
                        _line(entry, "status"),
                    )
        found[language] = {key: str(value) for key, value in entry.items()}
    return found


def _build_page(node, languages, seen_codes: dict[str, Item], parent_line: int) -> Page:
    node = _require_mapping(node, "a page", _line(node) if hasattr(node, "line") else parent_line)
    _allowed_keys(
        node,
        {"key", "theme", "title", "intro", "items"},
        {"key", "theme", "title", "items"},
        "a page",
    )
    key = node["key"]
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SchemaError("a page key must be lowercase letters, digits or '_'", _line(node, "key"))
    theme = node["theme"]
    if theme not in THEMES:
        raise SchemaError(
            f"page '{key}' has theme '{theme}'; themes are {', '.join(THEMES)}",
            _line(node, "theme"),
        )
    title = _texts(node, "title", languages, f"page '{key}'")
    intro = _texts(node, "intro", languages, f"page '{key}'") if "intro" in node else None
    items_node = node["items"]
    if not isinstance(items_node, list) or not items_node:
        raise SchemaError(f"page '{key}' must have a non-empty list of items", _line(node, "items"))
    items = []
    for item_node in items_node:
        item = build_item(item_node, languages, theme, seen_codes, _line(node, "items"))
        seen_codes[item.code] = item
        items.append(item)
    return Page(key=key, theme=theme, title=title, items=tuple(items), intro=intro)


def build_item(node, languages, theme: str, earlier: Mapping[str, Item], parent_line: int) -> Item:
    """Check one item; `earlier` holds the items before it, which show_if may refer to."""
    node = _require_mapping(node, "an item", getattr(node, "line", parent_line))
    _allowed_keys(
        node,
        {
            "code",
            "type",
            "text",
            "help",
            "options",
            "max_length",
            "required",
            "show_if",
            "compare_key",
            "theme",
        },
        {"code", "type", "text"},
        "an item",
    )
    code = node["code"]
    if not isinstance(code, str) or not CODE_PATTERN.match(code) or len(code) > 120:
        raise SchemaError(
            "an item code must be lowercase letters, digits and '_', parts joined by dots "
            "(e.g. kl.meeting.welcome)",
            _line(node, "code"),
        )
    if code in earlier:
        raise SchemaError(f"the item code '{code}' is used twice", _line(node, "code"))
    what = f"item '{code}'"
    item_type = node["type"]
    if item_type not in ITEM_TYPES:
        raise SchemaError(
            f"{what} has type '{item_type}'; types are {', '.join(ITEM_TYPES)}", _line(node, "type")
        )
    text = _texts(node, "text", languages, what)
    help_text = _texts(node, "help", languages, what) if "help" in node else None
    options = _build_options(node, item_type, languages, what)
    max_length = node.get("max_length")
    if item_type == "text":
        if (
            not isinstance(max_length, int)
            or isinstance(max_length, bool)
            or not 1 <= max_length <= 5000
        ):
            raise SchemaError(
                f"{what} is a text item and needs max_length between 1 and 5000",
                _line(node, "max_length"),
            )
    elif max_length is not None:
        raise SchemaError(f"{what}: max_length is only for text items", _line(node, "max_length"))
    required = node.get("required", False)
    if not isinstance(required, bool):
        raise SchemaError(f"{what}: required must be true or false", _line(node, "required"))
    item_theme = node.get("theme", theme)
    if item_theme not in THEMES:
        raise SchemaError(f"{what} has an unknown theme '{item_theme}'", _line(node, "theme"))
    compare_key = node.get("compare_key", code)
    if not isinstance(compare_key, str) or not CODE_PATTERN.match(compare_key):
        raise SchemaError(
            f"{what}: compare_key must look like an item code", _line(node, "compare_key")
        )
    show_if = _build_condition(node, earlier, what) if "show_if" in node else None
    return Item(
        code=code,
        type=item_type,
        text=text,
        theme=item_theme,
        compare_key=compare_key,
        options=options,
        help=help_text,
        max_length=max_length if item_type == "text" else None,
        required=required,
        show_if=show_if,
    )


def _build_options(node, item_type: str, languages, what: str) -> tuple[Option, ...]:
    if item_type in ("likert5", "yesno", "text"):
        if "options" in node:
            raise SchemaError(
                f"{what}: a {item_type} item has fixed options; remove 'options'",
                _line(node, "options"),
            )
        return fixed_options(item_type)
    options_node = node.get("options")
    if not isinstance(options_node, list) or len(options_node) < 2:
        raise SchemaError(f"{what} needs a list of at least two options", _line(node, "options"))
    options: list[Option] = []
    for option_node in options_node:
        line = getattr(option_node, "line", _line(node, "options"))
        option_node = _require_mapping(option_node, f"an option of {what}", line)
        _allowed_keys(option_node, {"value", "label"}, {"value", "label"}, f"an option of {what}")
        value = option_node["value"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 999:
            raise SchemaError(
                f"{what}: option values must be whole numbers from 1 to 999",
                _line(option_node, "value"),
            )
        if value in {option.value for option in options}:
            raise SchemaError(
                f"{what}: the option value {value} is used twice", _line(option_node, "value")
            )
        options.append(
            Option(value, _texts(option_node, "label", languages, f"an option of {what}"))
        )
    return tuple(options)


def _build_condition(node, earlier: Mapping[str, Item], what: str) -> Condition:
    line = _line(node, "show_if")
    condition = node["show_if"]
    if not isinstance(condition, Mapping) or "item" not in condition:
        raise SchemaError(f"{what}: show_if needs 'item' and 'equals' or 'in'", line)
    extra = set(condition) - {"item", "equals", "in"}
    if extra or ("equals" in condition) == ("in" in condition):
        raise SchemaError(f"{what}: show_if takes 'item' and exactly one of 'equals' or 'in'", line)
    target = earlier.get(condition["item"])
    if target is None:
        raise SchemaError(
            f"{what}: show_if refers to '{condition['item']}', which is not an earlier item", line
        )
    if target.type not in CHOICE_TYPES:
        raise SchemaError(f"{what}: show_if must refer to a choice item, not a {target.type}", line)
    values = condition["in"] if "in" in condition else [condition["equals"]]
    if not isinstance(values, list) or not values:
        raise SchemaError(f"{what}: show_if 'in' must be a list of option values", line)
    for value in values:
        if value not in target.option_values:
            raise SchemaError(
                f"{what}: show_if value {value!r} is not an option of '{target.code}'", line
            )
    return Condition(item=target.code, values=tuple(values))
