"""Forms of the results pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class TargetForm(FlaskForm):
    """An ambition level: an indicator, a year and a share positive in percent."""

    indicator = StringField(validators=[DataRequired()])
    year = IntegerField(validators=[InputRequired(), NumberRange(2000, 2100)])
    ambition = FloatField(validators=[InputRequired(), NumberRange(0, 100)])
    back = HiddenField()

    def is_valid_for(self, known_indicators: set[str]) -> bool:
        return self.validate_on_submit() and self.indicator.data.strip() in known_indicators


class PublishForm(FlaskForm):
    """Publish a round (beside an earlier one, or alone), or take it down."""

    round = IntegerField(validators=[InputRequired()])
    against = IntegerField(validators=[Optional()])


class CommentReviewForm(FlaskForm):
    """One comment's redaction, themes and whether it may be quoted in a report."""

    round = IntegerField(validators=[InputRequired()])
    key = StringField(validators=[DataRequired(), Length(max=200)])
    redacted = TextAreaField(validators=[DataRequired(), Length(max=5000)])
    themes = SelectMultipleField(coerce=int, validate_choice=False)
    quote = BooleanField()
    page = IntegerField(validators=[Optional()])


class CommentThemeForm(FlaskForm):
    """A theme of the codebook, with keywords that suggest it (comma-separated)."""

    round = IntegerField(validators=[InputRequired()])
    name = StringField(validators=[DataRequired(), Length(max=80)])
    keywords = StringField(validators=[Optional(), Length(max=500)])
