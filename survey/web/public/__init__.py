"""Published results: a public page per municipality and round, no login, with CSV and JSON.

The page may be framed only by the sites its municipality named (CSP frame-ancestors);
without any, by none (and X-Frame-Options: DENY for old browsers).
"""

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/offentlig", template_folder="templates")

from survey.web.public import views  # noqa: E402, F401
