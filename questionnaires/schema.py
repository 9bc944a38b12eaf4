"""The questionnaire schema: every rule a YAML file must satisfy, with plain messages.

Hand-written rather than JSON Schema, so each message can say in plain words what is
wrong and point at the line where it is (administrators edit these files too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from questionnaires.model import (
    CHOICE_TYPES,
    DEFAULT_SCALES,
    ITEM_TYPES,
    LOCAL_THEME,
    NUMBER_LIMIT,
    TRANSLATION_STATUSES,
    Background,
    Condition,
    Item,
    Option,
    Page,
    Questionnaire,
    Scale,
    Theme,
    fixed_options,
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
FINGERPRINT_PATTERN = re.compile(r"^[0-9a-f]{8,64}$")
MAX_TEXT_LENGTH = 5000
PLACEHOLDER_PATTERN = re.compile(r"\{([A-Za-z_]+)\}")
PLACEHOLDERS = ("organisation",)  # filled from the municipality's settings
THEME_KEY_LENGTH = 20  # a local question's placement names a theme (round_question.placement)


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
        for name in PLACEHOLDER_PATTERN.findall(text if isinstance(text, str) else ""):
            if name not in PLACEHOLDERS:
                raise SchemaError(
                    f"{what} '{key}' has the placeholder '{{{name}}}'; the only placeholder is "
                    "{organisation}",
                    line,
                )
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
        {
            "key",
            "version",
            "title",
            "languages",
            "translations",
            "translated_from",
            "estimated_minutes",
            "provenance",
            "headline",
            "themes",
            "scales",
            "pages",
        },
        {"key", "version", "title", "languages", "themes", "pages"},
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
    translated_from = (
        _translated_from(data["translated_from"], languages, _line(data, "translated_from"))
        if "translated_from" in data
        else {}
    )
    title = _texts(data, "title", languages, "the questionnaire")
    provenance = data.get("provenance")
    if provenance is not None and (not isinstance(provenance, str) or not provenance.strip()):
        raise SchemaError("provenance must be a text", _line(data, "provenance"))
    themes = _build_themes(data, languages)
    scales = _build_scales(data, languages)
    pages_node = data["pages"]
    if not isinstance(pages_node, list) or not pages_node:
        raise SchemaError("pages must be a non-empty list", _line(data, "pages"))

    context = _Context(languages, {theme.key for theme in themes}, scales)
    seen_codes: dict[str, Item] = {}
    seen_pages: set[str] = set()
    pages = []
    for page_node in pages_node:
        page = _build_page(page_node, context, seen_codes, _line(data, "pages"))
        if page.key in seen_pages:
            raise SchemaError(f"page key '{page.key}' is used twice", _line(page_node, "key"))
        seen_pages.add(page.key)
        pages.append(page)
    _check_compare_keys(pages_node, pages)
    headline = data.get("headline")
    if headline is not None:
        items = {item.code: item for page in pages for item in page.items}
        target = items.get(headline) if isinstance(headline, str) else None
        if target is None or target.type not in ("likert5", "scale"):
            raise SchemaError(
                "headline must name a scale item of the file (the overall satisfaction item)",
                _line(data, "headline"),
            )
    return Questionnaire(
        key=key,
        version=version,
        title=title,
        languages=languages,
        pages=tuple(pages),
        estimated_minutes=minutes,
        source_path=source_path,
        themes=themes,
        scales=tuple(scales.values()),
        provenance=provenance.strip() if provenance else None,
        headline=headline,
        translations=translations,
        translated_from=translated_from,
    )


class _Context(NamedTuple):
    languages: tuple[str, ...]
    themes: set[str]
    scales: dict[str, Scale]


def _build_themes(data: Mapping, languages: tuple[str, ...]) -> tuple[Theme, ...]:
    """`themes:` a list of {key, title}; the order of the list is the order of the report."""
    node = data["themes"]
    if not isinstance(node, list) or not node:
        raise SchemaError("themes must be a non-empty list of themes", _line(data, "themes"))
    themes: list[Theme] = []
    for theme_node in node:
        line = getattr(theme_node, "line", _line(data, "themes"))
        theme_node = _require_mapping(theme_node, "a theme", line)
        _allowed_keys(theme_node, {"key", "title"}, {"key", "title"}, "a theme")
        key = theme_node["key"]
        if (
            not isinstance(key, str)
            or not KEY_PATTERN.match(key)
            or key == LOCAL_THEME
            or len(key) > THEME_KEY_LENGTH
        ):
            raise SchemaError(
                f"a theme key must be at most {THEME_KEY_LENGTH} lowercase letters, digits or "
                "'_' (and not 'local', which is kept for local questions)",
                _line(theme_node, "key"),
            )
        if key in {theme.key for theme in themes}:
            raise SchemaError(f"the theme '{key}' is declared twice", _line(theme_node, "key"))
        themes.append(Theme(key, _texts(theme_node, "title", languages, f"theme '{key}'")))
    return tuple(themes)


def _build_scales(data: Mapping, languages: tuple[str, ...]) -> dict[str, Scale]:
    """`scales:` a list of {key, mean, values: [{value, label, positive, valid}]}."""
    node = data.get("scales", [])
    if not isinstance(node, list):
        raise SchemaError("scales must be a list of scales", _line(data, "scales"))
    scales: dict[str, Scale] = {}
    for scale_node in node:
        line = getattr(scale_node, "line", _line(data, "scales"))
        scale_node = _require_mapping(scale_node, "a scale", line)
        _allowed_keys(scale_node, {"key", "mean", "values"}, {"key", "values"}, "a scale")
        key = scale_node["key"]
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise SchemaError(
                "a scale key must be lowercase letters, digits or '_'", _line(scale_node, "key")
            )
        if key in scales:
            raise SchemaError(f"the scale '{key}' is declared twice", _line(scale_node, "key"))
        what = f"scale '{key}'"
        mean = scale_node.get("mean", False)
        if not isinstance(mean, bool):
            raise SchemaError(f"{what}: mean must be true or false", _line(scale_node, "mean"))
        values_node = scale_node["values"]
        if not isinstance(values_node, list) or len(values_node) < 2:
            raise SchemaError(
                f"{what} needs a list of at least two values", _line(scale_node, "values")
            )
        options: list[Option] = []
        positive: list[int] = []
        not_valid: list[int] = []
        for value_node in values_node:
            value_line = getattr(value_node, "line", _line(scale_node, "values"))
            value_node = _require_mapping(value_node, f"a value of {what}", value_line)
            _allowed_keys(
                value_node,
                {"value", "label", "positive", "valid"},
                {"value", "label"},
                f"a value of {what}",
            )
            value = value_node["value"]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 999:
                raise SchemaError(
                    f"{what}: values must be whole numbers from 0 to 999",
                    _line(value_node, "value"),
                )
            if value in {option.value for option in options}:
                raise SchemaError(
                    f"{what}: the value {value} is used twice", _line(value_node, "value")
                )
            for flag in ("positive", "valid"):
                if not isinstance(value_node.get(flag, flag == "valid"), bool):
                    raise SchemaError(
                        f"{what}: {flag} must be true or false", _line(value_node, flag)
                    )
            valid = value_node.get("valid", True)
            if value_node.get("positive", False):
                if not valid:
                    raise SchemaError(
                        f"{what}: a value that is not valid cannot count as positive",
                        _line(value_node, "positive"),
                    )
                positive.append(value)
            if not valid:
                not_valid.append(value)
            label = _texts(value_node, "label", languages, f"a value of {what}")
            options.append(Option(value, label))
        if not positive:
            raise SchemaError(
                f"{what}: mark the values that count as positive (positive: true)",
                _line(scale_node, "values"),
            )
        if len(options) - len(not_valid) < 2:
            raise SchemaError(
                f"{what} needs at least two valid values", _line(scale_node, "values")
            )
        scales[key] = Scale(key, tuple(options), tuple(sorted(positive)), tuple(not_valid), mean)
    return scales


# A likert5 or yesno item may take a scale of the file only if it has the same shape as the
# fixed one (every part of the app that shows a 5-point scale or a yes/no relies on it).
_SHAPES = {
    "likert5": ({1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 5}),
    "yesno": ({1, 2},),
}


def scale_signature(scale: Scale | None) -> tuple | None:
    """What makes two scales the same scale: values, Danish labels, positive and valid."""
    if scale is None:
        return None
    return tuple(
        (o.value, o.label.get("da"), o.value in scale.positive, o.value in scale.not_valid)
        for o in sorted(scale.options, key=lambda o: o.value)
    )


def _check_compare_keys(pages_node: list, pages: list[Page]) -> None:
    """Items that share a compare key must share a scale (else they are not comparable)."""
    seen: dict[str, Item] = {}
    nodes = [item_node for page_node in pages_node for item_node in page_node["items"]]
    items = [item for page in pages for item in page.items]
    for node, item in zip(nodes, items, strict=True):
        earlier = seen.setdefault(item.compare_key, item)
        if earlier is not item and scale_signature(earlier.answer_scale) != scale_signature(
            item.answer_scale
        ):
            raise SchemaError(
                f"item '{item.code}' shares the compare key '{item.compare_key}' with "
                f"'{earlier.code}', which is asked on another scale",
                _line(node, "compare_key"),
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


def _translated_from(node, languages: tuple[str, ...], line: int) -> dict[str, dict[str, str]]:
    """Per language, per text id: the fingerprint of the Danish text it was translated from
    (written by the translation import; questionnaires/translation.py reads it)."""
    node = _require_mapping(node, "translated_from", line)
    found: dict[str, dict[str, str]] = {}
    for language, entry in node.items():
        where = _line(node, language)
        if language not in languages or language == "da":
            raise SchemaError(
                f"translated_from names '{language}', which is not a translated language", where
            )
        entry = _require_mapping(entry, f"translated_from '{language}'", where)
        for unit_id, value in entry.items():
            if not isinstance(value, str) or not FINGERPRINT_PATTERN.match(value):
                raise SchemaError(
                    f"translated_from '{language}' '{unit_id}' must be a hexadecimal fingerprint",
                    _line(entry, unit_id),
                )
        found[language] = {str(unit_id): value for unit_id, value in entry.items()}
    return found


def _build_page(node, context: _Context, seen_codes: dict[str, Item], parent_line: int) -> Page:
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
    if theme not in context.themes:
        raise SchemaError(
            f"page '{key}' has theme '{theme}'; the file's themes are "
            f"{', '.join(sorted(context.themes))}",
            _line(node, "theme"),
        )
    languages = context.languages
    title = _texts(node, "title", languages, f"page '{key}'")
    intro = _texts(node, "intro", languages, f"page '{key}'") if "intro" in node else None
    items_node = node["items"]
    if not isinstance(items_node, list) or not items_node:
        raise SchemaError(f"page '{key}' must have a non-empty list of items", _line(node, "items"))
    items = []
    for item_node in items_node:
        item = build_item(
            item_node, languages, theme, seen_codes, _line(node, "items"), context=context
        )
        seen_codes[item.code] = item
        items.append(item)
    return Page(key=key, theme=theme, title=title, items=tuple(items), intro=intro)


def build_item(
    node,
    languages,
    theme: str,
    earlier: Mapping[str, Item],
    parent_line: int,
    context: _Context | None = None,
) -> Item:
    """Check one item; `earlier` holds the items before it, which show_if may refer to.

    `context` holds the file's themes and scales; without it (a local question) the item
    keeps the theme it is given and can only use the fixed scales."""
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
            "scale",
            "background",
            "min",
            "max",
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
    scale = _item_scale(node, item_type, context, what)
    options = _build_options(node, item_type, languages, what)
    if scale is not None:
        options = scale.options
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
    minimum, maximum = _number_bounds(node, item_type, what)
    required = node.get("required", False)
    if not isinstance(required, bool):
        raise SchemaError(f"{what}: required must be true or false", _line(node, "required"))
    item_theme = node.get("theme", theme)
    if context is not None and item_theme not in context.themes:
        raise SchemaError(f"{what} has an unknown theme '{item_theme}'", _line(node, "theme"))
    compare_key = node.get("compare_key", code)
    if not isinstance(compare_key, str) or not CODE_PATTERN.match(compare_key):
        raise SchemaError(
            f"{what}: compare_key must look like an item code", _line(node, "compare_key")
        )
    show_if = _build_condition(node, earlier, what) if "show_if" in node else None
    background = _build_background(node, options, what) if "background" in node else None
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
        scale=scale if item_type == "scale" or "scale" in node else None,
        background=background,
        minimum=minimum,
        maximum=maximum,
    )


def _number_bounds(node, item_type: str, what: str) -> tuple[int | None, int | None]:
    """A number item's optional `min` and `max`: whole numbers, min not above max."""
    bounds: list[int | None] = []
    for key in ("min", "max"):
        value = node.get(key)
        if value is not None and item_type != "number":
            raise SchemaError(f"{what}: {key} is only for number items", _line(node, key))
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or abs(value) > NUMBER_LIMIT
        ):
            raise SchemaError(
                f"{what}: {key} must be a whole number between -{NUMBER_LIMIT} and {NUMBER_LIMIT}",
                _line(node, key),
            )
        bounds.append(value)
    low, high = bounds
    if low is not None and high is not None and low > high:
        raise SchemaError(f"{what}: min is above max", _line(node, "min"))
    return low, high


