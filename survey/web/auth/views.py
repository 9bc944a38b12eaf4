"""Staff login with rate limits, session renewal and safe redirects."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey.accounts import service as accounts
from survey.core.extensions import limiter
from survey.web.auth import bp
from survey.web.auth.forms import LoginForm, PasswordForm
from survey.web.auth.sso import sso_configured
from survey.web.navigation import safe_next


def _account_key() -> str:
    return "login-account:" + accounts.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ATTEMPTS_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is not correct."))
            return render_template("auth/login.html", form=form, sso_name=_sso_name()), 401
        target = safe_next(request.args.get("next"))
        session.clear()  # a fresh session at login: nothing planted before survives
        login_user(user)
        if user.must_change_password:
            return redirect(url_for("auth.password"))
        return redirect(target or url_for("admin.home"))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form, sso_name=_sso_name()), status


def _sso_name() -> str | None:
    """What the single sign-on button names, e.g. "Microsoft Entra ID"; None without one."""
    return (
        (current_app.config.get("OIDC_NAME") or _("single sign-on")) if sso_configured() else None
    )


@bp.post("/logout")
@login_required
def logout():
    accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problems = accounts.change_password(
            user, form.current.data, form.new.data, form.repeated.data
        )
        if not problems:
            login_user(user)  # keep this session, end the others
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("admin.home"))
        form.new.errors.extend(problems)
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
