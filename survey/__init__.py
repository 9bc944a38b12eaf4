"""Borgerblik: citizen-experience surveys for Danish job centres."""

from __future__ import annotations

import os

from flask import Flask, request
from flask_babel import lazy_gettext

from survey.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application; wsgi.py and the tests are the only callers."""
    app = Flask(__name__, instance_relative_config=True)
    from survey.tenancy import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids beyond the database 404
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    from survey import database, i18n, operations, security, templating
    from survey.auth.service import load_user
    from survey.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))

    @app.before_request  # registered before CSRFProtect, which reads the form first
    def allow_large_send_lists():
        # A send list may exceed MAX_CONTENT_LENGTH; the view then says how large it is.
        if request.endpoint == "admin.round_invitations":
            from survey.admin.invitation_views import UPLOAD_LIMIT

            request.max_content_length = UPLOAD_LIMIT

    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    operations.init_app(app)

    from survey import errors
    from survey.accessibility import bp as accessibility_bp
    from survey.admin import bp as admin_bp
    from survey.auth import bp as auth_bp
    from survey.respond import bp as respond_bp
    from survey.results import bp as results_bp

    app.register_blueprint(respond_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(accessibility_bp)
    errors.init_app(app)

    from survey.cli import register_commands

    register_commands(app)
    return app
