"""A checked send list kept for the next step, so staff need not choose the file again.

Kept encrypted, for the staff member and round that checked it, for at most an hour;
the step that uses it deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import ngettext
from sqlalchemy import delete, select

from survey.core import audit
from survey.core.extensions import db
from survey.invitations.contacts import SealError, seal_bytes, unseal_bytes
from survey.invitations.references import repeated_references
from survey.invitations.sendlist import SendList, parse_send_list
from survey.models import PendingUpload, Round
from survey.models.base import utcnow

KEPT_FOR = timedelta(hours=1)


def keep_upload(survey_round: Round, user_id: int, data: bytes) -> str:
    """Keep the file's bytes; returns the id the form carries to the next step."""
    _forget_expired()
    upload = PendingUpload(round_id=survey_round.id, user_id=user_id, sealed=seal_bytes(data))
    db.session.add(upload)
    db.session.flush()
    return upload.id


def kept_upload(survey_round: Round, user_id: int, upload_id: str | None) -> bytes | None:
    """The kept file, only for the same staff member and round and only while fresh."""
    if not upload_id:
        return None
    upload = db.session.scalar(
        select(PendingUpload).where(
            PendingUpload.id == upload_id[:32],
            PendingUpload.round_id == survey_round.id,
            PendingUpload.user_id == user_id,
            PendingUpload.created_at >= utcnow() - KEPT_FOR,
        )
    )
    if upload is None:
        return None
    try:
        return unseal_bytes(upload.sealed)
    except SealError:
        return None


def forget_upload(upload_id: str | None) -> None:
    if upload_id:
        db.session.execute(delete(PendingUpload).where(PendingUpload.id == upload_id[:32]))


def _forget_expired() -> None:
    db.session.execute(delete(PendingUpload).where(PendingUpload.created_at < utcnow() - KEPT_FOR))


@dataclass
class CheckedUpload:
    checked: SendList
    upload_id: str | None = None  # the kept file, when it is clean
    repeated: list[str] = field(default_factory=list)  # references that already have a link

    @property
    def ready(self) -> bool:
        return self.checked.ok and self.upload_id is not None


def check_upload(
    survey_round: Round,
    user_id: int,
    data: bytes | None,
    upload_id: str | None,
    for_sending: bool = False,
) -> CheckedUpload | None:
    """Check a newly chosen file, or the one kept from the last check (None when that is
    gone); a clean file is kept for the next step, with the references already used."""
    if data is None:
        data = kept_upload(survey_round, user_id, upload_id)
        if data is None:
            return None
    else:
        forget_upload(upload_id)
        upload_id = None
    checked = parse_send_list(data, for_sending)
    if not checked.ok:
        forget_upload(upload_id)
        return CheckedUpload(checked)
    if upload_id is None:
        upload_id = keep_upload(survey_round, user_id, data)
    references = [row.get("reference", "") for row in checked.rows]
    return CheckedUpload(checked, upload_id, repeated_references(survey_round, references))


class RepeatsNotConfirmed(ValueError):
    """Some references already have a link in this round and nobody confirmed new ones."""


def confirm_repeats(survey_round: Round, upload: CheckedUpload, confirmed: bool) -> None:
    """Refuse to go on with references that already have a link unless confirmed; audited
    when confirmed, so the trail says why some people got a second link."""
    if upload.repeated and not confirmed:
        raise RepeatsNotConfirmed(
            ngettext(
                "%(num)d reference already has a link in this round. Tick the box to give "
                "it a new one, or remove it from the file.",
                "%(num)d references already have a link in this round. Tick the box to give "
                "them new ones, or remove them from the file.",
                len(upload.repeated),
            )
        )
    if upload.repeated:
        audit.record(
            "invitations.repeats_confirmed", survey_round, details={"count": len(upload.repeated)}
        )


def confirm_list_repeats(survey_round: Round, checked: SendList, confirmed: bool) -> None:
    """The command line's check of a clean send list against earlier uploads, as the web's."""
    references = [row.get("reference", "") for row in checked.rows]
    upload = CheckedUpload(checked, None, repeated_references(survey_round, references))
    confirm_repeats(survey_round, upload, confirmed)
