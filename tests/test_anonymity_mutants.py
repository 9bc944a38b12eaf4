"""Anonymity rules at their boundaries: the cases mutation testing (bench/mutation.sh) found
untested in tokens, response rates and the export's background merging.

Expected values are literals counted by hand from the rows each test makes, and keyed
hashes are recomputed here with the standard library's hmac.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

import pytest
from sqlalchemy import update

from survey.core.extensions import db
from survey.invitations.response_rate import (
    Rate,
    response_rate,
)
from survey.invitations.tokens import (
    invitation_hash,
    keyed_hash,
    looks_like_token,
    new_token,
    resume_hash,
)
from survey.models import Invitation, Response
from survey.reporting.exports import background_plan

TOKEN_KEY = b"test-token-key"  # tests/conftest.py
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)


def hmac_hex(message: bytes) -> str:
    return hmac.new(TOKEN_KEY, message, hashlib.sha256).hexdigest()


def add_responses(app, round_id: int, count: int, **fields) -> None:
    fields.setdefault("channel", "invitation")
    fields.setdefault("completed", True)
    with app.app_context():
        for _ in range(count):
            db.session.add(Response(round_id=round_id, **fields))
        db.session.commit()


def complete_invitations(app, round_id: int, numbers: list[int]) -> None:
    with app.app_context():
        db.session.execute(
            update(Invitation)
            .where(Invitation.round_id == round_id, Invitation.number.in_(numbers))
            .values(state="completed")
        )
        db.session.commit()


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_is_160_random_bits_in_27_url_safe_characters():
    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{27}", token)  # 20 bytes in base64url, no padding
        assert looks_like_token(token)


def test_keyed_hashes_are_hmac_sha256_of_purpose_nul_value(app_ctx):
    token = "AbC_123-xyzAbC_123-xyz"
    assert invitation_hash(token) == hmac_hex(b"invitation\x00" + token.encode())
    assert resume_hash(token) == hmac_hex(b"resume\x00" + token.encode())
    assert keyed_hash("purpose", "æøå") == hmac_hex("purpose\x00æøå".encode())
    # Purpose and value stay apart: "a" + "bc" is not "ab" + "c".
    assert keyed_hash("a", "bc") != keyed_hash("ab", "c")


# --- response rates ---------------------------------------------------------------------------


@pytest.fixture
def two_rounds(app, make_round, invite):
    """Round one: 18 invitations, 6 completed, by benefit group:
    kontanthjaelp 6 (3 completed), dagpenge 5 (1), sygedagpenge 2 (1),
    uddannelseshjaelp 3 (0), none 2 (1); age band 18-29 on 4 of them only.
    Sheets: invitation 2 on Monday, 1 on Tuesday; open link 1 on Tuesday; 3 unfinished,
    2 of them from the open link.
    Round two, whose figures must never leak into round one's: 7 invitations, 2 completed."""
    first = make_round(local=False)
    second = make_round(local=False, title="Efterår 2026")
    invite(first, 6, benefit_group="kontanthjaelp")  # 1-6
    invite(first, 5, benefit_group="dagpenge")  # 7-11
    invite(first, 2, benefit_group="sygedagpenge", age_band="18-29")  # 12-13
    invite(first, 2, benefit_group="uddannelseshjaelp", age_band="18-29")  # 14-15
    invite(first, 1, benefit_group="uddannelseshjaelp")  # 16
    invite(first, 2)  # 17-18
    complete_invitations(app, first, [1, 2, 3, 7, 12, 17])
    invite(second, 7, benefit_group="dagpenge")
    complete_invitations(app, second, [1, 2])
    add_responses(app, first, 2, completed_on=MONDAY)
    add_responses(app, first, 1, completed_on=TUESDAY)
    add_responses(app, first, 1, channel="open", completed_on=TUESDAY)
    add_responses(app, first, 2, channel="open", completed=False)
    add_responses(app, first, 1, completed=False)
    add_responses(app, second, 2, completed_on=MONDAY)
    add_responses(app, second, 3, channel="open", completed_on=TUESDAY)
    add_responses(app, second, 1, completed=False)
    return first, second


def test_response_rate_counts_one_round_and_pools_groups_under_five(app, two_rounds):
    first, _second = two_rounds
    with app.app_context():
        rate = response_rate(first)
    assert rate.overall == Rate("all", 18, 6)
    assert rate.groups == {
        # dagpenge has exactly 5 and is shown; 2 + 3 small ones pool to exactly 5.
        "benefit_group": [
            Rate("dagpenge", 5, 1),
            Rate("kontanthjaelp", 6, 3),
            Rate("__other__", 5, 1),
        ],
        # One value with 4: its pool is under 5, so nothing is shown.
        "age_band": [],
    }
    # Days with fewer than 5 completions are pooled (None): one completion tells a time.
    assert rate.per_day == [(None, 4)]
    assert rate.open_link_completed == 1
    assert rate.started_unfinished == 3


def test_response_rate_of_a_round_without_invitations_is_zero_of_zero(app, make_round):
    round_id = make_round(local=False)
    with app.app_context():
        rate = response_rate(round_id)
    assert rate.overall == Rate("all", 0, 0)
    assert rate.overall.share is None
    assert (rate.groups, rate.per_day, rate.open_link_completed, rate.started_unfinished) == (
        {},
        [],
        0,
        0,
    )


def test_background_plan_keeps_groups_of_five_and_merges_small_ones_into_five(app, make_round):
    first = make_round(local=False, state="closed")
    second = make_round(local=False, state="closed", title="Efterår 2026")
    # Completed in round one: kontanthjaelp 5 (kept as is), dagpenge 3 + sygedagpenge 2
    # (merged: "other" has exactly 5). Age bands 5 and 5. One gender given: merged alone
    # it would still be 1, so gender is left out.
    add_responses(app, first, 5, benefit_group="kontanthjaelp", age_band="18-29")
    add_responses(app, first, 1, benefit_group="dagpenge", age_band="30-49", gender="k")
    add_responses(app, first, 2, benefit_group="dagpenge", age_band="30-49")
    add_responses(app, first, 2, benefit_group="sygedagpenge", age_band="30-49")
    # Neither unfinished sheets nor another round's count.
    add_responses(app, first, 4, benefit_group="ledighed", completed=False)
    add_responses(app, second, 10, benefit_group="dagpenge", gender="m")
    with app.app_context():
        assert background_plan(first) == {
            "benefit_group": {
                "kontanthjaelp": "kontanthjaelp",
                "dagpenge": "other",
                "sygedagpenge": "other",
            },
            "age_band": {"18-29": "18-29", "30-49": "30-49"},
        }
