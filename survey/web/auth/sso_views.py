"""Log in through the municipality's identity provider; only existing staff get in."""

from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from flask import abort, current_app, render_template, session, url_for
from flask import redirect as redirect_to
from flask_login import login_user
from joserfc.errors import JoseError

from survey.accounts import service as accounts
from survey.core.transaction import keep_when_refused
from survey.invitations.issuing import public_base_url
from survey.web.auth import bp
from survey.web.auth.sso import sso_client


@bp.get("/login/sso")
def sso_start():
    client = sso_client() or abort(404)
    return client.authorize_redirect(public_base_url() + url_for("auth.sso_callback"))


@bp.get("/login/sso/callback")
def sso_callback():
    client = sso_client() or abort(404)
    try:
        token = client.authorize_access_token()  # state, PKCE, ID token and nonce checked
    except (AuthlibBaseError, JoseError, ValueError):  # any failed check: nobody logs in
        return _refused()
    claims = dict(token.get("userinfo") or {})
    email_claim = current_app.config.get("OIDC_EMAIL_CLAIM", "email")
    if email_claim not in claims:
        claims.update(client.userinfo(token=token))
    user = accounts.single_sign_on_user(claims, email_claim)
    if user is None:
        return _refused()
    session.clear()  # a fresh session at login: nothing planted before survives
    login_user(user)
    return redirect_to(url_for("auth.password" if user.must_change_password else "admin.home"))


def _refused():
    keep_when_refused()  # the audit event of the refusal stays
    return render_template("auth/sso_refused.html"), 403
