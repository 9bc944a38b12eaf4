"""What a citizen's browser carries: which round, and the secret that finds their sheet.

Kept in the signed session cookie, so any app server can serve any request. The raw
invitation token is never stored here, only its keyed hash.

Beside the state of the sheet being answered, the cookie carries this browser's device
secret (made when a link is opened; the sheet it starts stores only a keyed hash of it,
so only this browser sees earlier answers) and the rounds this browser has answered
through the personal open link (one sheet per browser unless someone else asks to answer).
A kiosk state (the open link on a shared tablet) lives only as long as the browser is
open and is dropped after a few idle minutes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from flask import session

SESSION_KEY = "citizen"
DEVICE_KEY = "device"
ANSWERED_KEY = "answered"
ANSWERED_KEPT = 20  # the rounds remembered per browser, newest last
# A shared tablet clears itself after this long without use: the page's own timer (a static
# script, or a refresh without JavaScript) goes back to the start after KIOSK_IDLE_SECONDS;
# the server forgets a kiosk state not used for KIOSK_MAX_IDLE_SECONDS, however it was left.
KIOSK_IDLE_SECONDS = 5 * 60
KIOSK_MAX_IDLE_SECONDS = 10 * 60


@dataclass
class CitizenState:
    round_id: int
    channel: str  # "invitation" or "open"
    secret: str  # invitation hash, or a random secret for the open link
    done: bool = False
    kiosk: bool = False  # the open link's kiosk variant: never resumes, clears itself
    seen: int | None = None  # kiosk only: when the tablet was last used (epoch seconds)

    @classmethod
    def for_invitation(cls, round_id: int, token_hash: str) -> CitizenState:
        return cls(round_id=round_id, channel="invitation", secret=token_hash)

    @classmethod
    def for_open_link(cls, round_id: int) -> CitizenState:
        return cls(round_id=round_id, channel="open", secret=secrets.token_hex(32))

    @classmethod
    def for_kiosk(cls, round_id: int) -> CitizenState:
        return cls(round_id=round_id, channel="open", secret=secrets.token_hex(32), kiosk=True)

    def idle_too_long(self, now: float | None = None) -> bool:
        """A kiosk state left unused so long that the next person must not meet it."""
        if not self.kiosk:
            return False
        moment = time.time() if now is None else now
        return self.seen is None or moment - self.seen > KIOSK_MAX_IDLE_SECONDS


def load_state() -> CitizenState | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return CitizenState(**data)
    except TypeError:
        return None


def save_state(state: CitizenState) -> None:
    # A kiosk's cookie ends with the browser session; a personal one lasts for weeks.
    session.permanent = not state.kiosk
    if state.kiosk:
        state.seen = int(time.time())
    session[SESSION_KEY] = asdict(state)


def clear_state() -> None:
    session.pop(SESSION_KEY, None)


def clear_everything() -> None:
    """A shared tablet between two people: nothing of the last one stays, not even the
    language they chose or the secret of the browser."""
    session.clear()


def device_secret() -> str | None:
    value = session.get(DEVICE_KEY)
    return value if isinstance(value, str) and len(value) == 64 else None


def ensure_device() -> str:
    """This browser's device secret, made the first time a link is opened in it.

    Made at the link, not at "Start": a double click on Start must find one secret, or the
    browser that started the sheet would not be recognised by its own second request.
    """
    device = device_secret()
    if device is None:
        device = secrets.token_hex(32)
        session[DEVICE_KEY] = device
    return device


def answered_here(round_id: int) -> bool:
    """Whether this browser has sent a sheet of the round through the personal open link."""
    rounds = session.get(ANSWERED_KEY)
    return isinstance(rounds, list) and round_id in rounds


def remember_answered(round_id: int) -> None:
    rounds = session.get(ANSWERED_KEY)
    kept = (
        [r for r in rounds if isinstance(r, int) and r != round_id]
        if isinstance(rounds, list)
        else []
    )
    session[ANSWERED_KEY] = [*kept, round_id][-ANSWERED_KEPT:]
