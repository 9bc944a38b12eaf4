"""The citizen's pages: invitation, landing, pages of questions, thanks."""

from flask import Blueprint

bp = Blueprint("respond", __name__, template_folder="templates")

from survey.web.respond import views  # noqa: E402, F401  (routes attach to bp)
