"""Downloads of the June report and of respondent-level answers (all audited)."""

from flask import Blueprint, abort, request

bp = Blueprint("report", __name__, url_prefix="/results")


@bp.before_request
def refuse_cross_site_downloads():
    """A download writes an audit event: a link on another site must not make a signed-in
    analyst's browser write one (the session cookie is SameSite=Lax, which a top-level
    link still carries). Browsers say where a request came from in Sec-Fetch-Site."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)


from survey.web.report import views  # noqa: E402, F401
