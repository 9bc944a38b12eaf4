"""Shared tools of the security suite: payloads, an HTML oracle, table snapshots, citizens.

Imported by the test modules of tests/security as `sec_helpers` (pytest puts this folder
on sys.path, as it does tests/ for `staff`).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from sqlalchemy import func, select
from staff import ITEM_NAME

from survey.core.extensions import db
from survey.models import Answer, Invitation, Response, Round, Target
from survey.models.base import random_id, today

# --- payloads ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
XSS = (SCRIPT, IMG, JS_URL)
HOSTILE = " ".join(XSS)  # one text that carries every markup payload
SQLI = ("' OR 1=1 --", "1; DROP TABLE answer")
FORMULAS = (
    '=HYPERLINK("http://evil")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
)

# --- an HTML oracle -----------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "base", "frame", "frameset"}


class _ActiveMarkup(HTMLParser):
    """Everything in a page that a browser would run or that loads from elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        source = dict(attrs).get("src") or ""
        own_frame = tag == "iframe" and source.startswith("/") and not source.startswith("//")
        # Our own static scripts (read aloud, the kiosk timer): files in the app, not input.
        own_script = tag == "script" and source.startswith("/static/") and ".." not in source
        if tag in ACTIVE_TAGS and not (own_frame or own_script):  # the preview's frame is ours
            self.problems.append(f"<{tag}>")
        if tag == "img" and not source.startswith(("/", "data:")):
            self.problems.append(f"<img src={source!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value and _is_script_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def _is_script_url(value: str) -> bool:
    squeezed = "".join(ch for ch in html.unescape(value) if ch > " ").lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


def assert_inert(page: str, where: str) -> None:
    """The page runs nothing: no script element, no event handler, no script URL."""
    parser = _ActiveMarkup()
    parser.feed(page)
    parser.close()
    assert not parser.problems, (where, parser.problems)
    for raw in (SCRIPT, "<img src=x", "onerror=alert(1)>"):
        assert raw not in page.replace("&lt;img src=x onerror=alert(1)&gt;", ""), (where, raw)


def shows_text(page: str, text: str) -> bool:
    """The text is on the page as text (entities decoded), so escaping kept it whole."""
    return text in html.unescape(page)


def assert_shown_inert(page: str, where: str, *texts: str) -> None:
    assert_inert(page, where)
    for text in texts or XSS:
        assert shows_text(page, text), (where, text)


# --- database snapshots -----------------------------------------------------------------


def answer_rows(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value).order_by(
                Answer.response_id, Answer.item_code
            )
        ).all()
        return [tuple(row) for row in rows]


def response_rows(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Response.id,
                Response.round_id,
                Response.completed,
                Response.current_page,
                Response.resume_hash,
                Response.benefit_group,
            ).order_by(Response.id)
        ).all()
        return [tuple(row) for row in rows]


def data_state(app) -> tuple:
    """Citizens' data and what staff set: a refused request must leave all of it alone."""
    with app.app_context():
        invitations = db.session.execute(
            select(Invitation.id, Invitation.state).order_by(Invitation.id)
        ).all()
        targets = db.session.execute(
            select(Target.id, Target.indicator, Target.year, Target.ambition).order_by(Target.id)
        ).all()
        rounds = db.session.execute(select(Round.id, Round.state).order_by(Round.id)).all()
    return (
        tuple(answer_rows(app)),
        tuple(response_rows(app)),
        tuple(tuple(r) for r in invitations),
        tuple(tuple(r) for r in targets),
        tuple(tuple(r) for r in rounds),
    )


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            "answer": db.session.scalar(select(func.count()).select_from(Answer)),
            "response": db.session.scalar(select(func.count()).select_from(Response)),
            "invitation": db.session.scalar(select(func.count()).select_from(Invitation)),
        }


# --- citizens ------------------------------------------------------------------------------


def walk(citizen, value: str = "4", comment: str | None = None, internship: str = "2") -> list:
    """Answer every page shown (local questions: option 1) up to the thank-you page."""
    pages = []
    for _ in range(12):
        page = citizen.get().get_data(as_text=True)
        pages.append(page)
        answers = {}
        for code in sorted(set(ITEM_NAME.findall(page))):
            if code == "kl.progress.internship":
                answers[code] = internship
            elif code == "kl.overall.comment":
                if comment is not None:
                    answers[code] = comment
            elif code.startswith("local."):
                answers[code] = "1"
            else:
                answers[code] = value
        response = citizen.post_page(answers)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        if citizen.location.endswith("/svar/tak"):
            pages.append(citizen.get().get_data(as_text=True))
            return pages
    raise AssertionError("never reached the thank-you page")


def seed_responses(app, round_id: int, rows: list[dict]) -> list[str]:
    """Completed responses written straight to the tables (for counting tests).

    Each row: {"answers": {code: value}, and any background variable: value}.
    """
    ids = []
    with app.app_context():
        for row in rows:
            row = dict(row)
            answers = row.pop("answers")
            response = Response(
                id=random_id(),
                round_id=round_id,
                channel="invitation",
                completed=True,
                started_on=today(),
                completed_on=today(),
                **row,
            )
            db.session.add(response)
            db.session.flush()
            for code, value in answers.items():
                db.session.add(Answer(response_id=response.id, item_code=code, value=value))
            ids.append(response.id)
        db.session.commit()
    return ids


def close(app, round_id: int) -> None:
    with app.app_context():
        db.session.get(Round, round_id).state = "closed"
        db.session.commit()


LOCATION_ID = re.compile(r"/(\d+)(?:[/?#]|$)")


def id_from_location(response) -> int:
    match = LOCATION_ID.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def quote_every_comment(app, round_id: int) -> None:
    from survey.comments.flags import redact
    from survey.models import Answer, CommentReview, Response

    """An analyst reviewed every comment of the round and chose each as a quote (setup)."""
    with app.app_context():
        written = db.session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id, Answer.item_code == "kl.overall.comment")
        ).all()
        for response_id, code, value in written:
            db.session.add(
                CommentReview(
                    round_id=round_id,
                    response_id=response_id,
                    item_code=code,
                    redacted=redact(value),
                    quote=True,
                )
            )
        db.session.commit()
