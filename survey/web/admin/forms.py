"""Staff forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaires import available_questionnaires
from questionnaires.model import pick_text
from survey.bank.lix import question_lix
from survey.bank.questions import QuestionDraft, condition_choices, draft_from
from survey.core.extensions import db
from survey.core.i18n import LANGUAGE_NAMES, current_language, ui_languages
from survey.core.labels import language_label
from survey.core.tenancy import scoped
from survey.models import LocalQuestion, Municipality, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.round import END_PLACEMENT
from survey.rounds.lifecycle import draft_languages_chosen
from survey.rounds.placement import placements

TYPE_CHOICES = [
    ("likert5", _l("Agree–disagree scale (5 points + don't know)")),
    ("yesno", _l("Yes / no")),
    ("single", _l("One choice from a list")),
    ("multi", _l("Several choices from a list")),
    ("text", _l("Free text")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _language_choice(language: str, draft: bool) -> str:
    """The language by its own name and the staff's name for it, and whether it is a draft."""
    own, known = LANGUAGE_NAMES.get(language, language), language_label(language)
    name = own if own == known else f"{own} – {known}"
    return name + (_(" (draft)") if draft else "")


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the round a title.")), Length(max=200)]
    )
    questionnaire = SelectField(_l("Questionnaire"), validators=[DataRequired()])
    opens_on = DateField(_l("Planned opening date"), validators=[Optional()])
    closes_on = DateField(_l("Planned closing date"), validators=[Optional()])
    languages = MultiCheckboxField(_l("Languages offered besides Danish"), choices=[])
    accept_drafts = BooleanField(
        _l(
            "I accept offering draft translations (marked “draft”): they were not checked "
            "by a professional translator, and the results will say so."
        )
    )

    placed: list = []  # the round's local questions (RoundQuestion links)

    def validate_accept_drafts(self, field):
        key, _sep, version = (self.questionnaire.data or "").rpartition(":")
        number = int(version) if version.isascii() and version.isdigit() else 0
        questionnaire = available_questionnaires().get((key, number))
        drafts = (
            draft_languages_chosen(questionnaire, self.languages.data or [], self.placed)
            if questionnaire
            else []
        )
        if drafts and not field.data:
            names = ", ".join(language_label(lang) for lang in drafts)
            raise ValidationError(
                _(
                    "These languages are draft translations: %(languages)s. Tick the box to "
                    "accept offering them, or leave them out.",
                    languages=names,
                )
            )

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be after the opening date."))

    @classmethod
    def for_round(cls, survey_round: Round | None = None) -> RoundForm:
        """A new round's form, or an existing round's settings (filled in on GET)."""
        editing = survey_round is not None and request.method == "GET"
        form = cls(obj=survey_round) if editing else cls()
        # The round's local questions may be draft translations too (survey/bank/status).
        form.placed = list(survey_round.local_questions) if survey_round is not None else []
        form.questionnaire.choices = _questionnaire_choices()
        if survey_round is not None:
            form.questionnaire.data = (
                f"{survey_round.questionnaire_key}:{survey_round.questionnaire_version}"
            )
            if request.method != "POST":
                form.languages.data = [lang for lang in survey_round.languages if lang != "da"]
                form.accept_drafts.data = bool(survey_round.draft_languages_accepted)
        drafts = {lang for q in available_questionnaires().values() for lang in q.draft_languages}
        form.languages.choices = [
            (lang, _language_choice(lang, lang in drafts))
            for lang in ui_languages()
            if lang != "da"
        ]
        return form


