"""API tokens for BI tools: an administrator creates (the token shown once) and revokes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.api_tokens.service import ApiTokenError, create_token, revoke_token, tokens_of
from survey.core.tenancy import get_or_404, requires
from survey.models import ApiToken
from survey.web.admin import bp
from survey.web.admin.forms import ApiTokenForm, EmptyForm


@bp.route("/api-tokens", methods=["GET", "POST"])
@requires("admin")
def api_tokens():
    form = ApiTokenForm()
    shown = None
    if form.validate_on_submit():
        try:
            _row, shown = create_token(current_user.municipality_code, form.name.data)
        except ApiTokenError as error:
            form.name.errors.append(str(error))
    return render_template(
        "admin/api_tokens.html",
        form=ApiTokenForm(formdata=None) if shown else form,
        tokens=tokens_of(current_user.municipality_code),
        new_token=shown,
        button_form=EmptyForm(),
    ), 400 if form.errors else 200


@bp.post("/api-tokens/<int:token_id>/revoke")
@requires("admin")
def api_token_revoke(token_id: int):
    row = get_or_404(ApiToken, token_id)
    if EmptyForm().validate_on_submit():
        revoke_token(row)
        flash(_("The token was revoked: it reads nothing from now on."), "success")
    return redirect(url_for("admin.api_tokens"))
