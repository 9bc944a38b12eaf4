"""Borgerblik: citizen-experience surveys for Danish job centres.

The layers, outermost first (import-linter enforces them, see pyproject.toml):
  survey.web.*, survey.cli   interfaces: blueprints and commands, speaking HTTP or a shell
  survey.<domain>            rounds, invitations, responding, comparison, reporting, ...
  survey.core, survey.models plumbing and the ORM
  analysis, questionnaires   pure Python: statistics and questionnaire files
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import FunctionType
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext

from survey.core.config import load_config

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


class Borgerblik(Flask):
    """Flask, with the one commit point at the end of every view (survey.core.transaction)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[FunctionType, Callable[..., Any]] = {}  # see ensure_sync

    def dispatch_request(self):  # type: ignore[no-untyped-def]
        from survey.core.transaction import run_view

        return run_view(lambda: self.make_response(super(Borgerblik, self).dispatch_request()))

    def ensure_sync(self, func):  # type: ignore[no-untyped-def]
        """Flask's answer for each plain function, kept: Flask asked inspect whether every
        hook and view is a coroutine function on every call, 18 times a citizen's page
        (1.4 % of its instructions). A function's kind never changes; a bound method (a
        new object each time) is asked as before."""
        known = self._sync_functions.get(func)
        if known is None:
            known = super().ensure_sync(func)
            if isinstance(func, FunctionType):
                self._sync_functions[func] = known
        return known


def create_app(config: dict | None = None) -> Flask:
    """Build the application; wsgi.py and the tests are the only callers."""
    app = Borgerblik(__name__, instance_relative_config=True)
    from survey.core.tenancy import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids beyond the database 404
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    from survey.accounts.service import load_user
    from survey.core import (
        csrf_tokens,
        database,
        i18n,
        operations,
        security,
        sessions,
        transaction,
    )
    from survey.core.extensions import babel, csrf, db, limiter, login_manager, migrate
    from survey.invitations.sendlist import UPLOAD_LIMIT

    sessions.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)

    @app.before_request  # registered before CSRFProtect, which reads the form first
    def allow_large_send_lists():
        # A send list may exceed MAX_CONTENT_LENGTH; the view then says how large it is.
        if request.endpoint in ("admin.round_invitations", "admin.round_send"):
            request.max_content_length = UPLOAD_LIMIT

    csrf.init_app(app)
    csrf_tokens.protect_only_unsafe_methods(app)
    # Templates' csrf_token(): the same tokens as Flask-WTF's, signed without rebuilding
    # the serializer on every request (survey.core.csrf_tokens).
    app.jinja_env.globals["csrf_token"] = csrf_tokens.csrf_token
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    database.init_app(app)
    transaction.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    operations.init_app(app)

    from survey.web import register_web

    register_web(app)
    from survey.core.limits import hooks_only_where_limited, login_hook_only_for_staff

    hooks_only_where_limited(app, limiter)
    login_hook_only_for_staff(app, login_manager)

    from survey.cli import register_commands

    register_commands(app)
    return app