class QuestionForm(FlaskForm):
    text_da = TextAreaField(
        _l("Question in Danish"),
        validators=[DataRequired(_l("The Danish text is required.")), Length(max=500)],
    )
    text_en = TextAreaField(
        _l("Question in English (optional)"), validators=[Optional(), Length(max=500)]
    )
    help_da = TextAreaField(
        _l("Help text in Danish (optional)"), validators=[Optional(), Length(max=500)]
    )
    help_en = TextAreaField(
        _l("Help text in English (optional)"), validators=[Optional(), Length(max=500)]
    )
    type = SelectField(_l("Answer type"), choices=[])  # TYPE_CHOICES, set by the view
    options_da = TextAreaField(
        _l("Answer options in Danish, one per line (for lists)"),
        validators=[Optional(), Length(max=3000)],
    )
    options_en = TextAreaField(
        _l("Answer options in English, one per line, same order"),
        validators=[Optional(), Length(max=3000)],
    )
    max_length = IntegerField(
        _l("Maximum length of a free-text answer"),
        default=500,
        validators=[Optional(), NumberRange(1, 5000)],
    )
    condition = SelectField(_l("Show the question only if"), choices=[], default="")
    not_comparable = BooleanField(_l("The new wording is not comparable with the old one"))

    @classmethod
    def for_question(cls, question: LocalQuestion | None = None) -> QuestionForm:
        """The editor: conditions offered from the core questionnaire; filled in on GET."""
        form = cls()
        choices = [("", _("Always show it"))]
        for item, option in condition_choices():
            text = f"“{pick_text(item.text, 'da')}” = {pick_text(option.label, 'da')}"
            choices.append((f"{item.code}={option.value}", text))
        form.condition.choices = choices
        # Set after construction: wtforms 3.3 warns about tuple choices given to the field class.
        form.type.choices = TYPE_CHOICES
        if question is not None and request.method == "GET":
            form.fill(draft_from(question))
        return form

    def fill(self, draft: QuestionDraft) -> None:
        self.text_da.data = draft.texts.get("da", "")
        self.text_en.data = draft.texts.get("en", "")
        self.help_da.data = (draft.help or {}).get("da", "")
        self.help_en.data = (draft.help or {}).get("en", "")
        self.type.data = draft.type
        self.options_da.data = "\n".join(o["label"].get("da", "") for o in draft.options)
        self.options_en.data = "\n".join(o["label"].get("en", "") for o in draft.options)
        self.max_length.data = draft.max_length or 500
        if draft.show_if:
            self.condition.data = f"{draft.show_if['item']}={draft.show_if['in'][0]}"

    def draft(self) -> QuestionDraft:
        """What the administrator wrote, as the bank's draft (checked by the bank)."""
        texts = {"da": self.text_da.data.strip()}
        if (self.text_en.data or "").strip():
            texts["en"] = self.text_en.data.strip()
        help_texts = None
        if (self.help_da.data or "").strip():
            help_texts = {"da": self.help_da.data.strip(), "en": (self.help_en.data or "").strip()}
        options_en = _lines(self.options_en.data)
        options = []
        for index, label in enumerate(_lines(self.options_da.data), start=1):
            labels = {"da": label}
            if index <= len(options_en):
                labels["en"] = options_en[index - 1]
            options.append({"value": index, "label": labels})
        show_if = None
        if self.condition.data:
            code, value = self.condition.data.rsplit("=", 1)
            show_if = {"item": code, "in": [int(value)]}
        return QuestionDraft(
            texts=texts,
            type=self.type.data,
            options=options,
            max_length=self.max_length.data if self.type.data == "text" else None,
            help=help_texts,
            show_if=show_if,
        )

    @property
    def readability(self) -> float | None:
        return question_lix(self.text_da.data, self.help_da.data)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def placement_choices(survey_round: Round) -> list[tuple[str, str]]:
    """The end first, then after each page that takes local questions, in the order
    citizens meet them and by the titles they see."""
    language = current_language()
    choices = [
        (key, _("After the page: %(title)s", title=pick_text(title, language)))
        for key, title in placements(survey_round)
        if key != END_PLACEMENT
    ]
    return [(END_PLACEMENT, _("On a page of its own at the end")), *choices]


