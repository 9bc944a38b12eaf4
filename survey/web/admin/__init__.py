"""Staff pages: rounds, the local question bank, invitations, users and the audit trail."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
def require_login_and_fresh_password():
    if not current_user.is_authenticated:
        from survey.core.extensions import login_manager

        return login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint != "admin.home":
        return redirect(url_for("auth.password"))
    return None


from survey.web.admin import (  # noqa: E402, F401
    api_token_views,
    audit_views,
    background_views,
    delivery_views,
    invitation_views,
    link_download_views,
    municipality_views,
    question_views,
    questionnaire_translation_views,
    round_views,
    translation_views,
    user_views,
)
