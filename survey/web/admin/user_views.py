"""Users: admins manage their municipality's staff; operators manage every municipality's admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.accounts.service import AccountError, create_user, set_active
from survey.core.extensions import db
from survey.core.tenancy import get_or_404, requires, scoped
from survey.models import User
from survey.web.admin import bp
from survey.web.admin.forms import EmptyForm, UserForm


@bp.route("/users", methods=["GET", "POST"])
@requires("operator", "admin")
def users():
    form = UserForm.for_staff()
    if form.validate_on_submit():
        try:
            user, password = create_user(
                form.email.data,
                form.role.data,
                form.municipality_code(),
                sees_every_municipality=current_user.role == "operator",
            )
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(
                _(
                    "The user was created. Give them the one-time password below; it is shown only now."
                ),
                "success",
            )
            context = _context(UserForm.for_staff(blank=True))
            return render_template(
                "admin/users.html", **context, new_user=user, new_password=password
            )
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
    flash(
        _("The user was disabled.") if action == "disable" else _("The user was enabled."),
        "success",
    )
    return redirect(url_for("admin.users"))


def _context(form: UserForm) -> dict:
    staff = db.session.scalars(scoped(User).order_by(User.municipality_code, User.email)).all()
    return {"form": form, "staff": staff, "button_form": EmptyForm()}
