"""Queuing a send: invitations, their sealed contact data and the outbox rows of the
invitation and every reminder are written in one transaction, so a message exists exactly
when its invitation does. Staff see counts; no link or token leaves this function.

One channel per citizen: SMS when there is a mobile number, else e-mail (a citizen is not
sent the same invitation twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from survey.core import audit
from survey.core.extensions import db
from survey.delivery.schedule import MAX_REMINDER_DAYS, MAX_REMINDERS, reminder_times
from survey.delivery.texts import KINDS, TextError, check_text
from survey.invitations.contacts import Contact, seal
from survey.invitations.references import reference_hash
from survey.invitations.sendlist import EMAIL, MOBILE
from survey.invitations.tokens import invitation_hash, new_token
from survey.models import Invitation, OutboxMessage, Round, SendBatch
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.base import today, utcnow
from survey.rounds.lifecycle import availability

CHUNK = 2000  # rows per INSERT: memory stays bounded for a national send of 85,000
_GRACE = timedelta(minutes=5)  # a send time a moment ago (the form took a while) is fine


class SendError(ValueError):
    """A send that cannot be queued as asked; the message is for the administrator."""


@dataclass(frozen=True)
class Queued:
    batch_id: int
    invitations: int
    sms: int
    email: int
    reminders: int  # reminder messages queued (they go only to those who have not answered)

    @property
    def messages(self) -> int:
        return self.sms + self.email + self.reminders


def check_plan(
    survey_round: Round,
    send_at: datetime,
    reminder_days: Iterable[int],
    now: datetime | None = None,
) -> list[int]:
    """The reminder days, sorted; raises SendError for a plan that cannot work."""
    days = sorted(set(reminder_days))
    if len(days) > MAX_REMINDERS:
        raise SendError(_("At most %(n)d reminders.", n=MAX_REMINDERS))
    if any(not 1 <= day <= MAX_REMINDER_DAYS for day in days):
        raise SendError(
            _("A reminder is sent 1 to %(n)d days after the invitation.", n=MAX_REMINDER_DAYS)
        )
    if survey_round.state == "closed" or availability(survey_round) == "closed":
        raise SendError(_("The round is closed; invitations can no longer be sent."))
    if survey_round.closes_on and send_at.date() > survey_round.closes_on:
        raise SendError(_("The send time is after the round closes."))
    if send_at < (now or utcnow()).replace(second=0, microsecond=0) - _GRACE:
        raise SendError(_("The send time has passed. Choose a time from now on."))
    return days


def check_texts(texts: Mapping[str, Mapping[str, str]], languages: list[str]) -> None:
    for language in languages:
        for kind in KINDS:
            try:
                check_text(texts[language][kind])
            except (KeyError, TypeError):
                raise SendError(
                    _("A text is missing for %(language)s.", language=language)
                ) from None
            except TextError as error:
                raise SendError(f"{language}, {kind}: {error}") from None


def queue_send(
    survey_round: Round,
    rows: list[dict[str, str]],
    texts: Mapping[str, Mapping[str, str]],
    send_at: datetime,
    reminder_days: Iterable[int] = (),
    now: datetime | None = None,
) -> Queued:
    """Create the invitations of a checked send list and queue their messages (audited).

    `send_at` is UTC; rows are the send list's checked rows (with mobile or email).
    """
    days = check_plan(survey_round, send_at, reminder_days, now)
    check_texts(texts, list(survey_round.languages))
    batch = SendBatch(
        round_id=survey_round.id,
        send_at=send_at,
        reminder_days=days,
        texts={lang: dict(texts[lang]) for lang in survey_round.languages},
        organisation=survey_round.municipality.display_service_name,
    )
    db.session.add(batch)
    db.session.flush()
    number = (
        db.session.scalar(
            select(func.coalesce(func.max(Invitation.number), 0)).where(
                Invitation.round_id == survey_round.id
            )
        )
        or 0
    )
    due = [send_at, *reminder_times(send_at, days)]
    sms = email = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = []
        for row in chunk:
            number += 1
            token = new_token()
            values.append(
                {
                    "round_id": survey_round.id,
                    "number": number,
                    "token_hash": invitation_hash(token),
                    "state": "issued",
                    "created_on": today(),
                    "send_batch_id": batch.id,
                    "sealed": seal(Contact(token, row.get(MOBILE), row.get(EMAIL))),
                    "reference_hash": reference_hash(survey_round.id, row["reference"])
                    if row.get("reference")
                    else None,
                    **{name: row.get(name) or None for name in BACKGROUND_VARIABLES},
                }
            )
        ids = db.session.scalars(insert(Invitation).returning(Invitation.id), values).all()
        messages: list[dict[str, object]] = []
        for invitation_id, row in zip(ids, chunk, strict=True):
            channel = "sms" if row.get(MOBILE) else "email"
            sms, email = (sms + 1, email) if channel == "sms" else (sms, email + 1)
            messages.extend(
                {
                    "batch_id": batch.id,
                    "invitation_id": invitation_id,
                    "sequence": sequence,
                    "channel": channel,
                    "state": "waiting",
                    "due_at": at,
                    "next_try_at": at,
                    "attempts": 0,
                }
                for sequence, at in enumerate(due)
            )
        db.session.execute(insert(OutboxMessage), messages)
    queued = Queued(batch.id, len(rows), sms, email, len(rows) * len(days))
    audit.record(
        "invitations.queued",
        survey_round,
        details={
            "invitations": queued.invitations,
            "sms": sms,
            "email": email,
            "reminders": len(days),
            "send_at": send_at.isoformat(timespec="minutes"),
        },
    )
    return queued
