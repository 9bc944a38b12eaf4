"""Frozen dataclasses for a questionnaire, and their plain-dict form for a round snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from questionnaires.scales import DONT_KNOW, LIKERT5, YESNO

LOCAL_THEME = "local"  # local questions at the end of a round: not one of the file's themes
ITEM_TYPES = ("likert5", "yesno", "scale", "single", "multi", "text", "number")
NUMBER_LIMIT = 10**9  # a number item's answers and bounds stay within ± this (whole numbers)
CHOICE_TYPES = ("likert5", "yesno", "scale", "single", "multi")
SCALE_TYPES = ("likert5", "yesno", "scale")  # items answered on one of the file's scales
# Danish is the source text; every other language is a translation that is either a
# draft (not checked by a professional translator) or reviewed (by whom, when).
TRANSLATION_STATUSES = ("source", "draft", "reviewed")


# Snapshots frozen before statuses existed offered Danish and the authors' own English.
LEGACY_TRANSLATIONS = {"en": {"status": "reviewed", "reviewed_by": "Borgerblik's authors"}}


def draft_status() -> dict[str, str]:
    return {"status": "draft"}


def pick_text(texts: Mapping[str, str] | None, language: str) -> str:
    """Text in the wanted language, falling back to Danish, which is always present."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("da") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Option:
    value: int
    label: Mapping[str, str]

    def to_dict(self) -> dict:
        return {"value": self.value, "label": dict(self.label)}


