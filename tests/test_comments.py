"""Comments handled with care: flags and redaction, random order, a codebook of themes with
keyword suggestions, counts per theme and group (none under 5), and quotes in the report."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select
from staff import logged_in, make_user

from survey.comments.flags import flags, redact
from survey.core.extensions import db
from survey.models import Answer, AuditEvent, Response
from survey.models.base import random_id

ODENSE = 461
COMMENT = "kl.overall.comment"
PERSONAL = {
    "Ring til mig på 12 34 56 78, tak": (["phone"], "Ring til mig på [TELEFON], tak"),
    "Mit nummer er +45 12345678": (["phone"], "Mit nummer er [TELEFON]"),
    "cpr 010190-1234 står i brevet": (["cpr"], "cpr [CPR] står i brevet"),
    "Skriv til jens.hansen@mail.dk": (
        [
            "email",
        ],
        "Skriv til [E-MAIL]",
    ),
    "Mette Jensen var god til at lytte": (["name"], "[NAVN] [NAVN] var god til at lytte"),
    "Ventetiden var 3 uger og 2 dage": ([], "Ventetiden var 3 uger og 2 dage"),
}


@pytest.mark.parametrize("text", list(PERSONAL))
def test_personal_data_is_flagged_and_redacted(text):
    want_flags, want_text = PERSONAL[text]
    assert flags(text) == want_flags
    assert redact(text) == want_text


def add_comments(app, round_id: int, texts: list[str], group: str = "dagpenge") -> None:
    with app.app_context():
        for text in texts:
            response = Response(
                id=random_id(),
                round_id=round_id,
                channel="invitation",
                completed=True,
                benefit_group=group,
            )
            db.session.add(response)
            db.session.flush()
            db.session.add(Answer(response_id=response.id, item_code=COMMENT, value=text))
        db.session.commit()


@pytest.fixture
def round_with_comments(app, make_round):
    round_id = make_round(title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    texts = [f"Kommentar {letter} om ventetid" for letter in "ABCDEFGHIJKL"]
    add_comments(app, round_id, texts[:6], "dagpenge")
    add_comments(app, round_id, texts[6:], "kontanthjaelp")
    add_comments(app, round_id, ["Min sagsbehandler Mette ringede aldrig på 12 34 56 78"])
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    return round_id


def shown_comments(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<blockquote>(.*?)</blockquote>", page, re.S)]


def test_comments_are_shown_in_random_order_with_flags_and_every_view_is_audited(
    app, round_with_comments
):
    analyst = logged_in(app, "analytiker@odense.dk")
    page = analyst.get(f"/results/comments?round={round_with_comments}").get_data(as_text=True)
    shown = shown_comments(page)
    assert len(shown) == 13
    assert shown != sorted(shown)  # not alphabetical
    assert "et telefonnummer" in page and "et navn" in page
    # The redaction proposed for the flagged comment masks both.
    assert "Min sagsbehandler [NAVN] ringede aldrig på [TELEFON]" in page
    again = shown_comments(
        analyst.get(f"/results/comments?round={round_with_comments}").get_data(as_text=True)
    )
    assert again == shown  # the same order page after page
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "comments.view")
        ).all()
        assert len(views) == 2 and {v.actor for v in views} == {"analytiker@odense.dk"}
        db.session.remove()


def key_of(app, round_id: int, text: str) -> str:
    with app.app_context():
        response_id = db.session.scalar(select(Answer.response_id).where(Answer.value == text))
        db.session.remove()
    return f"{response_id}:{COMMENT}"


def test_themes_are_suggested_tagged_counted_and_quotes_reach_the_report(
    app, round_with_comments, tmp_path
):
    round_id = round_with_comments
    analyst = logged_in(app, "analytiker@odense.dk")

    def word_with_comments() -> bool:
        """Whether the results page offers "Word with comments" (else says why not)."""
        page = analyst.get(f"/results/?round={round_id}")
        assert page.status_code == 200, page.status_code
        html_text = page.get_data(as_text=True)
        offered = "free_text=1" in html_text
        hint = "der er endnu ikke valgt nogen kommentar som citat" in html_text
        assert offered != hint, "the link or the reason it is missing, never both"
        return offered

    assert not word_with_comments()  # it would be the Word file without comments
    analyst.post(
        "/results/comments/themes",
        {"round": round_id, "name": "Ventetid", "keywords": "ventetid, vente"},
    )
    page = analyst.get(f"/results/comments?round={round_id}").get_data(as_text=True)
    assert "Ventetid (foreslået)" in page
    with app.app_context():
        from survey.models import CommentTheme

        theme_id = db.session.scalar(select(CommentTheme.id))
        db.session.remove()
    texts = [f"Kommentar {letter} om ventetid" for letter in "ABCDEFGHIJKL"]
    for text in texts[:9]:  # 6 from dagpenge, 3 from kontanthjaelp
        response = analyst.post(
            "/results/comments/review",
            {
                "round": round_id,
                "key": key_of(app, round_id, text),
                "redacted": text,
                "themes": theme_id,
            },
        )
        assert response.status_code == 302
    flagged = "Min sagsbehandler Mette ringede aldrig på 12 34 56 78"
    analyst.post(
        "/results/comments/review",
        # The analyst forgot the phone number: it is masked anyway.
        {
            "round": round_id,
            "key": key_of(app, round_id, flagged),
            "redacted": "Min sagsbehandler [NAVN] ringede aldrig på 12 34 56 78",
            "quote": "y",
        },
    )
    assert word_with_comments()  # one quote chosen
    counts = analyst.get(f"/results/comments?round={round_id}&by=benefit_group").get_data(
        as_text=True
    )
    row = re.search(r"<th scope=\"row\">Ventetid</th>(.*?)</tr>", counts, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == ["9"]  # never by group (tests/security/test_sec_comments.py)

    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=[
                "report",
                str(round_id),
                "--format",
                "html",
                "--free-text",
                "--output",
                str(tmp_path / "r.html"),
            ]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Min sagsbehandler [NAVN] ringede aldrig på [TELEFON]" in report
    assert "12 34 56 78" not in report and "Mette" not in report
    for text in texts:  # tagged, but not chosen as quotes
        assert text not in report


def test_the_language_switch_on_a_results_page_keeps_its_round_and_filters(
    app, round_with_comments
):
    analyst = logged_in(app, "analytiker@odense.dk")
    path = f"/results/comments?round={round_with_comments}&page=1"
    page = analyst.get(path).get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)" lang="en" hreflang="en">', page)
    assert link, "no link to the English page"
    href = html.unescape(link.group(1))
    assert href == f"?round={round_with_comments}&page=1&lang=en"
    english = analyst.get("/results/comments" + href)
    assert english.status_code == 200
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert len(shown_comments(english.get_data(as_text=True))) == 13
    again = analyst.get(f"{path}&lang=en").get_data(as_text=True)  # ?lang= is not kept twice
    back = html.unescape(re.search(r'<a href="([^"]*)" lang="da"', again).group(1))
    assert back == f"?round={round_with_comments}&page=1&lang=da"
