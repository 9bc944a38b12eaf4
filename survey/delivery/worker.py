"""The outbox worker: delivers what is due, once per message, with retries and backoff.

A message is claimed (state "sending", with a lease) in a short transaction, sent outside
any transaction, and its outcome recorded in another. Several workers share the work on
PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED); on SQLite the claim takes the write lock.
A worker that dies leaves its claims to expire: the message is then sent again with the
same reference (the gateway's userref, the e-mail's Message-ID), which is all the
idempotency a gateway offers. Contact data is erased as soon as an invitation has no
message left to send, and at once when its round closes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import DBAPIError

from survey.core import audit
from survey.core.database import dialect_name
from survey.core.extensions import db
from survey.core.i18n import language_code
from survey.core.transaction import roll_back, unit_of_work
from survey.delivery.schedule import sms_allowed_from
from survey.delivery.texts import render
from survey.delivery.transports import (
    TIMEOUT_SECONDS,
    NotConfiguredError,
    Outgoing,
    PermanentError,
    TransientError,
    Transport,
    transports,
)
from survey.invitations.contacts import SealError, unseal
from survey.invitations.issuing import invitation_link, public_base_url
from survey.models import Invitation, OutboxMessage, Round, SendBatch
from survey.models.base import utcnow
from survey.rounds.lifecycle import availability

LEASE = timedelta(minutes=5)
# A send is not started with less than this left of the claim's lease: the message is
# given back instead, so no other worker can take it over while it is being sent.
SEND_MARGIN = timedelta(seconds=TIMEOUT_SECONDS)
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
NOT_CONFIGURED_WAIT = timedelta(hours=1)
CLAIM = 50
ACTOR = "outbox"
UNFINISHED = ("waiting", "sending")


@dataclass
class Tally:
    delivered: int = 0
    failed: int = 0
    waiting: int = 0
    erased: Counter = field(default_factory=Counter)  # round id -> invitations erased


def work(
    now: datetime | None = None,
    once: bool = True,
    via: dict[str, Transport] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 5.0,
) -> Tally:
    """Deliver what is due. With `now`, that time is "now" throughout (tests, catch-up).

    `once`: return when nothing more is due; otherwise keep polling (a service).
    """
    tally = Tally()
    via = via or transports(current_app.config, _receipt_url())
    while True:
        moment = now or utcnow()
        try:
            _erase_closed_rounds(moment, tally)
            claimed, lease = _claim(moment)
            for message_id in claimed:
                _deliver(message_id, moment, via, tally, Claim(lease, real_time=now is None))
            _audit_erasures(tally)
        except DBAPIError as error:
            # The database restarted under a running service: its pooled connection was
            # found dead (there is no pre-ping). Nothing of this batch was committed after
            # the failure and claims run out with their lease, so wait and go on.
            if once or not error.connection_invalidated:
                raise
            roll_back()
            current_app.logger.warning("outbox: database connection lost; trying again")
            sleep(poll_seconds)
            continue
        if not claimed:
            if once:
                break
            sleep(poll_seconds)
    tally.waiting = db.session.execute(
        select(func.count()).where(OutboxMessage.state.in_(UNFINISHED))
    ).scalar_one()
    db.session.rollback()
    return tally


def _write_lock() -> None:
    """On SQLite, begin with the write lock (BEGIN IMMEDIATE), as a writing request does: a
    transaction that reads first and writes later fails at once with "database is locked"
    when another connection wrote in between, whatever the busy timeout."""
    if dialect_name() == "sqlite":
        db.session.connection(execution_options={"sqlite_immediate": True})


@dataclass(frozen=True)
class Claim:
    """This worker's claim: its lease's end marks the messages as this worker's own."""

    lease: datetime
    real_time: bool  # False when a fixed `now` stands for the time (tests, catch-up)

    def ending(self) -> bool:
        margin = min(SEND_MARGIN, LEASE / 2)
        return self.real_time and utcnow() + margin >= self.lease


def _claim(now: datetime) -> tuple[list[int], datetime]:
    with unit_of_work(actor=ACTOR):
        _write_lock()
        due = (
            select(OutboxMessage.id)
            .where(
                or_(
                    and_(OutboxMessage.state == "waiting", OutboxMessage.next_try_at <= now),
                    # A claim whose lease ran out: its worker died before recording an outcome.
                    and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until < now),
                )
            )
            .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
            .limit(CLAIM)
        )
        if dialect_name() == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(due))
        if ids:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(state="sending", claimed_until=now + LEASE)
            )
    return ids, now + LEASE


