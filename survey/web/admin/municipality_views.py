"""The municipality's own settings: the sender name citizens see, and its accessibility statement."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.core.extensions import db
from survey.core.tenancy import requires
from survey.models import Municipality
from survey.settings.municipality import change_settings
from survey.web.admin import bp
from survey.web.admin.forms import MunicipalityForm


@bp.route("/municipality", methods=["GET", "POST"])
@requires("admin")
def municipality_settings():
    municipality = db.session.get(Municipality, current_user.municipality_code)
    form = MunicipalityForm(obj=municipality)
    if form.validate_on_submit():
        change_settings(municipality, form.service_name.data, form.accessibility_url.data)
        flash(_("The settings were saved."), "success")
        return redirect(url_for("admin.municipality_settings"))
    return render_template(
        "admin/municipality.html", form=form, municipality=municipality
    ), 400 if form.errors else 200
