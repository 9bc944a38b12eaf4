"""What a citizen's browser carries: which round, and the secret that finds their sheet.

Kept in the signed session cookie, so any app server can serve any request. The raw
invitation token is never stored here, only its keyed hash.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from flask import session

SESSION_KEY = "citizen"


@dataclass
class CitizenState:
    round_id: int
    channel: str  # "invitation" or "open"
    secret: str  # invitation hash, or a random secret for the open link
    done: bool = False

    @classmethod
    def for_invitation(cls, round_id: int, token_hash: str) -> CitizenState:
        return cls(round_id=round_id, channel="invitation", secret=token_hash)

    @classmethod
    def for_open_link(cls, round_id: int) -> CitizenState:
        return cls(round_id=round_id, channel="open", secret=secrets.token_hex(32))


def load_state() -> CitizenState | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return CitizenState(**data)
    except TypeError:
        return None


def save_state(state: CitizenState) -> None:
    session.permanent = True
    session[SESSION_KEY] = asdict(state)


def clear_state() -> None:
    session.pop(SESSION_KEY, None)