class AddQuestionForm(FlaskForm):
    question_id = SelectField(_l("Question from the bank"), coerce=int, choices=[])
    placement = SelectField(_l("Place it"), choices=[])

    @classmethod
    def for_round(cls, survey_round: Round) -> AddQuestionForm:
        """Offers the bank's active questions that the round does not have yet."""
        form = cls()
        used = {link.question.code for link in survey_round.local_questions}
        available = db.session.scalars(
            scoped(LocalQuestion).where(LocalQuestion.retired.is_(False)).order_by(LocalQuestion.id)
        ).all()
        form.question_id.choices = [
            (q.id, q.texts.get("da", q.code)) for q in available if q.code not in used
        ]
        form.placement.choices = placement_choices(survey_round)
        return form


class PlacementForm(FlaskForm):
    placement = SelectField(_l("Placement"), choices=[])

    @classmethod
    def with_choices(cls, survey_round: Round) -> PlacementForm:
        form = cls()
        form.placement.choices = placement_choices(survey_round)
        return form


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class ConfirmForm(FlaskForm):
    """An irreversible step is taken only with this box ticked on its confirmation page."""

    understood = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class SendListForm(FlaskForm):
    """A send list: a newly chosen file, or the one kept from the last check (`upload`)."""

    file = FileField(_l("Send list (CSV or Excel)"))
    upload = HiddenField()
    confirm_repeats = BooleanField(
        _l("Create new links also for the references that already have one")
    )
    action = HiddenField()  # the pressed button: "check" or "create"

    def validate_file(self, field) -> None:
        if not field.data and not self.upload.data:
            raise ValidationError(_("Choose a CSV or Excel file."))

    def file_bytes(self) -> bytes | None:
        return self.file.data.read() if self.file.data else None


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        # The address itself is checked by create_user (wtforms' Email() needs email_validator).
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=[])
    municipality = SelectField(_l("Municipality"), coerce=int, choices=[], validators=[Optional()])

    @classmethod
    def for_staff(cls, blank: bool = False) -> UserForm:
        """Operators create any role in any municipality; admins their own staff."""
        form = cls(formdata=None) if blank else cls()
        if current_user.role == "operator":
            form.role.choices = [
                ("admin", _("Administrator")),
                ("analyst", _("Analyst")),
                ("operator", _("Operator")),
            ]
            form.municipality.choices = [
                (m.code, f"{m.code} {m.name}")
                for m in db.session.scalars(select(Municipality).order_by(Municipality.name))
            ]
        else:
            form.role.choices = [("admin", _("Administrator")), ("analyst", _("Analyst"))]
            del form.municipality
        return form

    def municipality_code(self) -> int | None:
        if current_user.role == "operator":
            return self.municipality.data
        return current_user.municipality_code


class BackgroundValueForm(FlaskForm):
    variable = SelectField(_l("Variable"), choices=[])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label_da = StringField(_l("Label in Danish"), validators=[DataRequired(), Length(max=120)])
    label_en = StringField(_l("Label in English"), validators=[Optional(), Length(max=120)])

    @classmethod
    def with_choices(cls) -> BackgroundValueForm:
        form = cls()
        form.variable.choices = [(v, v) for v in BACKGROUND_VARIABLES]
        return form


class ReplaceValueForm(FlaskForm):
    replaced_by = SelectField(_l("Replaced by"), choices=[])

    @classmethod
    def for_value(cls, codes: list[str]) -> ReplaceValueForm:
        form = cls()
        form.replaced_by.choices = [(code, code) for code in codes]
        return form


class MunicipalityForm(FlaskForm):
    service_name = StringField(
        _l("Sender name citizens see"), validators=[Optional(), Length(max=120)]
    )
    accessibility_url = StringField(
        _l("Address of the municipality's accessibility statement (from the WAS tool)"),
        validators=[Optional(), Length(max=500)],
    )

    def validate_accessibility_url(self, field):
        if field.data and not field.data.strip().startswith("https://"):
            raise ValidationError(_l("The address must begin with https://"))


class LinkDownloadsForm(FlaskForm):
    """An operator allows or forbids a municipality's staff to download invitation links."""

    municipality = SelectField(_l("Municipality"), coerce=int, choices=[])
    allowed = SelectField(_l("Link downloads"), coerce=int, choices=[])

    @classmethod
    def with_choices(cls) -> LinkDownloadsForm:
        form = cls()
        form.municipality.choices = [
            (m.code, f"{m.code} {m.name}")
            for m in db.session.scalars(select(Municipality).order_by(Municipality.name))
        ]
        form.allowed.choices = [(0, _("Not allowed (Borgerblik sends)")), (1, _("Allowed"))]
        return form


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
    )


