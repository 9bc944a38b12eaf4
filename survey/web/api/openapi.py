"""The OpenAPI 3.1 description of the read-only API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from survey.models.background import BACKGROUND_VARIABLES

_PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
]
_ERRORS = {
    "400": {"description": "The question cannot be answered as asked (see `error`)."},
    "401": {"description": "No valid token: send `Authorization: Bearer TOKEN`."},
    "429": {"description": "Too many requests for this token; wait and try again."},
}
_SIDE = {
    "type": ["object", "null"],
    "description": "A figure; `suppressed` is true, and n, share, ci and mean null, when "
    "fewer than 5 answered (or to protect another group: its n would give the smaller "
    "group's by subtraction).",
    "properties": {
        "n": {"type": ["integer", "null"]},
        "positive": {"type": ["integer", "null"]},
        "share": {"type": ["number", "null"]},
        "ci": {"type": ["array", "null"], "items": {"type": "number"}},
        "mean": {"type": ["number", "null"]},
        "suppressed": {"type": "boolean"},
    },
}


def _paged(item: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def openapi_document() -> dict:
    ok = "application/json"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Borgerblik read-only API",
            "version": "1",
            "description": "Results of a municipality's closed rounds for BI tools. A token "
            "reads its own municipality only; no figure from fewer than 5 answers is given.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Side": _SIDE},
        },
        "paths": {
            "/rounds": {
                "get": {
                    "summary": "The municipality's closed rounds, newest first",
                    "parameters": _PAGE,
                    "responses": {
                        "200": {
                            "description": "One page of rounds",
                            "content": {ok: {"schema": _paged({"type": "object"})}},
                        },
                        **_ERRORS,
                    },
                }
            },
            "/rounds/{id}/comparison": {
                "get": {
                    "summary": "A round compared with an earlier one, optionally split: the "
                    "same JSON as `flask results compare ROUND --against ID --by VAR --json`",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        {"name": "against", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "by",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(BACKGROUND_VARIABLES)},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The comparison (items, themes, groups, benchmark)",
                            "content": {ok: {"schema": {"type": "object"}}},
                        },
                        "404": {"description": "No such round for this token's municipality."},
                        **_ERRORS,
                    },
                }
            },
            "/trends": {
                "get": {
                    "summary": "Each indicator year by year (rounds pooled, else history)",
                    "parameters": _PAGE,
                    "responses": {
                        "200": {
                            "description": "One page of indicators with their years",
                            "content": {
                                ok: {
                                    "schema": _paged(
                                        {
                                            "type": "object",
                                            "properties": {
                                                "indicator": {"type": "string"},
                                                "years": {
                                                    "type": "array",
                                                    "items": {"$ref": "#/components/schemas/Side"},
                                                },
                                            },
                                        }
                                    )
                                }
                            },
                        },
                        **_ERRORS,
                    },
                }
            },
        },
    }
