"""Background values (benefit groups and the like): data the operator maintains, not code."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from survey.core.extensions import db
from survey.core.tenancy import requires
from survey.models import BackgroundValue
from survey.settings.background import (
    BackgroundValueError,
    add_value,
    all_values,
    replace_value,
    replacement_choices,
)
from survey.web.admin import bp
from survey.web.admin.forms import BackgroundValueForm, EmptyForm, ReplaceValueForm


@bp.route("/background-values", methods=["GET", "POST"])
@requires("operator")
def background_values():
    form = BackgroundValueForm.with_choices()
    if form.validate_on_submit():
        try:
            add_value(
                form.variable.data, form.code.data, form.label_da.data, form.label_en.data or ""
            )
        except BackgroundValueError as error:
            form.code.errors.append(str(error))
        else:
            flash(_("The value was added."), "success")
            return redirect(url_for("admin.background_values"))
    values = all_values()
    return render_template(
        "admin/background_values.html",
        form=form,
        values=values,
        replacements={value.id: _pairs(replacement_choices(value)) for value in values},
        button_form=EmptyForm(),
        replace_form=ReplaceValueForm(),
    ), 400 if form.errors else 200


@bp.post("/background-values/<int:value_id>/replace")
@requires("operator")
def background_value_replace(value_id: int):
    value = db.get_or_404(BackgroundValue, value_id)
    form = ReplaceValueForm.for_value(replacement_choices(value))
    if not form.validate_on_submit():
        flash(_("Choose the value that replaces it."), "error")
        return redirect(url_for("admin.background_values"))
    replace_value(value, form.replaced_by.data)
    flash(_("Old send lists with this code will now be mapped to the new one."), "success")
    return redirect(url_for("admin.background_values"))


def _pairs(codes: list[str]) -> list[tuple[str, str]]:
    return [(code, code) for code in codes]
