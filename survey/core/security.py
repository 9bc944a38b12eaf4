"""Security headers on every response; no control characters in any parameter."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# C0 control characters other than tab, line feed and carriage return, and the two
# non-characters XML forbids. PostgreSQL refuses NUL in text (a 500), and openpyxl and
# python-docx refuse the others: one stored title or comment broke every spreadsheet and
# Word download of its round. No form or link of ours sends them.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def has_control_characters(text: str | None) -> bool:
    # None: Werkzeug names a multipart part whose name it cannot read None.
    return text is not None and CONTROL_CHARACTERS.search(text) is not None


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_control_characters():
        # A GET's body is never read as a form by our views: its query string is enough,
        # and without one (most GETs) there is nothing to look at.
        if request.method in ("GET", "HEAD"):
            if not request.environ.get("QUERY_STRING"):
                return
            sources: tuple[Any, ...] = (request.args,)
        else:
            sources = (request.args, request.form)
        for source in sources:
            for name, values in source.lists():
                if has_control_characters(name) or any(map(has_control_characters, values)):
                    abort(400)

    always = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        # Invitation links carry a token in the path: never send it on as a referrer.
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        always.append(("Strict-Transport-Security", "max-age=31536000"))

    ours = [(name, value, name.lower()) for name, value in always]

    @app.after_request
    def set_security_headers(response):
        # Each header unless the view set its own (a report's CSP, a preview frame's
        # framing); one pass over the response's headers, and the missing ones added at
        # once (this ran on every page, about 4 % of a citizen's question page).
        headers = response.headers
        present = {name.lower(): value for name, value in headers}
        missing = [(name, value) for name, value, lower in ours if lower not in present]
        # Only a published results page names sites that may frame it (frame-ancestors);
        # X-Frame-Options cannot list sites, so such a page goes without it. A policy not
        # set by the view is ours, which frames nothing.
        policy = (
            headers.get("Content-Security-Policy", "")
            if "content-security-policy" in present
            else ""
        )
        framed = "frame-ancestors" in policy and "frame-ancestors 'none'" not in policy
        if "x-frame-options" not in present and not framed:
            missing.append(("X-Frame-Options", "DENY"))
        mimetype = present.get("content-type", "").partition(";")[0].strip()
        if mimetype == "text/html" and "cache-control" not in present:
            # Pages hold a citizen's answers: no shared cache may keep them.
            missing.append(("Cache-Control", "no-store"))
        headers.extend(missing)
        return response
