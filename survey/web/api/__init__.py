"""The read-only API for BI tools (Power BI, Excel "From Web"): token-authenticated JSON.

No session, no cookies and no forms, so no CSRF token: every request carries
`Authorization: Bearer TOKEN`, and nothing here changes anything a user made.
"""

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from survey.api_tokens.service import authenticate
from survey.core.extensions import csrf
from survey.core.transaction import roll_back

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OPEN = {"api.openapi"}  # the description itself needs no token


@bp.before_request
def require_token():
    if request.endpoint in OPEN:
        return None
    g.api_token = authenticate(request.headers.get("Authorization"))
    if g.api_token is None:
        response = jsonify(error="a valid token is required: Authorization: Bearer TOKEN")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="borgerblik"'
        return response
    return None


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException):
    roll_back()
    response = jsonify(error=error.description or error.name)
    response.status_code = error.code or 500
    return response


@bp.after_request
def no_caching(response):
    # Results are per municipality: no shared cache may keep one municipality's answer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization"
    return response


from survey.web.api import views  # noqa: E402, F401
