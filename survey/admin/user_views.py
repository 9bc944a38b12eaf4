"""Users: admins manage their municipality's staff; operators manage every municipality's admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey import audit
from survey.admin import bp
from survey.admin.forms import EmptyForm, UserForm
from survey.auth.service import AccountError, create_user, set_active
from survey.extensions import db
from survey.models import Municipality, User
from survey.tenancy import get_or_404, requires, scoped


@bp.route("/users", methods=["GET", "POST"])
@requires("operator", "admin")
def users():
    form = _user_form()
    new_password = None
    if form.validate_on_submit():
        municipality = (
            form.municipality.data
            if current_user.role == "operator"
            else current_user.municipality_code
        )
        try:
            user, new_password = create_user(form.email.data, form.role.data, municipality)
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            audit.record(
                "user.create",
                user,
                details={"email": user.email, "role": user.role},
                municipality_code=user.municipality_code,
            )
            db.session.commit()
            flash(
                _(
                    "The user was created. Give them the one-time password below; it is shown only now."
                ),
                "success",
            )
            context = _context(_user_form(blank=True))
            context.update(new_user=user, new_password=new_password)
            return render_template("admin/users.html", **context)
    status = 400 if form.errors else 200
    return render_template("admin/users.html", **_context(form)), status


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
@requires("operator", "admin")
def user_active(user_id: int, action: str):
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable yourself."), "error")
        return redirect(url_for("admin.users"))
    if current_user.role == "admin" and user.role == "operator":
        abort(404)
    set_active(user, action == "enable")
    audit.record(
        f"user.{action}",
        user,
        details={"email": user.email},
        municipality_code=user.municipality_code,
    )
    db.session.commit()
    flash(
        _("The user was disabled.") if action == "disable" else _("The user was enabled."),
        "success",
    )
    return redirect(url_for("admin.users"))


def _user_form(blank: bool = False) -> UserForm:
    form = UserForm(formdata=None) if blank else UserForm()
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


def _context(form: UserForm) -> dict:
    staff = db.session.scalars(scoped(User).order_by(User.municipality_code, User.email)).all()
    return {
        "form": form,
        "staff": staff,
        "button_form": EmptyForm(),
        "new_user": None,
        "new_password": None,
    }