@dataclass(frozen=True)
class Theme:
    """A theme of the questionnaire: its key, its title per language; order is file order."""

    key: str
    title: Mapping[str, str]

    def to_dict(self) -> dict:
        return {"key": self.key, "title": dict(self.title)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Theme:
        return cls(key=data["key"], title=dict(data["title"]))


@dataclass(frozen=True)
class Scale:
    """An answer scale: its options in display order, which values count as positive,
    which are recorded but not valid ("ved ikke"), and whether a mean is meaningful."""

    key: str
    options: tuple[Option, ...]
    positive: tuple[int, ...]
    not_valid: tuple[int, ...] = ()
    mean: bool = False

    @property
    def valid(self) -> tuple[int, ...]:
        return tuple(
            sorted(option.value for option in self.options if option.value not in self.not_valid)
        )

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "options": [option.to_dict() for option in self.options],
            "positive": list(self.positive),
            "not_valid": list(self.not_valid),
            "mean": self.mean,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Scale:
        return cls(
            key=data["key"],
            options=tuple(Option(int(o["value"]), dict(o["label"])) for o in data["options"]),
            positive=tuple(int(v) for v in data["positive"]),
            not_valid=tuple(int(v) for v in data.get("not_valid", ())),
            mean=bool(data.get("mean", False)),
        )


# The scales of files written before scales were declared in the file (and of local
# questions): likert5 is agreement 1-5 with "ved ikke" as 0, yesno is 1 ja, 2 nej.
AGREEMENT5 = Scale(
    "agreement5",
    tuple(Option(value, label) for value, label in LIKERT5),
    positive=(4, 5),
    not_valid=(DONT_KNOW,),
    mean=True,
)
YESNO_SCALE = Scale("yesno", tuple(Option(value, label) for value, label in YESNO), positive=(1,))
DEFAULT_SCALES = {"likert5": AGREEMENT5, "yesno": YESNO_SCALE}


@dataclass(frozen=True)
class Background:
    """Which background variable an item's answer gives, and the code of each value."""

    variable: str
    codes: Mapping[int, str]

    def code_for(self, answer: str | None) -> str | None:
        if answer is None or not answer.isdigit():
            return None
        return self.codes.get(int(answer))

    def to_dict(self) -> dict:
        return {"variable": self.variable, "codes": {str(k): v for k, v in self.codes.items()}}

    @classmethod
    def from_dict(cls, data: Mapping) -> Background:
        return cls(data["variable"], {int(k): str(v) for k, v in data["codes"].items()})


@dataclass(frozen=True)
class Condition:
    """Show an item only when an earlier item's saved answer is one of `values`."""

    item: str
    values: tuple[int, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        saved = answers.get(self.item)
        if saved is None:
            return False
        return any(str(value) in saved.split(";") for value in self.values)

    def to_dict(self) -> dict:
        return {"item": self.item, "in": list(self.values)}


@dataclass(frozen=True)
class Item:
    code: str
    type: str
    text: Mapping[str, str]
    theme: str
    compare_key: str
    options: tuple[Option, ...] = ()
    help: Mapping[str, str] | None = None
    max_length: int | None = None
    required: bool = False
    show_if: Condition | None = None
    source: str = "core"  # "core" (the questionnaire) or "local" (the municipality's bank)
    scale: Scale | None = None  # the answer scale of likert5, yesno and scale items
    # A background question: its answer's value -> the code of a background variable
    # (e.g. benefit_group), used for sheets that carry no background (open links).
    background: Background | None = None
    # A number item's lowest and highest accepted answer (whole numbers), if any.
    minimum: int | None = None
    maximum: int | None = None

    @property
    def option_values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    @property
    def answer_scale(self) -> Scale | None:
        """The item's scale: its own, or the fixed one of a likert5 or yes/no item."""
        return self.scale or DEFAULT_SCALES.get(self.type)

    def is_shown(self, answers: Mapping[str, str]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    def to_dict(self) -> dict:
        data = {
            "code": self.code,
            "type": self.type,
            "text": dict(self.text),
            "theme": self.theme,
            "compare_key": self.compare_key,
            "options": [option.to_dict() for option in self.options],
            "required": self.required,
            "source": self.source,
        }
        if self.help:
            data["help"] = dict(self.help)
        if self.max_length is not None:
            data["max_length"] = self.max_length
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        if self.scale is not None:
            data["scale"] = self.scale.key
        if self.background is not None:
            data["background"] = self.background.to_dict()
        if self.minimum is not None:
            data["min"] = self.minimum
        if self.maximum is not None:
            data["max"] = self.maximum
        return data

    @classmethod
    def from_dict(cls, data: Mapping, scales: Mapping[str, Scale] | None = None) -> Item:
        show_if = data.get("show_if")
        scale_key = data.get("scale")
        return cls(
            code=data["code"],
            type=data["type"],
            text=dict(data["text"]),
            theme=data["theme"],
            compare_key=data.get("compare_key") or data["code"],
            options=tuple(
                Option(int(o["value"]), dict(o["label"])) for o in data.get("options", ())
            ),
            help=dict(data["help"]) if data.get("help") else None,
            max_length=data.get("max_length"),
            required=bool(data.get("required", False)),
            show_if=Condition(show_if["item"], tuple(show_if["in"])) if show_if else None,
            source=data.get("source", "core"),
            scale=(scales or {})[scale_key] if scale_key else None,
            background=Background.from_dict(data["background"]) if data.get("background") else None,
            minimum=data.get("min"),
            maximum=data.get("max"),
        )


@dataclass(frozen=True)
class Page:
    key: str
    theme: str
    title: Mapping[str, str]
    items: tuple[Item, ...]
    intro: Mapping[str, str] | None = None

    def visible_items(self, answers: Mapping[str, str]) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.is_shown(answers))

    def to_dict(self) -> dict:
        data = {
            "key": self.key,
            "theme": self.theme,
            "title": dict(self.title),
            "items": [item.to_dict() for item in self.items],
        }
        if self.intro:
            data["intro"] = dict(self.intro)
        return data

    @classmethod
    def from_dict(cls, data: Mapping, scales: Mapping[str, Scale] | None = None) -> Page:
        return cls(
            key=data["key"],
            theme=data["theme"],
            title=dict(data["title"]),
            items=tuple(Item.from_dict(item, scales) for item in data["items"]),
            intro=dict(data["intro"]) if data.get("intro") else None,
        )


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    title: Mapping[str, str]
    languages: tuple[str, ...]
    pages: tuple[Page, ...]
    estimated_minutes: int = 5
    source_path: str | None = field(default=None, compare=False)
    themes: tuple[Theme, ...] = ()
    scales: tuple[Scale, ...] = ()
    provenance: str | None = field(default=None, compare=False)
    # The item that asks for overall satisfaction (KL's headline figure), for key drivers
    # and trends: named in the file, never in the code.
    headline: str | None = None

    def scale(self, key: str) -> Scale:
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise KeyError(key)

    # Per language: {"status": "source"|"draft"|"reviewed", "reviewed_by", "reviewed_on"}.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Per language, per text id (questionnaires/translation.py): the fingerprint of the
    # Danish each translation was made from, to tell stale ones. Only the file holds it: a
    # round's snapshot freezes the texts, and staleness is for the people who ship files.
    translated_from: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # The pages shown per answer to the items conditions read: a round's questions live as
    # long as the process (cached per snapshot digest), and a citizen's page asked for them
    # four times. Not copied by dataclasses.replace (init=False): other pages, other memo.
    _visible: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def translation_status(self, language: str) -> str:
        """'source' for Danish; a language without a status block is an honest 'draft'."""
        if language == "da":
            return "source"
        return str(self.translations.get(language, draft_status()).get("status", "draft"))

    @property
    def draft_languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in self.languages if self.translation_status(lang) == "draft")

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for page in self.pages for item in page.items)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def page(self, key: str) -> Page:
        for page in self.pages:
            if page.key == key:
                return page
        raise KeyError(key)

    def theme_order(self) -> tuple[Theme, ...]:
        """The themes in file order; for snapshots taken before themes were declared in the
        file, the pages' themes in page order with the pages' titles."""
        if self.themes:
            return self.themes
        found: dict[str, Theme] = {}
        for page in self.pages:
            if page.theme != LOCAL_THEME and page.theme not in found:
                found[page.theme] = Theme(page.theme, dict(page.title))
        return tuple(found.values())

    def visible_pages(self, answers: Mapping[str, str]) -> tuple[Page, ...]:
        """Pages with at least one item to show, given the answers saved so far."""
        conditions = self._visible.get(None)
        if conditions is None:
            read = {i.show_if.item for i in self.items if i.show_if is not None}
            conditions = self._visible[None] = tuple(sorted(read))
        key = tuple(answers.get(code) for code in conditions)
        pages = self._visible.get(key)
        if pages is None:
            pages = tuple(page for page in self.pages if page.visible_items(answers))
            if len(self._visible) < 256:  # bounded: a few conditions, a few answers each
                self._visible[key] = pages
        return pages

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "version": self.version,
            "title": dict(self.title),
            "languages": list(self.languages),
            "estimated_minutes": self.estimated_minutes,
            "themes": [theme.to_dict() for theme in self.themes],
            "scales": [scale.to_dict() for scale in self.scales],
            **({"headline": self.headline} if self.headline else {}),
            # A language without an entry is a draft (translation_status); kept as it was.
            "translations": {lang: dict(status) for lang, status in self.translations.items()},
            "pages": [page.to_dict() for page in self.pages],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Questionnaire:
        scales = tuple(Scale.from_dict(scale) for scale in data.get("scales", ()))
        by_key = {scale.key: scale for scale in scales}
        return cls(
            key=data["key"],
            version=int(data["version"]),
            title=dict(data["title"]),
            languages=tuple(data["languages"]),
            pages=tuple(Page.from_dict(page, by_key) for page in data["pages"]),
            estimated_minutes=int(data.get("estimated_minutes", 5)),
            themes=tuple(Theme.from_dict(theme) for theme in data.get("themes", ())),
            scales=scales,
            headline=data.get("headline"),
            translations=(
                {lang: dict(status) for lang, status in data["translations"].items()}
                if "translations" in data
                else LEGACY_TRANSLATIONS
            ),
        )


