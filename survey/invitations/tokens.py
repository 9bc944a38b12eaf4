"""Invitation tokens: long random strings handed out once; only keyed hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app

from survey.core.bounded_cache import BoundedCache

TOKEN_BYTES = 20  # 160 bits: unguessable, and still short enough for an SMS link
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


# The HMAC keyed with TOKEN_KEY, copied per message: keying it (hashing the key's two pads)
# was half of each hash, and a citizen's page takes two (its resume and device hashes).
_keyed: dict[str, hmac.HMAC] = {}


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 under TOKEN_KEY, separated by purpose so hashes cannot be swapped."""
    key = current_app.config["TOKEN_KEY"]
    keyed = _keyed.get(key)
    if keyed is None:
        keyed = hmac.new(key.encode(), digestmod=hashlib.sha256)
        _keyed.clear()  # only the current key is kept
        _keyed[key] = keyed
    mac = keyed.copy()  # the kept one is never updated, so threads may share it
    mac.update(purpose.encode() + b"\x00" + value.encode())
    return mac.hexdigest()


def invitation_hash(token: str) -> str:
    return keyed_hash("invitation", token)


# A citizen's resume and device hashes are made on every page from the same two secrets:
# remembered per process for the citizens answering at once (each page made two HMACs,
# 2 % of a question page in a gunicorn worker). The secrets are those the remembered
# session cookies hold already (survey.core.signing); keyed by TOKEN_KEY too.
_page_hashes: BoundedCache[tuple[str, str, str], str] = BoundedCache(2048)


def _remembered_hash(purpose: str, value: str) -> str:
    key = (current_app.config["TOKEN_KEY"], purpose, value)
    known = _page_hashes.recall(key)
    if known is None:
        known = keyed_hash(purpose, value)
        _page_hashes.keep(key, known)
    return known


def resume_hash(secret: str) -> str:
    """Links an unfinished response to the link that started it; erased on completion."""
    return _remembered_hash("resume", secret)


def looks_like_token(value: str) -> bool:
    return bool(TOKEN_PATTERN.match(value))


def device_hash(device: str, response_id: str) -> str:
    """Ties an unfinished sheet to the browser that started it; erased on completion.

    Keyed with the sheet's id, so one browser's sheets do not share a hash.
    """
    return _remembered_hash("device", f"{device}:{response_id}")


def same_hash(stored: str | None, computed: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, computed)


def address_key(address: str) -> str:
    """A client address as the rate limiter counts it: keyed, never the address itself."""
    return keyed_hash("address", address)[:32]
