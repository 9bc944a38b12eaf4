"""Attacks on the comments: raw comments read by someone who is not the municipality's
analyst, read while the round is open, a comment of another round reviewed through this
one, and an unreviewed comment with a phone number reaching a report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from sec_helpers import seed_responses
from sqlalchemy import select

from survey.core.extensions import db
from survey.models import Answer, AuditEvent

ODENSE, RODOVRE = 461, 175
COMMENT = "kl.overall.comment"
SECRET = "Jeg hedder Lone og mit nummer er 12 34 56 78"


@pytest.fixture
def commented(app, make_round):
    closed = make_round(ODENSE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    still_open = make_round(ODENSE, title="Efterår 2026", state="open", opens_on=date(2026, 9, 1))
    for round_id in (closed, still_open):
        seed_responses(app, round_id, [{"answers": {COMMENT: SECRET}} for _ in range(6)])
    return closed, still_open


def test_only_the_municipalitys_analysts_read_raw_comments(app, sign_in, people, commented):
    closed, _ = commented
    path = f"/results/comments?round={closed}"
    assert SECRET in sign_in(people.odense_analyst).get(path).get_data(as_text=True)
    # The administrator of the same municipality, the other town's analyst, an operator.
    assert sign_in(people.odense_admin).get(path).status_code == 403
    assert sign_in(people.rodovre_analyst).get(path).status_code == 404
    assert sign_in(people.operator).get(path).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "comments.view"))
        assert [v.actor for v in views] == [people.odense_analyst]
        db.session.remove()


def test_an_open_rounds_comments_cannot_be_read(app, sign_in, people, commented):
    _, still_open = commented
    response = sign_in(people.odense_analyst).get(f"/results/comments?round={still_open}")
    assert response.status_code == 302
    assert SECRET not in response.get_data(as_text=True)


def test_a_comment_of_another_round_cannot_be_reviewed_through_this_one(
    app, sign_in, people, commented
):
    closed, still_open = commented
    with app.app_context():
        from survey.models import Response

        foreign = db.session.scalar(
            select(Answer.response_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == still_open, Answer.item_code == COMMENT)
            .limit(1)
        )
        db.session.remove()
    analyst = sign_in(people.odense_analyst)
    for key in (f"{foreign}:{COMMENT}", f"not-a-response:{COMMENT}"):
        response = analyst.post(
            "/results/comments/review",
            {"round": closed, "key": key, "redacted": "x", "quote": "y"},
        )
        assert response.status_code == 302
    with app.app_context():
        from survey.models import CommentReview

        assert db.session.scalar(select(CommentReview)) is None
        db.session.remove()


def test_an_unreviewed_comment_never_reaches_a_report(app, sign_in, people, commented, tmp_path):
    closed, _ = commented
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=[
                "report",
                str(closed),
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
    assert "12 34 56 78" not in report and "Lone" not in report


def test_an_administrators_exports_hold_no_raw_comment(app, sign_in, people, commented):
    import io

    import openpyxl

    closed, _ = commented
    admin, analyst = sign_in(people.odense_admin), sign_in(people.odense_analyst)
    for fmt in ("csv", "xlsx", "sav", "codebook"):
        response = admin.get(f"/results/export.{fmt}?round={closed}")
        assert response.status_code == 200, fmt
        body = response.get_data()
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(body))
            body = "\n".join(
                str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
            ).encode()
        assert SECRET.encode() not in body and COMMENT.encode() not in body, fmt
    # The analyst's export keeps them: the analyst reads comments with care.
    assert SECRET.encode() in analyst.get(f"/results/export.csv?round={closed}").get_data()


def test_tagging_comments_cannot_tell_which_group_wrote_one(app, sign_in, people, make_round):
    """The attack: the analyst puts every comment under a theme of their own, counts it by
    group, takes one comment out of the theme and counts again. The group whose count
    fell is that comment's writer's, and with it the writer's whole row in the analyst's
    export. A lone citizen in a group (here the one on kontanthjælp) is shown by the
    first count alone: 12 in all, 11 on dagpenge. So themes are never counted by group."""
    closed = make_round(ODENSE, title="Forår 2026", state="closed", opens_on=date(2026, 3, 1))
    rows = [
        {"answers": {COMMENT: f"Kommentar {n}"}, "benefit_group": "dagpenge"} for n in range(11)
    ]
    lone = {"answers": {COMMENT: "Den ensomme kommentar"}, "benefit_group": "kontanthjaelp"}
    ids = seed_responses(app, closed, [*rows, lone])
    analyst = sign_in(people.odense_analyst)
    analyst.post("/results/comments/themes", {"round": closed, "name": "Mærke"})
    with app.app_context():
        from survey.models import CommentTheme

        theme = db.session.scalar(select(CommentTheme.id).where(CommentTheme.name == "Mærke"))
        db.session.remove()

    def tag(response_id: str, themes: list[int]) -> None:
        response = analyst.post(
            "/results/comments/review",
            {"round": closed, "key": f"{response_id}:{COMMENT}", "redacted": "x", "themes": themes},
        )
        assert response.status_code == 302

    def counts() -> Iterator[list[str]]:
        for by in ("", "benefit_group"):
            page = analyst.get(f"/results/comments?round={closed}&by={by}").get_data(as_text=True)
            table = page.split('id="caption-counts"', 1)[1].split("</table>", 1)[0]
            yield re.findall(r"<t[dh](?:\s[^>]*)?>(.*?)</t[dh]>", table)

    for response_id in ids:
        tag(response_id, [theme])
    assert list(counts()) == [["Tema", "Kommentarer", "Mærke", "12"]] * 2
    tag(ids[-1], [])
    assert list(counts()) == [["Tema", "Kommentarer", "Mærke", "11"]] * 2