PLACEHOLDER = "{organisation}"


def _filled(texts: Mapping[str, str] | None, name: str) -> dict[str, str] | None:
    if texts is None:
        return None
    return {lang: text.replace(PLACEHOLDER, name) for lang, text in texts.items()}


def fill_organisation(questionnaire: Questionnaire, name: str) -> Questionnaire:
    """Every {organisation} in the questionnaire's texts replaced by the organisation's name
    (done when a round's questions are built, so the frozen snapshot holds the name)."""

    def item(it: Item) -> Item:
        return replace(
            it,
            text=_filled(it.text, name) or {},
            help=_filled(it.help, name),
            options=tuple(Option(o.value, _filled(o.label, name) or {}) for o in it.options),
        )

    pages = tuple(
        replace(
            page,
            title=_filled(page.title, name) or {},
            intro=_filled(page.intro, name),
            items=tuple(item(it) for it in page.items),
        )
        for page in questionnaire.pages
    )
    return replace(questionnaire, title=_filled(questionnaire.title, name) or {}, pages=pages)


def fixed_options(item_type: str) -> tuple[Option, ...]:
    """The options every likert5 and yes/no item has; other types define their own."""
    scale = {"likert5": LIKERT5, "yesno": YESNO}.get(item_type, ())
    return tuple(Option(value, label) for value, label in scale)
