"""Before a send is queued: what it would send, counted, with the texts as citizens get them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from survey.delivery.queue import Queued, SendError, check_plan, check_texts, queue_send
from survey.delivery.schedule import reminder_times, to_local
from survey.delivery.texts import KINDS, SmsCount, render, sample_link, sms_count, texts_for
from survey.invitations.issuing import public_base_url
from survey.invitations.sendlist import MOBILE, SendList, parse_send_list
from survey.models import Round


@dataclass(frozen=True)
class TextPreview:
    language: str
    kind: str
    text: str  # as a citizen reads it, with a sample link
    sms: SmsCount


@dataclass
class SendPreview:
    checked: SendList
    problems: list[str] = field(default_factory=list)
    sms: int = 0
    email: int = 0
    reminder_days: list[int] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)  # Danish local times of each message

    @property
    def ok(self) -> bool:
        return self.checked.ok and not self.problems

    @property
    def invitations(self) -> int:
        return len(self.checked.rows)

    @property
    def messages(self) -> int:
        """The most that can go out: invitations, and reminders if nobody answers."""
        return self.invitations * (1 + len(self.reminder_days))


def texts_preview(survey_round: Round, texts: dict | None = None) -> list[TextPreview]:
    chosen = texts or texts_for(survey_round.message_texts, list(survey_round.languages))
    link = sample_link(public_base_url())
    organisation = survey_round.municipality.display_service_name
    previews = []
    for language, kinds in chosen.items():
        for kind in KINDS:
            try:
                text = render(kinds[kind], link, organisation)
            except (KeyError, IndexError, ValueError):
                continue  # a broken text is reported by its form field
            previews.append(TextPreview(language, kind, text, sms_count(text)))
    return previews


def preview_send(
    survey_round: Round, data: bytes, send_at: datetime, reminder_days: list[int]
) -> SendPreview:
    return preview_checked(
        survey_round, parse_send_list(data, for_sending=True), send_at, reminder_days
    )


def preview_checked(
    survey_round: Round, checked: SendList, send_at: datetime, reminder_days: list[int]
) -> SendPreview:
    """The preview of a send list already read (e.g. the one kept from the last check)."""
    preview = SendPreview(checked)
    try:
        preview.reminder_days = check_plan(survey_round, send_at, reminder_days)
        check_texts(
            texts_for(survey_round.message_texts, list(survey_round.languages)),
            list(survey_round.languages),
        )
    except SendError as error:
        preview.problems.append(str(error))
    preview.times = [
        to_local(at) for at in [send_at, *reminder_times(send_at, preview.reminder_days)]
    ]
    preview.sms = sum(1 for row in preview.checked.rows if row.get(MOBILE))
    preview.email = preview.invitations - preview.sms
    return preview


def queue_previewed(survey_round: Round, preview: SendPreview, send_at: datetime) -> Queued:
    """Queue what the preview showed, with the round's texts as they stand."""
    texts = texts_for(survey_round.message_texts, list(survey_round.languages))
    return queue_send(survey_round, preview.checked.rows, texts, send_at, preview.reminder_days)
