"""Forms for sending by Borgerblik: the texts per language, and a send list with its schedule."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, TextAreaField, TimeField
from wtforms.validators import NumberRange, Optional, ValidationError

from survey.core.i18n import LANGUAGE_NAMES, text_direction
from survey.delivery.schedule import MAX_REMINDER_DAYS, MAX_REMINDERS, to_local, to_utc
from survey.delivery.texts import KINDS, TextError, check_text
from survey.models.base import utcnow

KIND_LABELS = {"invitation": _l("Invitation"), "reminder": _l("Reminder")}


class TextsForm(FlaskForm):
    """One text field per language of the round and kind (invitation, reminder)."""

    @classmethod
    def for_languages(cls, languages: list[str], texts: dict, formdata=None) -> TextsForm:
        class Bound(cls):  # type: ignore[valid-type,misc]  # fields depend on the round
            pass

        for language in languages:
            for kind in KINDS:
                label = f"{KIND_LABELS[kind]} ({LANGUAGE_NAMES.get(language, language)})"
                setattr(
                    Bound,
                    f"{kind}_{language}",
                    TextAreaField(
                        label,
                        validators=[_valid_text],
                        default=texts[language][kind],
                        # written in the citizen's language: its script's direction while typing
                        render_kw={"lang": language, "dir": text_direction(language)},
                    ),
                )
        form = Bound(formdata=formdata) if formdata is not None else Bound()
        form.languages = languages
        return form

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            language: {kind: self[f"{kind}_{language}"].data.strip() for kind in KINDS}
            for language in self.languages
        }


def _valid_text(form, field) -> None:
    try:
        check_text(field.data or "")
    except TextError as error:
        raise ValidationError(str(error)) from None


class SendForm(FlaskForm):
    """A send list, when the first message goes out (Danish time) and up to three reminders."""

    file = FileField(_l("Send list (CSV or Excel)"))
    upload = HiddenField()  # the file kept from the last check
    confirm_repeats = BooleanField(
        _l("Invite also the references that already have an invitation in this round")
    )
    action = HiddenField()  # the pressed button: "check" or "send"
    send_on = DateField(_l("Send on (date)"), validators=[Optional()])
    send_time = TimeField(_l("at (Danish time)"), validators=[Optional()])
    reminder_1 = IntegerField(
        _l("First reminder, days after"), validators=[Optional(), NumberRange(1, MAX_REMINDER_DAYS)]
    )
    reminder_2 = IntegerField(
        _l("Second reminder, days after"),
        validators=[Optional(), NumberRange(1, MAX_REMINDER_DAYS)],
    )
    reminder_3 = IntegerField(
        _l("Third reminder, days after"), validators=[Optional(), NumberRange(1, MAX_REMINDER_DAYS)]
    )

    def validate_file(self, field) -> None:
        if not field.data and not self.upload.data:
            raise ValidationError(_("Choose a CSV or Excel file."))

    def file_bytes(self) -> bytes | None:
        return self.file.data.read() if self.file.data else None

    def send_at(self) -> datetime:
        """UTC: now when neither date nor time is given; a date alone means 09:00 that day,
        a time alone means today."""
        if self.send_on.data is None and self.send_time.data is None:
            return utcnow()
        day: date = self.send_on.data or to_local(utcnow()).date()
        return to_utc(datetime.combine(day, self.send_time.data or time(9, 0)))

    def reminder_days(self) -> list[int]:
        fields = (self.reminder_1, self.reminder_2, self.reminder_3)[:MAX_REMINDERS]
        return [field.data for field in fields if field.data]
