"""The audit trail's filters: a GET form (it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from survey.core.audit_trail import TrailFilter, filter_choices
from survey.core.labels import audit_action_label


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), choices=[], validators=[Optional()])
    action = SelectField(_l("Event"), choices=[], validators=[Optional()])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()])

    @classmethod
    def from_query(cls) -> AuditFilterForm:
        form = cls(formdata=request.args)
        actors, actions = filter_choices()
        form.actor.choices = [("", _l("Everyone"))] + [(a, a) for a in actors]
        named = sorted(((a, audit_action_label(a)) for a in actions), key=lambda c: str(c[1]))
        form.action.choices = [("", _l("All events")), *named]
        return form

    def chosen(self) -> TrailFilter:
        """The filter asked for; a choice not in the lists (or a broken date) is ignored."""
        self.validate()

        def given(field):
            return field.data if field.data and not field.errors else None

        return TrailFilter(
            given(self.actor), given(self.action), given(self.since), given(self.until)
        )
