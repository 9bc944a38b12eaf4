"""Flags on a comment: a CPR number, a phone number, an e-mail address or a name, and the
automatic redaction an analyst starts from. Danish formats; a false alarm costs a glance,
a miss puts a person in a committee's papers."""

from __future__ import annotations

import re

from survey.comments.names import NAMES
from survey.ingest.cpr import CPR

# 8 digits, optionally +45 or 0045, in pairs, fours or runs: "12 34 56 78", "+4512345678".
PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)45[\s.-]?)?(?:\d[\s.-]?){7}\d(?![\d])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"\b[A-ZÆØÅ][a-zæøåé]+\b")

MASKS = {"cpr": "[CPR]", "phone": "[TELEFON]", "email": "[E-MAIL]", "name": "[NAVN]"}


def _names(text: str) -> list[str]:
    return [word for word in WORD.findall(text) if word in NAMES]


def flags(text: str) -> list[str]:
    """Which kinds of personal data the comment seems to hold, in a fixed order."""
    found = []
    if CPR.search(text):
        found.append("cpr")
    without_cpr = CPR.sub(" ", text)
    if PHONE.search(without_cpr):
        found.append("phone")
    if EMAIL.search(text):
        found.append("email")
    if _names(text):
        found.append("name")
    return found


def redact(text: str) -> str:
    """Every flagged piece replaced by its mask; CPR first (it looks like a phone number)."""
    text = CPR.sub(MASKS["cpr"], text)
    text = EMAIL.sub(MASKS["email"], text)
    text = PHONE.sub(MASKS["phone"], text)
    return WORD.sub(lambda m: MASKS["name"] if m.group(0) in NAMES else m.group(0), text)
