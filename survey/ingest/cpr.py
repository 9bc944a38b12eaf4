"""Danish CPR numbers, wherever they hide: in any column of an upload, or in a comment.

A CPR number is a date of birth (ddmmyy) and four digits. People write it with any
separator (0101901234, 010190-1234, 010190_1234, 01-01-90-1234, cpr:0101901234) and older
numbers need not pass the modulus-11 check, so any ten digits that begin with a real
day and month count, with or without separators, embedded in longer text or not. A false
alarm costs an administrator a corrected cell; a miss puts a person's identity in the data.
"""

from __future__ import annotations

import re

SEPARATOR = r"[\s._/:\\-]{0,3}"
CPR = re.compile(
    rf"(?<!\d)(0[1-9]|[12]\d|3[01]){SEPARATOR}(0[1-9]|1[0-2]){SEPARATOR}(\d{{2}}){SEPARATOR}(\d{{4}})(?!\d)"
)
MASK = "[CPR]"


def contains_cpr(text: str | None) -> bool:
    return text is not None and CPR.search(text) is not None


def mask_cpr(text: str) -> str:
    """The text with every CPR-like number replaced (for comments shown in reports)."""
    return CPR.sub(MASK, text)