def _deliver(
    message_id: int, now: datetime, via: dict[str, Transport], tally: Tally, claim: Claim
) -> None:
    with unit_of_work(actor=ACTOR):
        _write_lock()
        outgoing = _prepare(message_id, now, tally, claim)
    if outgoing is None:
        return
    channel, message = outgoing
    try:
        reference = via[channel].send(message)
    except PermanentError as error:
        _record(message_id, now, tally, claim, failed=str(error))
    except NotConfiguredError as error:
        _wait_for_configuration(message_id, now, claim, str(error))
    except TransientError as error:
        _record(message_id, now, tally, claim, retry=str(error))
    else:
        _record(message_id, now, tally, claim, reference=reference)


def _prepare(
    message_id: int, now: datetime, tally: Tally, claim: Claim
) -> tuple[str, Outgoing] | None:
    """The message to send, or None when it is not to be sent now (and why is recorded)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.state != "sending" or message.claimed_until != claim.lease:
        return None  # another worker finished it, or took it over when this claim ran out
    if claim.ending():
        # Too little of the lease is left to send safely: give it back, due at once.
        message.state, message.claimed_until, message.next_try_at = "waiting", None, now
        return None
    invitation = db.session.get(Invitation, message.invitation_id)
    batch = db.session.get(SendBatch, message.batch_id)
    survey_round = db.session.get(Round, batch.round_id) if batch else None
    if invitation is None or batch is None or survey_round is None:
        _finish(message, "cancelled", now)
        return None
    if invitation.sealed is None or availability(survey_round) == "closed":
        _finish(message, "cancelled", now)
        return None
    if message.sequence > 0 and invitation.state == "completed":
        _finish(message, "skipped", now)  # a reminder goes only to those who have not answered
        _erase_if_done(invitation.id, now, tally)
        return None
    if message.channel == "sms" and sms_allowed_from(now) > now:
        message.state, message.claimed_until = "waiting", None
        message.next_try_at = sms_allowed_from(now)  # no SMS between 20:00 and 08:00
        return None
    try:
        contact = unseal(invitation.sealed)
    except SealError as error:
        _finish(message, "failed", now, str(error))
        tally.failed += 1
        _erase_if_done(invitation.id, now, tally)
        return None
    # The send list may name the language ("arabisk"): the message is in that language too.
    named = language_code(invitation.language)
    language = named if named is not None and named in batch.texts else "da"
    kind = "invitation" if message.sequence == 0 else "reminder"
    link = invitation_link(contact.token)
    text = render(batch.texts[language][kind], link, batch.organisation)
    recipient = contact.mobile if message.channel == "sms" else contact.email
    if not recipient:
        _finish(message, "failed", now, "no address for this channel")
        tally.failed += 1
        _erase_if_done(invitation.id, now, tally)
        return None
    if message.channel == "sms":
        return "sms", Outgoing(str(message.id), recipient, text)
    subject, html = _mail_parts(language, batch.organisation, text, link)
    return "email", Outgoing(str(message.id), recipient, text, subject, html)


def _mail_parts(language: str, organisation: str, text: str, link: str) -> tuple[str, str]:
    supported = language if language in ("da", "en") else "da"
    with force_locale(supported):
        subject = _("Questionnaire from %(organisation)s", organisation=organisation)
    body = escape(text).replace("\n", "<br>\n")
    body = body.replace(escape(link), f'<a href="{escape(link)}">{escape(link)}</a>')
    return subject, f'<!doctype html>\n<html lang="{supported}"><body><p>{body}</p></body></html>\n'


def _record(
    message_id: int,
    now: datetime,
    tally: Tally,
    claim: Claim,
    reference: str | None = None,
    failed: str | None = None,
    retry: str | None = None,
) -> None:
    with unit_of_work(actor=ACTOR):
        _write_lock()
        message = db.session.get(OutboxMessage, message_id)
        if message is None:
            return
        if message.state == "sending" and message.claimed_until != claim.lease:
            return  # another worker owns it now; its outcome is the one recorded
        if message.state != "sending":
            # The gateway's delivery receipt came before this record (or another worker
            # took the message over): that outcome stands, and the contact data still goes
            # once nothing is left to send.
            if (
                message.state == "delivered"
                and message.sent_at is None
                and not failed
                and not retry
            ):
                message.attempts += 1
                message.sent_at, message.gateway_ref = now, message.gateway_ref or reference
                tally.delivered += 1
            _erase_if_done(message.invitation_id, now, tally)
            return
        message.attempts += 1
        message.claimed_until = None
        if failed is None and retry is None:
            message.state, message.sent_at, message.gateway_ref = "sent", now, reference
            message.error = None
            tally.delivered += 1
        elif retry is not None and message.attempts < MAX_ATTEMPTS:
            message.state, message.error = "waiting", retry[:200]
            message.next_try_at = now + BACKOFF[message.attempts - 1]
            return
        else:
            _finish(message, "failed", now, (failed or retry or "")[:200])
            tally.failed += 1
        _erase_if_done(message.invitation_id, now, tally)


def _wait_for_configuration(message_id: int, now: datetime, claim: Claim, why: str) -> None:
    """Without a transport nothing was tried: the message waits an hour, attempts untouched."""
    with unit_of_work(actor=ACTOR):
        _write_lock()
        message = db.session.get(OutboxMessage, message_id)
        if (
            message is not None
            and message.state == "sending"
            and message.claimed_until == claim.lease
        ):
            message.state, message.claimed_until, message.error = "waiting", None, why[:200]
            message.next_try_at = now + NOT_CONFIGURED_WAIT


def _finish(message: OutboxMessage, state: str, now: datetime, error: str | None = None) -> None:
    message.state, message.finished_at, message.claimed_until = state, now, None
    if error is not None:
        message.error = error[:200]


def _erase_if_done(invitation_id: int, now: datetime, tally: Tally) -> bool:
    """Erase the contact data once no message of the invitation is left to send (counted
    in the tally, for the audit trail)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.sealed is None:
        return False
    left = db.session.execute(
        select(func.count()).where(
            OutboxMessage.invitation_id == invitation.id,
            OutboxMessage.state.in_(UNFINISHED),
        )
    ).scalar_one()
    if left:
        return False
    invitation.sealed, invitation.contact_erased_on = None, now.date()
    tally.erased[invitation.round_id] += 1
    return True