def _build_background(node, options: tuple[Option, ...], what: str) -> Background:
    """`background: {variable: benefit_group, codes: {1: kontanthjaelp, ...}}` on a single
    choice item: its answer gives the background of sheets that have none (open links)."""
    line = _line(node, "background")
    spec = node["background"]
    if node["type"] != "single" or not isinstance(spec, Mapping):
        raise SchemaError(
            f"{what}: background is for single choice items: {{variable: ..., codes: {{...}}}}",
            line,
        )
    if set(spec) != {"variable", "codes"}:
        raise SchemaError(f"{what}: background takes 'variable' and 'codes'", line)
    variable, codes = spec["variable"], spec["codes"]
    if not isinstance(variable, str) or not variable.isidentifier():
        raise SchemaError(f"{what}: background variable must be a name, e.g. benefit_group", line)
    values = {option.value for option in options}
    if not isinstance(codes, Mapping) or not codes:
        raise SchemaError(f"{what}: background codes must map option values to codes", line)
    for value, code in codes.items():
        if value not in values:
            raise SchemaError(
                f"{what}: background code for {value!r}, which is not an option", line
            )
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            raise SchemaError(f"{what}: background code of {value} must be a short text", line)
    return Background(variable, {int(v): c.strip() for v, c in codes.items()})


