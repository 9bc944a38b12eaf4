"""The audit trail people can read (issue 17, point 5): Danish event names, round titles
and user names, Copenhagen time, filters by user, event and period, and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select, update
from staff import logged_in, make_user, text_of

from survey.core.extensions import db
from survey.models import AuditEvent


@pytest.fixture
def trail(app, make_round):
    make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "kollega@odense.dk", "admin", 461)
    make_user(app, "admin@rodovre.dk", "admin", 175)
    admin = logged_in(app, "admin@odense.dk")
    colleague = logged_in(app, "kollega@odense.dk")
    round_id = make_round(local=False, state="draft", title="Forår 2027")
    form = {
        "title": "Forår 2027",
        "questionnaire": "kl-beskaeftigelse:1",
        "opens_on": "",
        "closes_on": "",
        "languages": ["en"],
    }
    assert admin.post(f"/admin/rounds/{round_id}/settings", form).status_code == 302
    assert colleague.post(f"/admin/rounds/{round_id}/open", {"understood": "y"}).status_code == 302
    with app.app_context():  # 23:30 UTC in winter is 00:30 the next day in Copenhagen
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.action == "round.settings")
            .values(at=datetime(2026, 1, 14, 23, 30))
        )
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.action == "round.open")
            .values(at=datetime(2026, 7, 1, 8, 0))
        )
        db.session.commit()
    return admin, round_id


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [text_of(row) for row in body.split("</tr>") if row.strip()]


def test_events_rounds_people_and_times_are_named(app, trail):
    admin, round_id = trail
    page = admin.get("/admin/audit").get_data(as_text=True)
    shown = rows(page)
    opened = next(row for row in shown if "Runde åbnet" in row)
    changed = next(row for row in shown if "Rundens indstillinger ændret" in row)
    # Copenhagen time: summer is UTC+2, winter UTC+1 (23:30 UTC is 00:30 the next day).
    assert opened.startswith("1.7.2026 10:00 kollega@odense.dk")
    assert changed.startswith("15.1.2026 00:30 admin@odense.dk")
    assert "Forår 2027" in opened and f"Round {round_id}" not in page
    assert changed.endswith("titel: Forår 2027")  # details named in Danish too
    assert "round.settings" not in text_of(page.split("<tbody>", 1)[1])


def test_details_are_read_as_words_not_stored_values(app, trail, make_round):
    """A report's download read "format: docx; sammenlignet med: None; opdelt efter:
    department; weighted: False" (a walkthrough): Python's values and codes on a Danish page."""
    admin, round_id = trail
    earlier = make_round(local=False, state="closed", title="Forår 2026")
    with app.app_context():
        for against in (None, earlier):
            db.session.add(
                AuditEvent(
                    actor="admin@odense.dk",
                    municipality_code=461,
                    action="report.export",
                    object_type="Round",
                    object_id=str(round_id),
                    details={
                        "format": "docx",
                        "against": against,
                        "by": "department",
                        "weighted": False,
                    },
                )
            )
        db.session.commit()
    page = admin.get("/admin/audit?action=report.export").get_data(as_text=True)
    shown = rows(page)
    assert len(shown) == 2
    assert any(row.endswith("format: docx; opdelt efter: Afdeling; vægtet: nej") for row in shown)
    assert any(
        row.endswith(
            "format: docx; sammenlignet med: Forår 2026; opdelt efter: Afdeling; vægtet: nej"
        )
        for row in shown
    )
    body = text_of(page.split("<tbody>", 1)[1])
    assert "None" not in body and "False" not in body and "department" not in body


def test_a_scheduled_sending_reads_in_danish_time_and_words(app, trail):
    """ "reminders: 1; send_at: 2026-12-03T08:47" showed a stored key and a UTC time."""
    admin, round_id = trail
    with app.app_context():
        db.session.add(
            AuditEvent(
                actor="admin@odense.dk",
                municipality_code=461,
                action="invitations.queued",
                object_type="Round",
                object_id=str(round_id),
                details={"invitations": 3, "reminders": 1, "send_at": "2026-01-14T23:30"},
            )
        )
        db.session.commit()
    page = admin.get("/admin/audit?action=invitations.queued").get_data(as_text=True)
    (shown,) = rows(page)
    assert shown.endswith("invitationer: 3; påmindelser: 1; afsendelsen starter: 15.1.2026 00:30")


def test_filters_by_user_event_and_period(app, trail):
    admin, _round = trail
    by_user = rows(admin.get("/admin/audit?actor=kollega@odense.dk").get_data(as_text=True))
    assert by_user and all("kollega@odense.dk" in row for row in by_user)
    by_event = rows(admin.get("/admin/audit?action=round.settings").get_data(as_text=True))
    assert len(by_event) == 1 and "Rundens indstillinger ændret" in by_event[0]
    # The period is in Danish days: 00:30 on 15 January belongs to the 15th, not the 14th.
    jan_14 = rows(
        admin.get("/admin/audit?since=2026-01-14&until=2026-01-14").get_data(as_text=True)
    )
    jan_15 = rows(
        admin.get("/admin/audit?since=2026-01-15&until=2026-01-15").get_data(as_text=True)
    )
    assert jan_14 == [] and len(jan_15) == 1
    # Another municipality's people are not offered as a filter, nor found by one.
    page = admin.get("/admin/audit?actor=admin@rodovre.dk").get_data(as_text=True)
    assert "admin@rodovre.dk" not in page


def test_csv_export_has_the_filtered_rows(app, trail):
    admin, _round = trail
    response = admin.get("/admin/audit.csv?action=round.open")
    assert response.mimetype == "text/csv"
    lines = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert lines[0] == ["Tidspunkt", "Hvem", "Hændelse", "Hændelseskode", "Objekt", "Detaljer"]
    assert lines[1][:5] == [
        "2026-07-01 10:00:00",
        "kollega@odense.dk",
        "Runde åbnet",
        "round.open",
        "Forår 2027",
    ]
    assert len(lines) == 2
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "round.open"))
