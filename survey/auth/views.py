"""Staff login with rate limits, session renewal and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey import audit
from survey.auth import bp
from survey.auth import service as accounts
from survey.auth.forms import LoginForm, PasswordForm
from survey.extensions import db, limiter


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
            email = accounts.normalise_email(form.email.data)[:254]
            # Attributed to the account's municipality, so its admins see attacks on it.
            audit.record(
                "login.failed", actor=email, municipality_code=accounts.municipality_of(email)
            )
            db.session.commit()
            form.password.errors.append(_("The e-mail address or the password is not correct."))
            return render_template("auth/login.html", form=form), 401
        target = safe_next(request.args.get("next"))
        session.clear()  # a fresh session at login: nothing planted before survives
        login_user(user)
        audit.record("login", user, user_id=user.id, actor=user.email)
        db.session.commit()
        if user.must_change_password:
            return redirect(url_for("auth.password"))
        return redirect(target or url_for("admin.home"))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    # The session lives in a signed cookie: a copy taken before logging out would still be
    # valid, so logging out ends every session of this user, as a password change does.
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        problems = accounts.change_password(
            current_user, form.current.data, form.new.data, form.repeated.data
        )
        if not problems:
            audit.record("user.password_changed", current_user._get_current_object())
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session, end the others
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("admin.home"))
        form.new.errors.extend(problems)
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never a scheme, host or protocol-relative address."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target
