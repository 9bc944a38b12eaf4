"""itsdangerous' timed serializer with its signers built once: the same tokens, cheaper.

The session cookie is verified and the CSRF token signed on every citizen page. For each,
itsdangerous builds a new signer (its keys list, its algorithm), derives the signing key
from the secret again (a hash) and keys a new HMAC: together more than half of the 12 µs a
CSRF token took and of the 24 µs a session cookie took. Here a serializer keeps one signer
per salt, and a signer keeps each secret's keyed HMAC and copies it per message. Tokens,
signatures, timestamps, compression and key rotation are itsdangerous' own, unchanged.
"""

from __future__ import annotations

import hmac
from typing import Any, cast

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import (
    base64_decode,
    base64_encode,
    bytes_to_int,
    int_to_bytes,
    want_bytes,
)
from itsdangerous.signer import HMACAlgorithm

from survey.core.bounded_cache import BoundedCache


class KeyedSigner(TimestampSigner):
    """TimestampSigner with each secret's keyed HMAC made once (HMAC signing only)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is not HMACAlgorithm:
            raise TypeError("KeyedSigner signs with HMAC only")
        # Newest first, the order in which verify_signature tries them.
        self._macs = [
            hmac.new(self.derive_key(secret), digestmod=self.digest_method)
            for secret in reversed(self.secret_keys)
        ]

    def sign(self, value: str | bytes) -> bytes:
        """TimestampSigner.sign in one call: value, timestamp, signature of both."""
        value = want_bytes(value) + self.sep + base64_encode(int_to_bytes(self.get_timestamp()))
        mac = self._macs[0].copy()
        mac.update(value)
        return value + self.sep + base64_encode(mac.digest())

    def get_signature(self, value: str | bytes) -> bytes:
        mac = self._macs[0].copy()
        mac.update(want_bytes(value))
        return base64_encode(mac.digest())

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        try:
            expected = base64_decode(sig)
        except Exception:  # as itsdangerous: any undecodable signature is a wrong one
            return False
        value = want_bytes(value)
        for keyed in self._macs:
            mac = keyed.copy()
            mac.update(value)
            if hmac.compare_digest(mac.digest(), expected):
                return True
        return False


_REFUSED = object()  # _verified found something to leave to itsdangerous


class SigningSerializer(URLSafeTimedSerializer):
    """URLSafeTimedSerializer keeping one KeyedSigner per salt (a signer holds no state
    between messages, so threads share it), and loading a good token in one pass."""

    default_signer = KeyedSigner

    def __init__(self, *args: Any, opened_kept: int = 0, **kwargs: Any) -> None:
        """`opened_kept`: how many verified tokens to remember with what they held (none by
        default; see loads)."""
        super().__init__(*args, **kwargs)
        self._signers: dict[bytes, Any] = {}
        self._opened: BoundedCache[tuple[bytes, Any], tuple[int, Any]] | None = (
            BoundedCache(opened_kept) if opened_kept else None
        )

    def make_signer(self, salt: str | bytes | None = None) -> Any:
        wanted = want_bytes(cast(bytes, self.salt) if salt is None else salt)
        signer = self._signers.get(wanted)
        if signer is None:
            signer = self._signers[wanted] = super().make_signer(wanted)
        return signer

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> Any:
        """As itsdangerous loads: a token that verifies (signature compared in constant
        time, timestamp within max_age) is loaded here in one pass; anything else goes
        itsdangerous' own way, which raises its usual error. Its way (signer, unsigner,
        timestamp signer, three splits, a datetime made and dropped) was half of opening
        a citizen's session cookie on every request.

        With `opened_kept`, a token that verified is remembered with its timestamp and what
        it held, and the same token again is answered from there while its age is within
        max_age (checked anew each time), with a copy of what it held: a citizen's cookie
        stays the same from page to page, and verifying, decoding, unzipping and parsing it
        again was an eighth of a question page. Only a verified token is ever kept (a
        forged or altered one is never looked up as anything but a miss), the tokens are
        those of this serializer's keys and salt alone, and no more are kept than set."""
        if not (return_timestamp or self.fallback_signers):
            token = want_bytes(s)
            key = (token, salt)
            if self._opened is not None:
                known = self._opened.recall(key)
                if known is not None and self._within(known[0], max_age, salt):
                    return _fresh(known[1])
            verified = self._verified(token, max_age, salt)
            if verified is not _REFUSED:
                signed_at, payload = verified
                value = self.load_payload(payload)
                if self._opened is None:
                    return value
                self._opened.keep(key, (signed_at, value))
                return _fresh(value)
        return super().loads(s, max_age=max_age, return_timestamp=return_timestamp, salt=salt)

    def _within(self, signed_at: int, max_age: int | None, salt: Any) -> bool:
        """Whether a token signed then is within max_age now: not expired, not from the future."""
        if max_age is None:
            return True
        age = self.make_signer(salt).get_timestamp() - signed_at
        return 0 <= age <= max_age

    def _verified(self, token: bytes, max_age: int | None, salt: Any) -> Any:
        """(timestamp, payload) of a token that verifies, else _REFUSED."""
        signer = self.make_signer(salt)
        sep = signer.sep
        value, found, signature = token.rpartition(sep)
        if not found or not signer.verify_signature(value, signature):
            return _REFUSED
        payload, found, stamp = value.rpartition(sep)
        if not found:
            return _REFUSED
        try:
            signed_at = bytes_to_int(base64_decode(stamp))
        except Exception:  # a malformed timestamp: itsdangerous says so
            return _REFUSED
        if not self._within(signed_at, max_age, salt):
            return _REFUSED  # expired, or from the future: itsdangerous says so
        return signed_at, payload


def _fresh(value: Any) -> Any:
    """A copy of a loaded value that shares nothing mutable with it (what a session holds is
    changed in place by the request that opened it; its tags load only dicts, lists and
    tuples around immutable values)."""
    kind = type(value)
    if kind is dict:
        return {key: _fresh(item) for key, item in value.items()}
    if kind is list:
        return [_fresh(item) for item in value]
    if kind is tuple:
        return tuple(_fresh(item) for item in value)
    return value
