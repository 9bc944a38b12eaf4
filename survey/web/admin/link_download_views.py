"""Operators decide which municipalities' staff may download invitation links (audited)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey.core.extensions import db
from survey.core.tenancy import requires
from survey.models import Municipality
from survey.settings.municipality import allow_link_downloads
from survey.web.admin import bp
from survey.web.admin.forms import LinkDownloadsForm


@bp.route("/link-downloads", methods=["GET", "POST"])
@requires("operator")
def link_downloads():
    form = LinkDownloadsForm.with_choices()
    if form.validate_on_submit():
        municipality = db.get_or_404(Municipality, form.municipality.data)
        allow_link_downloads(municipality, bool(form.allowed.data))
        flash(_("The setting was saved."), "success")
        return redirect(url_for("admin.link_downloads"))
    allowed = db.session.scalars(
        select(Municipality)
        .where(Municipality.may_download_links.is_(True))
        .order_by(Municipality.name)
    ).all()
    return render_template(
        "admin/link_downloads.html", form=form, allowed=allowed
    ), 400 if form.errors else 200
