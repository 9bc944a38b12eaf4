"""POST /outbox/receipts/sms: GatewayAPI's status callback, verified by its JWT signature."""

from __future__ import annotations

from flask import current_app, jsonify, request

from survey.core.extensions import csrf
from survey.delivery.receipts import ReceiptError, record_receipt, verify
from survey.web.receipts import bp


@bp.post("/receipts/sms")
@csrf.exempt  # the gateway has no session; the signature is its proof
def sms_receipt():
    try:
        claims = verify(
            request.headers.get("X-Gwapi-Signature"), current_app.config["SMS_CALLBACK_SECRET"]
        )
    except ReceiptError:
        return jsonify(status="refused"), 403
    # The signed claims are the receipt; the body is read only where it repeats them.
    body = request.get_json(silent=True)
    receipt = {**(body if isinstance(body, dict) else {}), **claims}
    changed = record_receipt(receipt)
    return jsonify(status="ok", changed=changed)
