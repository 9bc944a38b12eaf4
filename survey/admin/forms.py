"""Staff forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

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


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the round a title.")), Length(max=200)]
    )
    questionnaire = SelectField(_l("Questionnaire"), validators=[DataRequired()])
    opens_on = DateField(_l("Planned opening date"), validators=[Optional()])
    closes_on = DateField(_l("Planned closing date"), validators=[Optional()])
    languages = MultiCheckboxField(_l("Languages offered besides Danish"), choices=[])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be after the opening date."))


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


class AddQuestionForm(FlaskForm):
    question_id = SelectField(_l("Question from the bank"), coerce=int, choices=[])
    placement = SelectField(_l("Place it"), choices=[])


class PlacementForm(FlaskForm):
    placement = SelectField(_l("Placement"), choices=[])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class SendListForm(FlaskForm):
    file = FileField(_l("Send list (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))])


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        # The address itself is checked by create_user (wtforms' Email() needs email_validator).
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=[])
    municipality = SelectField(_l("Municipality"), coerce=int, choices=[], validators=[Optional()])


class BackgroundValueForm(FlaskForm):
    variable = SelectField(_l("Variable"), choices=[])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label_da = StringField(_l("Label in Danish"), validators=[DataRequired(), Length(max=120)])
    label_en = StringField(_l("Label in English"), validators=[Optional(), Length(max=120)])


class ReplaceValueForm(FlaskForm):
    replaced_by = SelectField(_l("Replaced by"), choices=[])


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
