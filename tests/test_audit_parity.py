"""The services write the audit trail, so the web and the command line record the same
events for the same action (round create/open/close, local question added, invitations
issued, users created, reports and exports)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from staff import logged_in, make_user

from survey.core.extensions import db
from survey.models import AuditEvent, LocalQuestion

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

SEND_LIST = b"reference;benefit_group\nr-1;dagpenge\nr-2;kontanthjaelp\nr-3;dagpenge\n"
DELIVERY_LIST = b"reference;mobile;email\nd-1;20123456;\nd-2;;a@example.org\n"
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
QUESTION = "odense.internship.purpose"


def trail(app, actor: str) -> list[tuple[str, str | None, dict]]:
    """(action, object type, details) of one actor's events, with the values that must differ
    between the two runs (the e-mail of the user each created) left out."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor == actor).order_by(AuditEvent.id)
        ).all()
        return [
            (
                event.action,
                event.object_type,
                {k: v for k, v in (event.details or {}).items() if k != "email"},
            )
            for event in events
            if event.action != "login"
        ]


def test_the_web_and_the_command_line_leave_the_same_trail(app, tmp_path):
    from survey.demo.setup import ensure_odense_questions

    with app.app_context():
        ensure_odense_questions()
        db.session.commit()
        question_id = db.session.scalar(
            select(LocalQuestion.id).where(LocalQuestion.code == QUESTION)
        )
    make_user(app, "admin@odense.dk", "admin", 461)
    admin = logged_in(app, "admin@odense.dk")

    # The web.
    created = admin.post(
        "/admin/rounds/new", {"title": "Efterår", "questionnaire": "kl-beskaeftigelse:1"}
    )
    assert created.status_code == 302
    web_round = int(created.headers["Location"].rstrip("/").split("/")[-1])
    base = f"/admin/rounds/{web_round}"
    assert (
        admin.post(
            f"{base}/questions", {"question_id": question_id, "placement": "end"}
        ).status_code
        == 302
    )
    assert admin.post(f"{base}/open", {"understood": "y"}).status_code == 302
    upload = {"file": (io.BytesIO(SEND_LIST), "liste.csv"), "action": "create"}
    assert (
        admin.post(f"{base}/invitations", upload, content_type="multipart/form-data").status_code
        == 200
    )
    sending = {
        "file": (io.BytesIO(DELIVERY_LIST), "liste.csv"),
        "action": "send",
        "send_on": TOMORROW,
        "send_time": "10:00",
        "reminder_1": "4",
    }
    assert (
        admin.post(f"{base}/send", sending, content_type="multipart/form-data").status_code == 302
    )
    assert admin.post(f"{base}/close", {"understood": "y"}).status_code == 302
    assert (
        admin.post("/admin/users", {"email": "ny@odense.dk", "role": "analyst"}).status_code == 200
    )
    assert admin.get(f"/results/report.html?round={web_round}").status_code == 200
    assert admin.get(f"/results/export.csv?round={web_round}").status_code == 200

    # The command line.
    runner = app.test_cli_runner()

    def cli(*args: str) -> str:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    cli_round = (
        cli(
            "round",
            "create",
            "--municipality",
            "461",
            "--title",
            "Efterår",
            "--languages",
            "da",
            "--local",
            QUESTION,
        )
        .strip()
        .splitlines()[-1]
    )
    cli("round", "open", cli_round)
    send_list = tmp_path / "liste.csv"
    send_list.write_bytes(SEND_LIST)
    cli(
        "round",
        "invite",
        cli_round,
        "--send-list",
        str(send_list),
        "--output",
        str(tmp_path / "l.csv"),
    )
    delivery_list = tmp_path / "levering.csv"
    delivery_list.write_bytes(DELIVERY_LIST)
    cli(
        "round",
        "send",
        cli_round,
        "--send-list",
        str(delivery_list),
        "--at",
        f"{TOMORROW}T10:00",
        "--reminder-after-days",
        "4",
    )
    cli("round", "close", cli_round)
    cli("user", "create", "--email", "ny2@odense.dk", "--role", "analyst", "--municipality", "461")
    cli("report", cli_round, "--format", "html", "--output", str(tmp_path / "r.html"))
    cli("export", cli_round, "--format", "csv", "--output", str(tmp_path / "s.csv"))

    web, command_line = trail(app, "admin@odense.dk"), trail(app, "cli")
    assert [event[0] for event in web] == [
        "round.create",
        "round.question_add",
        "round.open",
        "invitations.create",
        "invitations.links_handed_out",
        "invitations.queued",
        "round.close",
        "contacts.erased",
        "user.create",
        "round.results_released",
        "report.export",
        "answers.export",
    ]
    assert command_line == web
    assert ("invitations.create", "Round", {"count": 3}) in web
