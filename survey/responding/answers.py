"""Reading a posted page of answers: what the citizen meant, or proof the post was tampered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from questionnaires import Item, Page
from questionnaires.model import NUMBER_LIMIT

CONTROL_FIELDS = frozenset({"csrf_token", "page", "action", "switch_language"})
ACTIONS = frozenset({"next", "back"})
LANGUAGE = "language"  # a language button: save the page as it is, show it in that language
WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")  # \d: digits of any script (int() reads them all)
WHITESPACE = re.compile(r"\s+")  # "1 000" as some write thousands


class TamperedPost(ValueError):
    """A post no honest form could send: answered with HTTP 400, nothing saved."""


@dataclass
class PageInput:
    action: str
    values: dict[str, str | None] = field(default_factory=dict)  # None: no answer
    errors: dict[str, str] = field(default_factory=dict)
    language: str | None = None  # the language chosen with a language button


def read_page_post(page: Page, form: MultiDict, saved: Mapping[str, str]) -> PageInput:
    """Check a posted page against the items the citizen was shown; raise TamperedPost."""
    if form.get("page") != page.key:
        raise TamperedPost("form posted to another page")
    action = form.get("action", "next")
    if action not in ACTIONS:
        raise TamperedPost("unknown action")
    language = form.get("switch_language")
    if language is not None:
        # The language buttons sit outside the form (form="answers") and send no action.
        if not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3):
            raise TamperedPost("not a language code")
        action = LANGUAGE
    items = page.visible_items(saved)
    codes = {item.code for item in items}
    for name in form:
        if name not in CONTROL_FIELDS and name not in codes:
            raise TamperedPost("unknown item code")
    result = PageInput(action=action, language=language)
    for item in items:
        value, error = _read_item(item, form.getlist(item.code))
        result.values[item.code] = value
        if error:
            result.errors[item.code] = error
        elif value is None and item.required and action == "next":
            result.errors[item.code] = _("Please answer this question.")
    return result


def _read_number(item: Item, raw: list[str]) -> tuple[str | None, str | None]:
    """A whole number as typed on any phone (digits of any script, spaces ignored); what was
    typed comes back with the message when it is not one or lies outside min and max."""
    if len(raw) > 1:
        raise TamperedPost("several values for a number item")
    typed = raw[0].strip() if raw else ""
    if "\x00" in typed:
        raise TamperedPost("NUL in a number")
    if not typed:
        return None, None
    compact = WHITESPACE.sub("", typed).replace("\u2212", "-")  # minus sign as typed on iOS
    if not WHOLE_NUMBER.match(compact) or len(compact) > 11:
        return typed[:40], _("Please write a whole number with digits only, for example 3.")
    number = int(compact)
    low, high = item.minimum, item.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            message = _("Please write a number from %(low)d to %(high)d.", low=low, high=high)
        elif low is not None:
            message = _("Please write a number of at least %(low)d.", low=low)
        else:
            message = _("Please write a number of at most %(high)d.", high=high)
        return typed[:40], message
    if abs(number) > NUMBER_LIMIT:
        return typed[:40], _("Please write a whole number with digits only, for example 3.")
    return str(number), None


def _read_item(item: Item, raw: list[str]) -> tuple[str | None, str | None]:
    if item.type == "number":
        return _read_number(item, raw)
    if item.type == "text":
        if len(raw) > 1:
            raise TamperedPost("several values for a text item")
        text = raw[0].replace("\r\n", "\n").strip() if raw else ""
        if "\x00" in text:
            raise TamperedPost("NUL in text")
        if not text:
            return None, None
        if item.max_length is None:  # the schema gives every text item one
            raise ValueError(f"the text item {item.code} has no max_length")
        if len(text) > item.max_length:
            return text, _(
                "The answer is %(length)d characters long. Please shorten it to at most %(limit)d.",
                length=len(text),
                limit=item.max_length,
            )
        return text, None
    allowed = item.option_values
    chosen = []
    for value in raw:
        if not (value.isascii() and value.isdigit()) or int(value) not in allowed:
            raise TamperedPost("value that was not offered")
        chosen.append(int(value))
    if not chosen:
        return None, None
    if item.type != "multi":
        if len(chosen) > 1:
            raise TamperedPost("several values for a single-choice item")
        return str(chosen[0]), None
    if len(set(chosen)) != len(chosen):
        raise TamperedPost("a repeated option")
    order = [option.value for option in item.options]
    return ";".join(str(value) for value in sorted(chosen, key=order.index)), None
