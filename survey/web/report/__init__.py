"""Downloads of the June report and of respondent-level answers (all audited)."""

from flask import Blueprint

bp = Blueprint("report", __name__, url_prefix="/results")

from survey.web.report import views  # noqa: E402, F401
