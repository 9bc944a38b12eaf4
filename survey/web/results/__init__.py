"""Analyst pages: compare rounds and groups, targets; calls analysis/ for every figure."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

from survey.web.results import comment_views, publish_views, views  # noqa: E402, F401
