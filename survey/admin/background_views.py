"""Background values (benefit groups and the like): data the operator maintains, not code."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey import audit
from survey.admin import bp
from survey.admin.forms import BackgroundValueForm, EmptyForm, ReplaceValueForm
from survey.extensions import db
from survey.models import BackgroundValue
from survey.models.background import BACKGROUND_VARIABLES
from survey.sendlist import CODE_PATTERN
from survey.tenancy import requires


@bp.route("/background-values", methods=["GET", "POST"])
@requires("operator")
def background_values():
    form = BackgroundValueForm()
    form.variable.choices = [(v, v) for v in BACKGROUND_VARIABLES]
    if form.validate_on_submit():
        code = form.code.data.strip().lower()
        exists = db.session.scalar(
            select(BackgroundValue.id).where(
                BackgroundValue.variable == form.variable.data, BackgroundValue.code == code
            )
        )
        if not CODE_PATTERN.match(code):
            form.code.errors.append(_("Use a short code of letters a-z, digits, _ or -."))
        elif exists:
            form.code.errors.append(_("This code already exists for the variable."))
        else:
            value = BackgroundValue(
                variable=form.variable.data,
                code=code,
                label={"da": form.label_da.data.strip(), "en": (form.label_en.data or "").strip()},
            )
            db.session.add(value)
            db.session.flush()
            audit.record(
                "background_value.create", value, details={"variable": value.variable, "code": code}
            )
            db.session.commit()
            flash(_("The value was added."), "success")
            return redirect(url_for("admin.background_values"))
    return render_template(
        "admin/background_values.html", **_context(form)
    ), 400 if form.errors else 200


@bp.post("/background-values/<int:value_id>/replace")
@requires("operator")
def background_value_replace(value_id: int):
    value = db.get_or_404(BackgroundValue, value_id)
    form = ReplaceValueForm()
    form.replaced_by.choices = _replacement_choices(value)
    if not form.validate_on_submit():
        flash(_("Choose the value that replaces it."), "error")
        return redirect(url_for("admin.background_values"))
    value.active = False
    value.replaced_by = form.replaced_by.data
    audit.record(
        "background_value.replace",
        value,
        details={"code": value.code, "replaced_by": value.replaced_by},
    )
    db.session.commit()
    flash(_("Old send lists with this code will now be mapped to the new one."), "success")
    return redirect(url_for("admin.background_values"))


def _replacement_choices(value: BackgroundValue) -> list[tuple[str, str]]:
    others = db.session.scalars(
        select(BackgroundValue).where(
            BackgroundValue.variable == value.variable,
            BackgroundValue.active.is_(True),
            BackgroundValue.id != value.id,
        )
    )
    return [(other.code, other.code) for other in others]


def _context(form: BackgroundValueForm) -> dict:
    values = db.session.scalars(
        select(BackgroundValue).order_by(BackgroundValue.variable, BackgroundValue.code)
    ).all()
    return {
        "form": form,
        "values": values,
        "replacements": {value.id: _replacement_choices(value) for value in values},
        "button_form": EmptyForm(),
        "replace_form": ReplaceValueForm(),
    }
