"""GET /offentlig/<municipality>/<round>, and .csv and .json of the same tables."""

from __future__ import annotations

from flask import Response, abort, jsonify, render_template

from survey.core.security import CONTENT_SECURITY_POLICY
from survey.publishing.page import public_page
from survey.publishing.service import frame_ancestors, published, published_comparison
from survey.publishing.tables import table_csv, table_records
from survey.reporting.filenames import published_filename
from survey.web.public import bp


def _publication(code: int, round_id: int):
    publication = published(code, round_id)
    if publication is None:
        abort(404)
    return publication


def _embeddable(response: Response, code: int) -> Response:
    """Framed only by the municipality's own sites; the rest of the policy as everywhere."""
    ancestors = frame_ancestors(code)
    policy = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    response.headers["Content-Security-Policy"] = policy
    # X-Frame-Options knows no list of sites: core.security adds DENY only where the
    # policy's frame-ancestors is 'none'.
    return response


@bp.get("/<int:code>/<int:round_id>")
def page(code: int, round_id: int):
    shown = public_page(_publication(code, round_id))
    response = Response(render_template("public/page.html", **shown.context()))
    return _embeddable(response, code)


@bp.get("/<int:code>/<int:round_id>.csv")
def tables_csv(code: int, round_id: int):
    publication = _publication(code, round_id)
    body = table_csv(published_comparison(publication))
    name = published_filename(publication.round, "csv")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype="text/csv", headers=headers)


@bp.get("/<int:code>/<int:round_id>.json")
def tables_json(code: int, round_id: int):
    return jsonify(table_records(published_comparison(_publication(code, round_id))))
