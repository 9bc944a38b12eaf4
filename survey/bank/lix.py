"""LIX, the Scandinavian readability index (Björnsson 1968).

LIX = words / sentences + 100 * long words / words, where a long word has more than six
letters. Under 30 is easy; above 40 is hard for the one adult in six who reads poorly.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")
WARN_ABOVE = 40


def lix(text: str) -> float | None:
    """The LIX score of `text`, or None when it has no words."""
    words = WORD.findall(text or "")
    if not words:
        return None
    sentences = max(1, len(SENTENCE_END.findall(text.strip() + " ")))
    long_words = sum(1 for word in words if len(word.replace("-", "").replace("'", "")) > 6)
    return round(len(words) / sentences + 100 * long_words / len(words), 1)


def question_lix(text: str | None, help_text: str | None = None) -> float | None:
    """The one readability score of a bank question, wherever it is shown: LIX of what a
    Danish reader reads, the question's Danish text and its Danish help text together.

    Each part counts as its own sentence even without a full stop, so a question without a
    question mark does not run into its help text as one long sentence."""
    parts = [part.strip() for part in (text, help_text) if part and part.strip()]
    ended = [part if SENTENCE_END.search(part + " ") else part + "." for part in parts]
    return lix(" ".join(ended))
