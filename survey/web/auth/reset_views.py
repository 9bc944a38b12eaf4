"""Forgotten passwords: ask for a link by e-mail, then choose a new password through it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.accounts import service as accounts
from survey.accounts.password_reset import request_reset, reset_password, usable_reset
from survey.core.extensions import limiter
from survey.invitations.issuing import public_base_url
from survey.web.auth import bp
from survey.web.auth.forms import ForgotForm, ResetForm
from survey.web.auth.reset_mail import send_after_response

NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _account_key() -> str:
    return "reset-account:" + accounts.normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_REQUESTS_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RESET_REQUESTS_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    scope="reset-account",
)
def forgot_password():
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), 400 if form.errors else 200
    link = request_reset(form.email.data)
    # The same page whether or not the address has an account.
    response = current_app.make_response(render_template("auth/forgot_sent.html"))
    if link is not None:
        address = public_base_url() + url_for("auth.reset_with_link", token=link.token)
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        send_after_response(response, link.user.email, address, minutes)
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_with_link(token: str):
    if usable_reset(token) is None:
        return render_template("auth/reset_invalid.html"), 410, NO_REFERRER
    form = ResetForm()
    if form.validate_on_submit():
        user, problems = reset_password(token, form.new.data, form.repeated.data)
        if user is not None:
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
        form.new.errors.extend(problems)
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200, NO_REFERRER
