"""The web interface: blueprints that speak HTTP (views, forms and templates only) and the
helpers they share (templating, error pages, safe redirects)."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from survey.web import errors, templating
    from survey.web.accessibility import bp as accessibility_bp
    from survey.web.admin import bp as admin_bp
    from survey.web.api import bp as api_bp
    from survey.web.auth import bp as auth_bp
    from survey.web.public import bp as public_bp
    from survey.web.receipts import bp as receipts_bp
    from survey.web.report import bp as report_bp
    from survey.web.respond import bp as respond_bp
    from survey.web.results import bp as results_bp

    templating.init_app(app)
    blueprints = (
        respond_bp,
        auth_bp,
        admin_bp,
        results_bp,
        report_bp,
        accessibility_bp,
        receipts_bp,
        api_bp,
        public_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    errors.init_app(app)
