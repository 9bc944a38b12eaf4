"""Analyst pages: compare rounds and groups, targets; calls analysis/ for every figure."""

from flask import Blueprint

from survey.reporting.format import (
    benchmark_text,
    number_mean_text,
    theme_group_text,
    theme_mean_text,
    theme_previous_text,
)

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")


@bp.context_processor
def theme_texts() -> dict:
    """The theme mean and the published figure beside it, worded as in the report."""
    return {
        "theme_mean_text": theme_mean_text,
        "benchmark_text": benchmark_text,
        "theme_previous_text": theme_previous_text,
        "theme_group_text": theme_group_text,
        "number_mean_text": number_mean_text,
    }


from survey.web.results import comment_views, publish_views, views  # noqa: E402, F401
