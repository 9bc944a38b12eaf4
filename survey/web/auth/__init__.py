"""Staff login, logout and password change."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from survey.web.auth import reset_views, sso_views, views  # noqa: E402, F401
