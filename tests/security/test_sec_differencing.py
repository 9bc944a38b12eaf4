"""Issue 11, attacks 1 and 2, replayed with the demo's own kinds of accounts.

1. Differencing over time: figures, comments or exports of a round taken before and after
   one citizen answers give that citizen's sheet. Now a round has results only once closed,
   and a round whose results were seen stays closed: there is never a second set.
2. Padding: an administrator holding a group's links answers for all but one member and
   reads the last member's answers off the split. Where links were handed out, the round
   is never split and its exports carry no background.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sec_helpers import seed_responses, walk
from sqlalchemy import select, update
from staff import links_download

from survey.core.extensions import db
from survey.models import Response, Round
from survey.models.base import today

pytestmark = pytest.mark.usefixtures("links_allowed")
SATISFIED = "kl.overall.satisfied"


def test_an_open_rounds_figures_and_comments_cannot_be_watched_grow(
    app, sign_in, people, make_round
):
    round_id = make_round(461, local=False)  # open: citizens are still answering
    seed_responses(
        app,
        round_id,
        [{"answers": {SATISFIED: "4", "kl.overall.comment": f"kommentar{n}"}} for n in range(8)],
    )
    analyst = sign_in(people.odense_analyst)
    for path in (
        f"/results/?round={round_id}",
        f"/results/report.html?round={round_id}&free_text=1",
        f"/results/export.csv?round={round_id}",
    ):
        response = analyst.get(path)
        assert response.status_code == 302, path  # back to the picker with a message
        # (a marker a random CSRF token cannot hold by chance, as "k1" could)
        assert "kommentar1" not in analyst.get(response.headers["Location"]).get_data(as_text=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["results", "compare", str(round_id), "--json"])
    assert result.exit_code != 0 and not result.output.lstrip().startswith("{")
    assert "closed" in result.output


def test_close_export_reopen_export_gives_no_second_set(
    app, sign_in, people, make_round, citizen, invite
):
    round_id = make_round(461, local=False)
    seed_responses(app, round_id, [{"answers": {SATISFIED: "4"}} for _ in range(6)])
    admin = sign_in(people.odense_admin)
    assert admin.post(f"/admin/rounds/{round_id}/close", {"understood": "y"}).status_code == 302
    first = admin.get(f"/results/export.csv?round={round_id}")
    assert first.status_code == 200
    first.get_data()
    # The attack: reopen, let one known citizen answer, close, export again.
    page = admin.post(f"/admin/rounds/{round_id}/reopen", follow_redirects=True)
    assert "stays closed" in page.get_data(as_text=True) or "forbliver lukket" in page.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Round, round_id).state == "closed"
        assert db.session.get(Round, round_id).results_released_on == today()
    (token,) = invite(round_id)
    assert citizen.open(f"/s/{token}").status_code == 410  # closed for good


def test_a_day_with_one_completion_is_not_shown_on_its_own(app, sign_in, people, make_round):
    round_id = make_round(461, local=False)
    seed_responses(app, round_id, [{"answers": {SATISFIED: "4"}} for _ in range(6)])
    seed_responses(app, round_id, [{"answers": {SATISFIED: "1"}}])
    with app.app_context():
        lone = db.session.scalars(select(Response.id).where(Response.round_id == round_id)).all()[
            -1
        ]
        db.session.execute(
            update(Response)
            .where(Response.id == lone)
            .values(completed_on=today() - timedelta(days=1))
        )
        db.session.commit()
    page = sign_in(people.odense_admin).get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    per_day = page.split("Gennemførte besvarelser pr. dag", 1)[1]
    yesterday = today() - timedelta(days=1)
    assert f">{yesterday.day}." not in per_day.split("</table>")[0]
    assert "Andre dage (færre end 5 hver)" in per_day
    # The pool of those days is itself under 5: no figure from fewer than 5 (issue 17).
    pool = per_day.split("Andre dage (færre end 5 hver)", 1)[1].split("</tr>", 1)[0]
    assert ">under 5<" in pool and ">1<" not in pool


def test_padding_a_group_with_handed_out_links_reveals_nothing(
    app, sign_in, people, make_round, new_citizen
):
    """Attack 2: five links with a rare background; four answered by the administrator with
    "1"; the victim answers; 5 x mean - 4 gave the victim's answer on every item."""
    round_id = make_round(461, local=False)
    seed_responses(app, round_id, [{"answers": {SATISFIED: "4"}, "benefit_group": "dagpenge"}] * 20)
    admin = sign_in(people.odense_admin)
    rows = "".join(f"p-{n};sjaelden\n" for n in range(5))
    response = admin.post(
        f"/admin/rounds/{round_id}/invitations",
        {
            "file": (io.BytesIO(("reference;benefit_group\n" + rows).encode()), "l.csv"),
            "action": "create",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    links = [
        row["link"]
        for row in csv.DictReader(
            io.StringIO(links_download(response)[0].lstrip("\ufeff")), delimiter=";"
        )
    ]
    for link in links:  # four by the administrator, the last by the victim
        holder = new_citizen()
        holder.open("/s/" + link.rsplit("/s/", 1)[1])
        holder.start()
        walk(holder, value="1" if link != links[-1] else "5")
    assert admin.post(f"/admin/rounds/{round_id}/close", {"understood": "y"}).status_code == 302
    analyst = sign_in(people.odense_analyst)
    split = analyst.get(f"/results/?round={round_id}&by=benefit_group", follow_redirects=True)
    text = split.get_data(as_text=True)
    assert "sjaelden" not in text
    assert "udleveret" in text  # the page says why there is no split
    export = analyst.get(f"/results/export.csv?round={round_id}").get_data(as_text=True)
    header = export.lstrip("\ufeff").splitlines()[0]
    assert "benefit_group" not in header and "sjaelden" not in export
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["results", "compare", str(round_id), "--by", "benefit_group", "--json"]
    )
    assert result.exit_code != 0