TRANSLATION_FORMATS = [("xliff", "XLIFF 2.0"), ("csv", "CSV (Excel)"), ("xlsx", "Excel (.xlsx)")]


class TranslationExportForm(FlaskForm):
    """Which texts to download for a translator; read from the address (a GET, no CSRF)."""

    class Meta:
        csrf = False

    what = SelectField(_l("Texts"), choices=[])
    language = SelectField(_l("Translate into"), choices=[])
    fmt = SelectField(_l("File format"), choices=[])

    @classmethod
    def for_staff(cls) -> TranslationExportForm:
        form = cls(formdata=request.args or None)
        form.what.choices = [("bank", _("Your local question bank")), *_questionnaire_choices()]
        form.language.choices = [
            (lang, _language_choice(lang, False)) for lang in ui_languages() if lang != "da"
        ]
        form.fmt.choices = list(TRANSLATION_FORMATS)
        return form


def _questionnaire_choices() -> list[tuple[str, str]]:
    """Each shipped questionnaire as "key:version", the newest version of each first (so a
    new round starts on it), titled as the staff member's municipality will see it."""
    municipality = getattr(current_user, "municipality", None)
    name = municipality.display_service_name if municipality else _("the job centre")
    newest_first = sorted(available_questionnaires().items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    return [
        (
            f"{key}:{version}",
            _(
                "%(title)s (%(key)s, version %(version)d)",
                title=pick_text(q.title, "da").replace("{organisation}", name),
                key=key,
                version=version,
            ),
        )
        for (key, version), q in newest_first
    ]


class QuestionnaireExportForm(FlaskForm):
    """A shipped questionnaire's texts to download for a translator (a GET, no CSRF)."""

    class Meta:
        csrf = False

    questionnaire = SelectField(_l("Questionnaire"), choices=[])
    language = SelectField(_l("Translate into"), choices=[])
    fmt = SelectField(_l("File format"), choices=[])

    @classmethod
    def for_operator(cls) -> QuestionnaireExportForm:
        form = cls(formdata=request.args or None)
        form.questionnaire.choices = _questionnaire_choices()
        form.language.choices = [
            (lang, _language_choice(lang, False)) for lang in ui_languages() if lang != "da"
        ]
        form.fmt.choices = list(TRANSLATION_FORMATS)
        return form

    def chosen(self) -> tuple[str, int]:
        key, version = self.questionnaire.data.rsplit(":", 1)
        return key, int(version)


class QuestionnaireUploadForm(FlaskForm):
    """A translator's file for a shipped questionnaire, checked and given back as its file."""

    questionnaire = SelectField(_l("Questionnaire"), choices=[])
    file = FileField(
        _l("Translated file (XLIFF, CSV or XLSX)"),
        validators=[FileRequired(_l("Choose the file the translator sent back."))],
    )
    reviewed_by = StringField(
        _l("Reviewed by (the professional translator who checked it; empty: a draft)"),
        validators=[Optional(), Length(max=200)],
    )

    @classmethod
    def for_operator(cls) -> QuestionnaireUploadForm:
        form = cls()
        form.questionnaire.choices = _questionnaire_choices()
        return form

    def chosen(self) -> tuple[str, int]:
        key, version = self.questionnaire.data.rsplit(":", 1)
        return key, int(version)


class ReviewTranslationForm(FlaskForm):
    """The button that marks one translation of a bank question as reviewed by oneself."""

    question_id = IntegerField(validators=[DataRequired()])
    language = StringField(validators=[DataRequired(), Length(max=8)])


class TranslationImportForm(FlaskForm):
    file = FileField(
        _l("Translated file (XLIFF, CSV or XLSX)"),
        validators=[FileRequired(_l("Choose the file the translator sent back."))],
    )
