"""Delivery receipts from the SMS gateway.

GatewayAPI posts a receipt to our callback URL for each message, signed: the header
X-Gwapi-Signature holds a JWT (HS256) made with the secret shared in its dashboard
(SMS_CALLBACK_SECRET here). A receipt without a valid signature changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from sqlalchemy import select

from survey.core.extensions import db
from survey.models import OutboxMessage
from survey.models.base import utcnow

DELIVERED = frozenset({"DELIVERED"})
FAILED = frozenset({"UNDELIVERABLE", "REJECTED", "EXPIRED", "SKIPPED", "DELETED"})


class ReceiptError(ValueError):
    """A receipt that is not signed with our secret, or cannot be read."""


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(signature: str | None, secret: str) -> dict:
    """The JWT's claims if HS256-signed with `secret`; raises ReceiptError otherwise."""
    if not secret or not signature or signature.count(".") != 2:
        raise ReceiptError("missing or malformed signature")
    header, claims, mac = signature.split(".")
    try:
        if json.loads(_b64decode(header)).get("alg") != "HS256":
            raise ReceiptError("unexpected signature algorithm")
        expected = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.digest(), _b64decode(mac)):
            raise ReceiptError("wrong signature")
        payload = json.loads(_b64decode(claims))
    except (ValueError, TypeError, AttributeError):
        raise ReceiptError("unreadable signature") from None
    if not isinstance(payload, dict):
        raise ReceiptError("unreadable signature")
    return payload


def record_receipt(receipt: dict) -> bool:
    """Mark the message the receipt names delivered or failed; True when it changed one.

    The message is found by the gateway's id, or else by our own reference (userref).
    """
    status = str(receipt.get("status", "")).upper()
    if status not in DELIVERED | FAILED:
        return False  # ENROUTE, BUFFERED, ...: not an outcome yet
    message = None
    if receipt.get("id") is not None:
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.gateway_ref == str(receipt["id"]))
        )
    if message is None and str(receipt.get("userref", "")).isdigit():
        message = db.session.get(OutboxMessage, int(receipt["userref"]))
    if message is None or message.channel != "sms" or message.state not in ("sent", "sending"):
        return False
    message.state = "delivered" if status in DELIVERED else "failed"
    message.finished_at = utcnow()
    if message.state == "failed":
        message.error = f"gateway: {status.lower()}"
    return True
