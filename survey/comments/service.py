"""Comments for analysts: read (closed rounds only, random order, audited), reviewed
(redacted, tagged, chosen as quotes; audited), counted per theme and group (suppressed
under 5), and quoted in a report only as reviewed and redacted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis.compare import MIN_N
from survey.comments.flags import flags, redact
from survey.core import audit
from survey.core.extensions import db
from survey.models import Answer, CommentReview, CommentTheme, Response, Round
from survey.rounds.definition import round_definition

PER_PAGE = 20


class CommentsRefused(ValueError):
    """Comments that may not be read now; the message is for the analyst."""


@dataclass(frozen=True)
class Comment:
    response_id: str
    item_code: str
    question: str
    text: str  # as the citizen wrote it: shown to the analyst only
    flags: list[str]
    suggested: list[int]  # theme ids whose keywords occur
    review: CommentReview | None

    @property
    def key(self) -> str:
        return f"{self.response_id}:{self.item_code}"

    @property
    def redacted(self) -> str:
        return self.review.redacted if self.review else redact(self.text)


def _text_items(survey_round: Round) -> dict[str, str]:
    from questionnaires.model import pick_text

    return {
        item.code: pick_text(item.text, "da")
        for item in round_definition(survey_round).items
        if item.type == "text"
    }


def _shuffled_key(survey_round: Round, response_id: str, item_code: str) -> str:
    # Random order, the same on every page: comments written one after another (or the
    # same comment pasted by one person) are not shown together, nor alphabetically.
    secret = str(current_app.config["SECRET_KEY"])
    return hashlib.sha256(
        f"{secret}:{survey_round.id}:{response_id}:{item_code}".encode()
    ).hexdigest()


def _answers(survey_round: Round) -> list[tuple[str, str, str]]:
    if survey_round.state != "closed":
        raise CommentsRefused(_("Comments can be read once the round is closed."))
    codes = _text_items(survey_round)
    rows = db.session.execute(
        select(Answer.response_id, Answer.item_code, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.round_id == survey_round.id,
            Response.completed.is_(True),
            Answer.item_code.in_(codes),
        )
    ).all()
    rows = [row for row in rows if row[2].strip()]
    return sorted(rows, key=lambda row: _shuffled_key(survey_round, row[0], row[1]))


def themes_of(municipality_code: int) -> list[CommentTheme]:
    return list(
        db.session.scalars(
            select(CommentTheme)
            .where(CommentTheme.municipality_code == municipality_code)
            .order_by(CommentTheme.name)
        )
    )


def suggest(text: str, themes: list[CommentTheme]) -> list[int]:
    lowered = text.lower()
    return [t.id for t in themes if any(k.lower() in lowered for k in t.keywords if k.strip())]


def read_comments(survey_round: Round, page: int = 1) -> tuple[list[Comment], int]:
    """One page of the round's comments in random order, with flags; the read is audited."""
    rows = _answers(survey_round)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(page, 1), pages)
    chosen = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    reviews = {
        (r.response_id, r.item_code): r
        for r in db.session.scalars(
            select(CommentReview).where(CommentReview.round_id == survey_round.id)
        )
    }
    questions = _text_items(survey_round)
    themes = themes_of(survey_round.municipality_code)
    comments = [
        Comment(
            rid,
            code,
            questions[code],
            value,
            flags(value),
            suggest(value, themes),
            reviews.get((rid, code)),
        )
        for rid, code, value in chosen
    ]
    audit.record("comments.view", survey_round, details={"page": page, "shown": len(comments)})
    return comments, pages


def add_theme(municipality_code: int, name: str, keywords: str) -> CommentTheme:
    words = [word.strip() for word in keywords.split(",") if word.strip()]
    if any(t.name == name.strip() for t in themes_of(municipality_code)):
        return next(t for t in themes_of(municipality_code) if t.name == name.strip())
    theme = CommentTheme(municipality_code=municipality_code, name=name.strip(), keywords=words)
    db.session.add(theme)
    db.session.flush()
    audit.record("comment_theme.create", theme, details={"name": theme.name, "keywords": words})
    return theme


def review(
    survey_round: Round,
    key: str,
    redacted: str,
    theme_ids: list[int],
    quote: bool,
) -> CommentReview:
    """Save the analyst's redaction, themes and choice of quote for one comment (audited)."""
    response_id, _sep, item_code = key.partition(":")
    if not any(r[0] == response_id and r[1] == item_code for r in _answers(survey_round)):
        raise CommentsRefused(_("No such comment in this round."))
    themes = [t for t in themes_of(survey_round.municipality_code) if t.id in set(theme_ids)]
    found = db.session.scalar(
        select(CommentReview).where(
            CommentReview.response_id == response_id, CommentReview.item_code == item_code
        )
    )
    if found is None:
        found = CommentReview(
            round_id=survey_round.id, response_id=response_id, item_code=item_code
        )
        db.session.add(found)
    # What the analyst left is redacted once more: a missed CPR or phone number is masked.
    found.redacted = redact(redacted.strip())
    found.quote = quote
    found.themes = themes
    db.session.flush()
    audit.record(
        "comment.review",
        survey_round,
        details={"review": found.id, "themes": [t.id for t in themes], "quote": quote},
    )
    return found


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    total: int | None  # None: fewer than 5, not shown


def theme_counts(survey_round: Round) -> list[ThemeCount]:
    """Comments per theme; under 5 is not shown.

    Never per group of a background variable. The analyst chooses which comments carry a
    theme, so counts of a theme by group are counts of a set the analyst drew: take one
    comment out of the theme, look again, and the group whose count fell is its writer's
    (a security test shows it). The group's own rule of 5 cannot stop that, nor can
    hiding a second group, because the two looks differ by one comment."""
    if survey_round.state != "closed":
        raise CommentsRefused(_("Comments can be read once the round is closed."))
    totals: Counter = Counter()
    for review_row in db.session.scalars(
        select(CommentReview).where(CommentReview.round_id == survey_round.id)
    ):
        for theme in review_row.themes:
            totals[theme.name] += 1
    return [
        ThemeCount(name, totals[name] if totals[name] >= MIN_N else None) for name in sorted(totals)
    ]


def _quoted(survey_round: Round):
    """The round's comments an analyst chose to quote in the report."""
    return (CommentReview.round_id == survey_round.id, CommentReview.quote.is_(True))


def quotes_chosen(survey_round: Round) -> int:
    """How many comments an analyst chose to quote in the report ("Word with comments"
    holds these and nothing else)."""
    counted = select(func.count()).select_from(CommentReview).where(*_quoted(survey_round))
    return db.session.scalar(counted) or 0


def report_quotes(survey_round: Round) -> list[tuple[str, str, list[str]]]:
    """(item code, question, quotes): the quotes an analyst chose, redacted; nothing unreviewed."""
    questions = _text_items(survey_round)
    quotes: dict[str, list[str]] = {}
    rows = db.session.scalars(select(CommentReview).where(*_quoted(survey_round)))
    for row in sorted(rows, key=lambda r: _shuffled_key(survey_round, r.response_id, r.item_code)):
        quotes.setdefault(row.item_code, []).append(row.redacted)
    return [(code, questions.get(code, code), lines) for code, lines in quotes.items()]
