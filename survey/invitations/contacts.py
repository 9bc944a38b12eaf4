"""Citizens' contact data: checked on upload, sealed at rest, erased when no longer needed.

A mobile number or e-mail address is encrypted (Fernet: AES-128-CBC with an HMAC) with a key
derived from CONTACT_KEY, together with the invitation's token, so that the worker can send
the link and nobody can read either from the database. Nothing here logs a value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

MOBILE = re.compile(r"^(?:\+45|0045)?([2-9]\d{7})$")  # Danish numbers: 8 digits, not 0 or 1 first
EMAIL = re.compile(
    r"^[^@\s;,<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_EMAIL = 254


class SealError(ValueError):
    """Sealed data that cannot be opened (a changed CONTACT_KEY, or tampering)."""


@dataclass(frozen=True)
class Contact:
    token: str
    mobile: str | None  # 45 followed by 8 digits, as the SMS gateway wants it
    email: str | None


def normalise_mobile(raw: str) -> str | None:
    """ "+45 12 34 56 78" -> "4512345678"; None when it is not a Danish mobile number."""
    match = MOBILE.match(re.sub(r"[\s-]", "", raw))
    return "45" + match.group(1) if match else None


def normalise_email(raw: str) -> str | None:
    address = raw.strip()
    if len(address) > MAX_EMAIL or not EMAIL.match(address):
        return None
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _fernet() -> Fernet:
    # Any string is a usable CONTACT_KEY: it is stretched to the 32 bytes Fernet needs.
    key = hashlib.sha256(("contact:" + current_app.config["CONTACT_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(contact: Contact) -> str:
    payload = json.dumps({"t": contact.token, "m": contact.mobile, "e": contact.email})
    return _fernet().encrypt(payload.encode()).decode()


def unseal(sealed: str) -> Contact:
    try:
        data = json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        raise SealError(
            "sealed contact data could not be opened (was CONTACT_KEY changed?)"
        ) from None
    return Contact(token=data["t"], mobile=data["m"], email=data["e"])


def seal_bytes(data: bytes) -> str:
    """Encrypt a kept upload (it may hold contact data) under CONTACT_KEY."""
    return _fernet().encrypt(data).decode()


def unseal_bytes(sealed: str) -> bytes:
    try:
        return _fernet().decrypt(sealed.encode())
    except InvalidToken:
        raise SealError("a kept upload could not be opened (was CONTACT_KEY changed?)") from None
