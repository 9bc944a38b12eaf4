"""Record whether a local question's translations are drafts or reviewed, and their source.

Each translated language of a question has an entry: "draft" (imported from a file or
typed in the editor, not checked by a professional translator) or "reviewed" (by a named
staff member, on a date), with the fingerprint of the Danish texts it was made from
(LocalQuestion.translation_state reads them). When the Danish wording changes afterwards
the translation is stale, and a stale translation counts as a draft for rounds: offered
only where the administrator accepted drafts, and named as a draft in the results, until
it is translated again or reviewed against the new Danish. It is still shown (marked) on
the staff pages, never silently as current.
"""

from __future__ import annotations

from datetime import date

from survey.core import audit
from survey.models import LocalQuestion
from survey.models.question import DRAFT, REVIEWED

EDITOR = "typed in the question editor"
FILE = "imported from a translation file"


def mark_draft(question: LocalQuestion, languages, by: str) -> None:
    """New or changed translations in `languages`: drafts made from today's Danish."""
    if not languages:
        return
    source = question.danish_fingerprint()
    entries = dict(question.translations or {})
    for language in languages:
        entries[language] = {"status": DRAFT, "translated_by": by, "source": source}
    question.translations = entries


def texts_by_language(question: LocalQuestion) -> dict[str, tuple[str, ...]]:
    return {lang: question.language_texts(lang) for lang in question.translated_languages()}


def carry_over(
    before: dict[str, tuple[str, ...]], entries: dict | None, new: LocalQuestion
) -> None:
    """After an edit (`before`: texts_by_language of the old wording, `entries` its
    translations): a language whose texts did not change keeps its entry (and so turns
    stale if the Danish changed); a changed or new one is a draft of the new Danish."""
    entries = dict(entries or {})
    kept: dict[str, dict] = {}
    changed = []
    for language, texts in texts_by_language(new).items():
        if before.get(language) != texts:
            changed.append(language)
        elif language in entries:
            kept[language] = entries[language]
    new.translations = kept or None
    mark_draft(new, changed, EDITOR)


def review(question: LocalQuestion, language: str, reviewer: str) -> None:
    """A named staff member has checked the translation against today's Danish (audited)."""
    if language == "da" or not (question.texts or {}).get(language):
        raise ValueError(f"{question.code} has no translation into {language}")
    entries = dict(question.translations or {})
    entries[language] = {
        "status": REVIEWED,
        "reviewed_by": reviewer,
        "reviewed_on": date.today().isoformat(),
        "source": question.danish_fingerprint(),
    }
    question.translations = entries
    audit.record(
        "question.translation_review",
        question,
        details={"code": question.code, "language": language, "reviewed_by": reviewer},
    )
