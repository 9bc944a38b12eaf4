"""GET /api/v1/rounds, /rounds/<id>/comparison, /trends and /openapi.json."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, request

from survey.api_tokens import reads
from survey.core.extensions import limiter
from survey.web.api import bp
from survey.web.api.openapi import openapi_document


def _rate() -> str:
    return current_app.config.get("API_RATE_LIMIT", "120 per minute;2000 per hour")


def _token_key() -> str:
    # Counted per token (its id), so one BI tool cannot use up another's allowance.
    token = g.get("api_token")
    return f"api-token:{token.id}" if token is not None else f"api-anon:{request.remote_addr}"


@bp.get("/rounds")
@limiter.limit(_rate, key_func=_token_key)
def rounds():
    try:
        page = reads.list_rounds(g.api_token, *_paging())
    except reads.BadRequest as error:
        abort(400, str(error))
    return jsonify(page.to_dict())


@bp.get("/rounds/<int:round_id>/comparison")
@limiter.limit(_rate, key_func=_token_key)
def comparison(round_id: int):
    against = request.args.get("against", type=int)
    if "against" in request.args and against is None:
        abort(400, "against must be a round id")
    try:
        result = reads.comparison(g.api_token, round_id, against, request.args.get("by"))
    except reads.NotFound:
        abort(404, "no such round")
    except reads.BadRequest as error:
        abort(400, str(error))
    return jsonify(result)


@bp.get("/trends")
@limiter.limit(_rate, key_func=_token_key)
def trends():
    try:
        page = reads.trends(g.api_token, *_paging())
    except reads.BadRequest as error:
        abort(400, str(error))
    return jsonify(page.to_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _paging() -> tuple[int | None, int | None]:
    return request.args.get("page", type=int), request.args.get("per_page", type=int)
