"""Helpers for tests of the staff side: users, a logged-in browser, bank questions, URL maps.

Imported by the test modules as `staff` (pytest puts tests/ on sys.path).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from sqlalchemy import select

from survey.core.extensions import db

PASSWORD = "en lang og hemmelig sætning"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
ERROR_MESSAGE = re.compile(r'<p class="form-error-message"[^>]*>(.*?)</p>', re.S)
TAG = re.compile(r"<[^>]+>")


def make_user(
    app,
    email: str,
    role: str,
    municipality: int | None = None,
    *,
    password: str = PASSWORD,
    must_change: bool = False,
) -> int:
    """A staff user made the way the CLI makes one, ready to log in; returns the id."""
    from survey.accounts.service import create_user

    with app.app_context():
        user, _ = create_user(email, role, municipality, password)
        user.must_change_password = must_change
        db.session.commit()
        return user.id


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def form_errors(page: str) -> list[str]:
    return [
        text_of(m).removeprefix("Fejl:").removeprefix("Error:").strip()
        for m in ERROR_MESSAGE.findall(page)
    ]


class Staff:
    """A staff member's browser: reads CSRF tokens from pages, logs in, posts forms."""

    def __init__(self, app, client=None, remote_addr: str | None = None):
        self.app = app
        self.client = client or app.test_client()
        if remote_addr:
            self.client.environ_base["REMOTE_ADDR"] = remote_addr

    def token(self) -> str:
        """A valid CSRF token for this browser's session (the login page always has one)."""
        page = self.client.get("/login").get_data(as_text=True)
        match = CSRF.search(page)
        assert match, page
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD, next: str | None = None):
        url = "/login" + (f"?next={quote(next, safe='')}" if next is not None else "")
        return self.client.post(
            url, data={"csrf_token": self.token(), "email": email, "password": password}
        )

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data=None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        return self.client.post(path, data=data, **kwargs)

    def cookie(self) -> str | None:
        cookie = self.client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
        return cookie.value if cookie else None


def logged_in(app, email: str, password: str = PASSWORD, **kwargs) -> Staff:
    staff = Staff(app, **kwargs)
    response = staff.login(email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] != "/account/password"
    return staff


def bank_question(
    app,
    municipality: int,
    danish: str,
    english: str | None = None,
    *,
    show_if: dict | None = None,
    type: str = "likert5",
    english_reviewed: bool = True,
) -> int:
    """A question in a municipality's local bank, through the bank's own rules; its English
    (typed in the editor: a draft) reviewed by a named person unless told otherwise, so a
    round offers it without accepting drafts."""
    from survey.bank import status
    from survey.bank.questions import QuestionDraft, create_question

    texts = {"da": danish, **({"en": english} if english else {})}
    with app.app_context():
        question = create_question(
            municipality,
            QuestionDraft(
                texts=texts, type=type, options=[], max_length=None, help=None, show_if=show_if
            ),
        )
        if english and english_reviewed:
            status.review(question, "en", "Tekla Translatør")
        db.session.commit()
        return question.id


def add_to_round(app, round_id: int, question_id: int, placement: str = "end") -> None:
    from survey.models import LocalQuestion, Round
    from survey.rounds.placement import add_local_question

    with app.app_context():
        add_local_question(
            db.session.get(Round, round_id), db.session.get(LocalQuestion, question_id), placement
        )
        db.session.commit()


def audit_actions(app, municipality: int | None = None) -> list[str]:
    from survey.models import AuditEvent

    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if municipality is not None:
            query = query.where(AuditEvent.municipality_code == municipality)
        return list(db.session.scalars(query))


INTERNSHIP = "kl.progress.internship"
ITEM_NAME = re.compile(r'name="((?:kl|local|odense)\.[A-Za-z0-9_.]+)"')


def answer_all(citizen, internship: int = 2) -> list[str]:
    """Answer every page a citizen is shown ("4" to statements) until the thank-you page."""
    visited = []
    for _ in range(12):
        page = citizen.get().get_data(as_text=True)
        visited.append(citizen.page_key)
        answers = {
            code: (internship if code == INTERNSHIP else "4")
            for code in sorted(set(ITEM_NAME.findall(page)))
        }
        response = citizen.post_page(answers)
        assert response.status_code == 302, response.get_data(as_text=True)
        if citizen.location.endswith("/svar/tak"):
            return visited
    raise AssertionError("never reached the thank-you page")


def fingerprint(app) -> tuple:
    """Everything a staff action could change, to prove a refused request changed nothing."""
    from survey.models import (
        BackgroundValue,
        Invitation,
        LocalQuestion,
        Municipality,
        Round,
        RoundQuestion,
        User,
    )

    with app.app_context():
        rows = (
            db.session.execute(
                select(
                    Round.id,
                    Round.state,
                    Round.title,
                    Round.opens_on,
                    Round.closes_on,
                    Round.languages,
                    Round.snapshot.is_(None),
                ).order_by(Round.id)
            ).all(),
            db.session.execute(
                select(
                    RoundQuestion.round_id,
                    RoundQuestion.local_question_id,
                    RoundQuestion.placement,
                    RoundQuestion.position,
                ).order_by(RoundQuestion.round_id, RoundQuestion.local_question_id)
            ).all(),
            db.session.execute(
                select(
                    LocalQuestion.id,
                    LocalQuestion.version,
                    LocalQuestion.retired,
                    LocalQuestion.texts,
                ).order_by(LocalQuestion.id)
            ).all(),
            db.session.execute(
                select(
                    User.id,
                    User.email,
                    User.active,
                    User.session_version,
                    User.password_hash,
                    User.municipality_code,
                ).order_by(User.id)
            ).all(),
            db.session.execute(select(Invitation.id).order_by(Invitation.id)).all(),
            db.session.execute(
                select(Municipality.code, Municipality.service_name).order_by(Municipality.code)
            ).all(),
            db.session.execute(
                select(
                    BackgroundValue.id, BackgroundValue.active, BackgroundValue.replaced_by
                ).order_by(BackgroundValue.id)
            ).all(),
        )
        return tuple(tuple(tuple(r) for r in table) for table in rows)


def expand(rule, values: dict) -> list[dict]:
    """Every combination of `values` for a rule, with each <any(...)> part in every choice."""
    from werkzeug.routing.converters import AnyConverter

    combos = [{}]
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices = sorted(converter.items)
        else:
            assert name in values, f"no test value for <{name}> in {rule.rule}"
            choice = values[name]
            choices = choice if isinstance(choice, list) else [choice]
        combos = [{**combo, name: choice} for combo in combos for choice in choices]
    return combos


def build(app, rule, values: dict) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values)


def methods(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def close_rounds(app, *round_ids: int) -> None:
    """Close rounds (setup): results exist only for closed rounds (issue 11)."""
    from survey.models import Round

    with app.app_context():
        for round_id in round_ids:
            db.session.get(Round, round_id).state = "closed"
        db.session.commit()


LINKS_DOWNLOAD = re.compile(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"')


def links_download(response) -> tuple[str, str]:
    """The links file and its name from the page that confirms their creation (issue 17):
    the page carries the file itself, so the links are never kept to be fetched again."""
    import base64

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    match = LINKS_DOWNLOAD.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return base64.b64decode(match.group(1)).decode(), html.unescape(match.group(2))
