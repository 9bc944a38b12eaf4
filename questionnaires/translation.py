"""Translation units of a questionnaire, and the checks an imported translation must pass.

A unit is one text to translate: its id (e.g. item/kl.goals.clear/text), the Danish
source and the translation. The same units serve the questionnaire files and the local
question bank; the file formats translators use are in questionnaires.exchange.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from questionnaires.model import Questionnaire
from questionnaires.schema import MAX_TEXT_LENGTH

SOURCE_LANGUAGE = "da"
# Placeholders a text may carry ({name}, %(name)s, %s): a translation keeps every one.
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]|%[sd]")
# A translation may be longer than its Danish source, but not out of all proportion: a
# text three times as long (plus a little for short labels) is a pasted paragraph or a
# wrong row, and would not fit where the source fits.
LENGTH_FACTOR = 3
LENGTH_SLACK = 30


FINGERPRINT_LENGTH = 12  # hex digits of SHA-256: enough to tell two wordings apart


def fingerprint(*sources: str) -> str:
    """A short SHA-256 of Danish source texts: what a translation records it was made from,
    so that a later change of the Danish shows the translation as stale."""
    joined = "\x1f".join(source.strip() for source in sources)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


# What check_import says, by kind; the app passes the same texts in the reader's language.
MESSAGES = {
    "unknown": "{id}: no such text in this questionnaire",
    "twice": "{id}: appears twice in the file",
    "stale": "{id}: the Danish text has changed since the file was made; translate the new "
    "text (export again)",
    "missing": "{id}: no translation",
    "not_in_file": "{id}: not in the file",
    "placeholders": "{id}: the placeholders must be kept exactly (Danish: {wanted}; "
    "translation: {found})",
    "too_long": "{id}: the translation is {length} characters long; at most {limit} fit where "
    "the Danish text ({source}) goes",
    "characters": "{id}: the translation contains characters that are not allowed",
}


@dataclass(frozen=True)
class Unit:
    id: str
    source: str
    target: str = ""
    note: str = ""
    # The translation was made from a Danish text that has changed since: translate anew.
    stale: bool = False

    @property
    def max_length(self) -> int:
        return min(MAX_TEXT_LENGTH, LENGTH_FACTOR * len(self.source) + LENGTH_SLACK)


@dataclass
class Checked:
    """An imported file checked against the current texts."""

    accepted: dict[str, str]  # unit id -> translation to store
    errors: list[str]  # nothing is stored while there is one
    stale: list[str]  # source changed since the file was exported: not stored
    missing: list[str]  # no translation in the file: left as it was


def questionnaire_units(questionnaire: Questionnaire, language: str) -> list[Unit]:
    """Every text of a questionnaire with its Danish source and current translation.

    The file's themes and its scales' labels are here too (the fixed scales of scales.py,
    used by items that name no scale, are one set for all questionnaires).
    """
    units = _questionnaire_units(questionnaire, language)
    recorded = questionnaire.translated_from.get(language, {})
    return [
        replace(unit, stale=unit.id in recorded and recorded[unit.id] != fingerprint(unit.source))
        if unit.target
        else unit
        for unit in units
    ]


def stale_units(questionnaire: Questionnaire, language: str) -> list[str]:
    """Ids of the texts whose translation was made from a Danish text that has changed since.

    A translation without a recorded source (imported before sources were recorded) is of
    unknown source, not stale.
    """
    return [unit.id for unit in questionnaire_units(questionnaire, language) if unit.stale]


def _questionnaire_units(questionnaire: Questionnaire, language: str) -> list[Unit]:
    units = [_unit("title", questionnaire.title, language, "questionnaire title")]
    for theme in questionnaire.themes:
        units.append(_unit(f"theme/{theme.key}/title", theme.title, language, "theme title"))
    for scale in questionnaire.scales:
        for option in scale.options:
            units.append(
                _unit(f"scale/{scale.key}/{option.value}", option.label, language, "scale label")
            )
    for page in questionnaire.pages:
        units.append(_unit(f"page/{page.key}/title", page.title, language, "page title"))
        if page.intro:
            units.append(_unit(f"page/{page.key}/intro", page.intro, language, "page intro"))
        for item in page.items:
            units.extend(item_units(f"item/{item.code}", item, language))
    return units


def item_units(prefix: str, item, language: str) -> list[Unit]:
    """The texts of one question: its text, help text and own options (not fixed scales)."""
    units = [_unit(f"{prefix}/text", item.text, language, "question")]
    if item.help:
        units.append(_unit(f"{prefix}/help", item.help, language, "help text"))
    if item.type in ("single", "multi"):
        for option in item.options:
            units.append(
                _unit(f"{prefix}/option/{option.value}", option.label, language, "answer option")
            )
    return units


def _unit(unit_id: str, texts: Mapping[str, str], language: str, note: str) -> Unit:
    return Unit(unit_id, texts.get(SOURCE_LANGUAGE, ""), texts.get(language, ""), note)


def check_import(
    current: Iterable[Unit], imported: Iterable[Unit], messages: Mapping[str, str] = MESSAGES
) -> Checked:
    """Compare a translator's units with the current ones; say plainly what is wrong."""
    say = {**MESSAGES, **messages}
    by_id = {unit.id: unit for unit in current}
    checked = Checked(accepted={}, errors=[], stale=[], missing=[])
    seen: set[str] = set()
    for unit in imported:
        known = by_id.get(unit.id)
        if known is None:
            checked.errors.append(say["unknown"].format(id=unit.id))
            continue
        if unit.id in seen:
            checked.errors.append(say["twice"].format(id=unit.id))
            continue
        seen.add(unit.id)
        target = unit.target.strip()
        if unit.source.strip() != known.source.strip():
            checked.stale.append(say["stale"].format(id=unit.id))
            continue
        if not target:
            checked.missing.append(say["missing"].format(id=unit.id))
            continue
        wanted, found = (
            sorted(PLACEHOLDER.findall(known.source)),
            sorted(PLACEHOLDER.findall(target)),
        )
        if wanted != found:
            checked.errors.append(
                say["placeholders"].format(
                    id=unit.id, wanted=", ".join(wanted) or "–", found=", ".join(found) or "–"
                )
            )
            continue
        if len(target) > known.max_length:
            checked.errors.append(
                say["too_long"].format(
                    id=unit.id,
                    length=len(target),
                    limit=known.max_length,
                    source=len(known.source),
                )
            )
            continue
        if "\x00" in target or "\n\n\n" in target:
            checked.errors.append(say["characters"].format(id=unit.id))
            continue
        checked.accepted[unit.id] = target
    for unit_id in by_id:
        if unit_id not in seen:
            checked.missing.append(say["not_in_file"].format(id=unit_id))
    return checked
