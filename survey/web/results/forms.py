"""Forms of the results pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional


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
