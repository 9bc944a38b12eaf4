"""Delivery receipts posted by the SMS gateway (signed; no session, no CSRF token)."""

from flask import Blueprint

bp = Blueprint("receipts", __name__, url_prefix="/outbox")

from survey.web.receipts import views  # noqa: E402, F401
