"""The municipality's own settings: the sender name citizens see, and its accessibility statement."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey import audit
from survey.admin import bp
from survey.admin.forms import MunicipalityForm
from survey.extensions import db
from survey.models import Municipality
from survey.tenancy import requires


@bp.route("/municipality", methods=["GET", "POST"])
@requires("admin")
def municipality_settings():
    municipality = db.session.get(Municipality, current_user.municipality_code)
    form = MunicipalityForm(obj=municipality)
    if form.validate_on_submit():
        municipality.service_name = (form.service_name.data or "").strip() or None
        municipality.accessibility_url = (form.accessibility_url.data or "").strip() or None
        audit.record(
            "municipality.settings",
            municipality,
            municipality_code=municipality.code,
            details={
                "service_name": municipality.service_name,
                "accessibility_url": municipality.accessibility_url,
            },
        )
        db.session.commit()
        flash(_("The settings were saved."), "success")
        return redirect(url_for("admin.municipality_settings"))
    return render_template(
        "admin/municipality.html", form=form, municipality=municipality
    ), 400 if form.errors else 200