def _erase_closed_rounds(now: datetime, tally: Tally) -> None:
    """A round that closed (by hand or by its date) keeps no contact data and sends nothing."""
    with unit_of_work(actor=ACTOR):
        round_ids = db.session.scalars(
            select(Invitation.round_id).where(Invitation.sealed.is_not(None)).distinct()
        ).all()
        closed = [
            round_id
            for round_id in round_ids
            if (survey_round := db.session.get(Round, round_id)) is not None
            and availability(survey_round) == "closed"
        ]
    if not closed:
        return
    with unit_of_work(actor=ACTOR):
        _write_lock()  # the look-up above is a scan: it does not hold the write lock
        for round_id in closed:
            survey_round = db.session.get(Round, round_id)
            if survey_round is not None and availability(survey_round) == "closed":
                tally.erased[round_id] += erase_round_contacts(survey_round, now)


def erase_round_contacts(survey_round: Round, now: datetime | None = None) -> int:
    """Cancel the round's unsent messages and erase its contact data; returns invitations."""
    moment = now or utcnow()
    invitations = select(Invitation.id).where(Invitation.round_id == survey_round.id)
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.invitation_id.in_(invitations),
            OutboxMessage.state.in_(UNFINISHED),
        )
        .values(state="cancelled", finished_at=moment, claimed_until=None)
    )
    erased = db.session.execute(
        update(Invitation)
        .where(Invitation.round_id == survey_round.id, Invitation.sealed.is_not(None))
        .values(sealed=None, contact_erased_on=moment.date())
    )
    return erased.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def _audit_erasures(tally: Tally) -> None:
    if not tally.erased:
        return
    with unit_of_work(actor=ACTOR):
        _write_lock()
        for round_id, count in tally.erased.items():
            survey_round = db.session.get(Round, round_id)
            if survey_round is not None and count:
                audit.record("contacts.erased", survey_round, details={"invitations": count})
    tally.erased.clear()


def _receipt_url() -> str | None:
    if not current_app.config.get("SMS_CALLBACK_SECRET"):
        return None
    with current_app.test_request_context():
        return public_base_url() + url_for("receipts.sms_receipt")
