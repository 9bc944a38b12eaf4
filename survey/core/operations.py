"""Running in production: proxy headers, health check, structured logs without personal data."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, jsonify, request
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.core.extensions import db

# Paths whose second segment is a secret (invitation tokens, open-link codes).
SECRET_PATHS = ("/s/", "/o/", "/k/")


# Made once: json.dumps with any option builds a new encoder per call (a third of a line).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in ("route", "method", "status", "ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            # The exception's type and first line only: SQLAlchemy puts the statement and
            # its parameters (a citizen's answers) on the lines after.
            error = record.exc_info[1]
            entry["error"] = (
                f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
        return _ENCODER.encode(entry)


class JsonLineHandler(logging.StreamHandler):
    """Each record as one JSON line (JsonFormatter); a request's line also without a record.

    The request log writes a line on every request. Making a LogRecord (its time, thread,
    process and file name) and passing it through the logger, the handler and the
    formatter touched a dozen functions of the logging module per request, about 7 % of a
    citizen's question page in a gunicorn worker, whose caches hold little of them between
    requests. write_request writes the same line, under the same lock, when nothing else
    would see the record (log_request checks: this handler alone, no filter, no handler
    above it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    def write_request(self, logger: str, route: str, method: str, status: int, ms: float) -> None:
        """The line JsonFormatter would make of a request's record: its fields but the time
        encoded once per route, method and status (a few dozen in all), the time put in as
        JSON writes a float."""
        key = (logger, route, method, status)
        head = _request_heads.get(key)
        if head is None:
            head = _ENCODER.encode(
                {"level": "INFO", "logger": logger, "message": "request", "route": route,
                 "method": method, "status": status, "ms": 0.0}
            )[: -len("0.0}")]  # fmt: skip
            if len(_request_heads) < 1024:  # the method is the client's: kept bounded
                _request_heads[key] = head
        self.write_line(f"{head}{ms!r}}}")

    def write_line(self, line: str) -> None:
        line = line + self.terminator
        try:
            with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
                self.stream.write(line)
                self.flush()
        except Exception:  # as emit does: the logging error reported, the request goes on
            self.handleError(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))


_request_heads: dict[tuple[str, str, str, int], str] = {}


def writes_alone(logger: logging.Logger, handler: logging.Handler) -> bool:
    """Whether a record of the logger at INFO would reach this handler and no other, as
    Logger.callHandlers goes: the logger's only handler, nothing filtering, and no handler
    on the loggers it passes records up to."""
    if logger.handlers != [handler] or logger.filters or handler.filters:
        return False
    if handler.level > logging.INFO:
        return False
    parent = logger.parent if logger.propagate else None
    while parent is not None:
        if parent.handlers:
            return False
        parent = parent.parent if parent.propagate else None
    return True


def safe_route() -> str:
    """The matched route pattern, never the concrete path: tokens must not reach logs."""
    if request.url_rule is not None:
        return request.url_rule.rule
    path = request.path
    return next(
        (prefix + "<secret>" for prefix in SECRET_PATHS if path.startswith(prefix)), "<unmatched>"
    )


def init_app(app: Flask) -> None:
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        # Flask's documented way to add WSGI middleware; its stubs type wsgi_app as a method
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    json_handler = None
    if app.config.get("JSON_LOGS"):
        json_handler = JsonLineHandler()
        app.logger.handlers = [json_handler]
        app.logger.setLevel(logging.INFO)

    limits_shared = app.config.get("RATELIMIT_STORAGE_URI", "memory://") != "memory://"
    if not limits_shared and not (app.config.get("DEMO") or app.debug or app.testing):
        # Several workers or instances then count login attempts and open-link sheets
        # each on their own: the limits are as many times looser as there are processes.
        app.logger.warning(
            "REDIS_URL is not set: rate limits are counted per process, not across workers "
            "and instances"
        )

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        logger = app.logger
        if app.config.get("JSON_LOGS") and logger.isEnabledFor(logging.INFO):
            elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
            fields = {
                "route": safe_route(),
                "method": request.method,
                "status": response.status_code,
                "ms": round(elapsed, 1),
            }
            if json_handler is not None and writes_alone(logger, json_handler):
                json_handler.write_request(logger.name, **fields)
                return response
            # The record made and handled as Logger.info would, without its search of the
            # call stack for a file and line no formatter of ours shows.
            record = logger.makeRecord(
                logger.name, logging.INFO, __file__, 0, "request", (), None,
                func="log_request", extra=fields,
            )  # fmt: skip
            logger.handle(record)
        return response

    @app.get("/health")
    def health():
        """For load balancers: 200 when the database answers, 503 when it does not."""
        limits = "shared" if limits_shared else "per-process"
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy"
            db.session.rollback()
            return jsonify(status="unavailable", database="down", rate_limits=limits), 503
        return jsonify(status="ok", database="ok", rate_limits=limits)