def _item_scale(node, item_type: str, context: _Context | None, what: str) -> Scale | None:
    """The scale a scale item names; a likert5 or yesno item's own or fixed scale."""
    if "scale" not in node:
        if item_type == "scale":
            raise SchemaError(f"{what} is a scale item and needs 'scale: KEY'", _line(node, "type"))
        return DEFAULT_SCALES.get(item_type)
    key = node["scale"]
    line = _line(node, "scale")
    if item_type not in ("scale", *_SHAPES):
        raise SchemaError(f"{what}: only likert5, yesno and scale items take a scale", line)
    scales = context.scales if context is not None else {}
    if key not in scales:
        known = ", ".join(sorted(scales)) or "none"
        raise SchemaError(f"{what} names the scale '{key}', which is not declared ({known})", line)
    scale = scales[key]
    if item_type in _SHAPES and {o.value for o in scale.options} not in _SHAPES[item_type]:
        raise SchemaError(
            f"{what}: a {item_type} item needs a scale with the values of {item_type}; "
            f"use type: scale for the scale '{key}'",
            line,
        )
    if item_type == "likert5" and (
        set(scale.positive) != {4, 5} or scale.not_valid not in ((), (0,))
    ):
        raise SchemaError(
            f"{what}: a likert5 scale counts 4 and 5 as positive and only 0 as not valid", line
        )
    if item_type == "yesno" and scale.positive != (1,):
        raise SchemaError(f"{what}: a yesno scale counts 1 (yes) as positive", line)
    return scale


def _build_options(node, item_type: str, languages, what: str) -> tuple[Option, ...]:
    if item_type in ("likert5", "yesno", "scale", "text", "number"):
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
