"""A fuzz test: random forms at every citizen route, with a valid CSRF token and session.

Field names are drawn from the round's real item codes, the control fields and random
text; values from real options, numbers, unicode, control characters, long and huge
strings, repeated fields; bodies urlencoded, multipart or raw bytes. Whatever is sent:
never a 500 (the test app propagates exceptions), and never a partial write: a refused
post leaves the answer table and the sheet exactly as they were, and whatever a
successful post stored is an answer the form could have given.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sec_helpers import answer_rows, response_rows
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from questionnaires import Questionnaire
from survey.core.extensions import db
from survey.models import Round
from survey.rounds.definition import round_definition

# 429: more open-link sheets sent from one address than OPEN_LINK_COMPLETIONS_PER_ADDRESS
# (10 a minute) allows, a refusal by design (flow.BUSY) that the examples reach whenever
# more than ten of them send a sheet within a minute; like any refusal it must write nothing.
ALLOWED_STATUSES = {200, 302, 303, 400, 404, 410, 413, 422, 429}


@pytest.fixture
def fuzz_round(app, make_round, open_code) -> tuple[str, Questionnaire]:
    round_id = make_round(461)  # Odense: the KL questionnaire and two conditional local items
    with app.app_context():
        definition = round_definition(db.session.get(Round, round_id))
    return open_code(round_id), definition


def _strategies(definition: Questionnaire):
    codes = [item.code for item in definition.items]
    keys = [page.key for page in definition.pages]
    names = st.one_of(
        st.sampled_from([*codes, "page", "action", "csrf_token"]),
        st.text(max_size=20),
    )
    values = st.one_of(
        st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "-1", "", "next", "back", *keys]),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(max_size=40),
        st.text(min_size=900, max_size=1200),
        st.sampled_from(["x" * 300_000, "\x00", "' OR 1=1 --", "٤", "4.0", " 4", "4\n"]),
    )
    fields = st.lists(st.tuples(names, values), max_size=12)
    target = st.sampled_from(
        ["/svar/start"] + [f"/svar/side/{key}" for key in keys] + ["/svar/side/nowhere"]
    )
    body = st.one_of(
        st.tuples(st.just("form"), fields, st.booleans()),
        st.tuples(st.just("multipart"), fields, st.booleans()),
        st.tuples(st.just("raw"), st.binary(max_size=300), st.booleans()),
    )
    # Near-valid posts too, so that saves (and the branches they open) happen as well.
    near_valid = st.sampled_from(definition.pages).flatmap(
        lambda page: st.tuples(
            st.just(f"/svar/side/{page.key}"),
            st.tuples(
                st.just("form"),
                st.lists(
                    st.tuples(
                        st.sampled_from([item.code for item in page.items]),
                        st.sampled_from(["0", "1", "2", "3", "4", "5", "Fint nok"]),
                    ),
                    max_size=8,
                ),
                st.booleans(),
            ),
        )
    )
    return st.lists(st.one_of(st.tuples(target, body), near_valid), min_size=1, max_size=3)


def _send(citizen, target: str, body) -> object:
    kind, content, with_page = body
    key = target.rsplit("/", 1)[-1]
    if kind == "raw":
        prefix = f"csrf_token={citizen.csrf}&" + (f"page={key}&" if with_page else "")
        return citizen.client.post(
            target,
            data=prefix.encode() + content,
            content_type="application/x-www-form-urlencoded",
        )
    data = MultiDict([("csrf_token", citizen.csrf)])
    if with_page:
        data.add("page", key)
    for name, value in content:
        data.add(name, value)
    if kind == "multipart":
        # Encoded in memory: the test client spools large bodies to a file it never closes.
        boundary, encoded = encode_multipart(data)
        return citizen.client.post(
            target, data=encoded, content_type=f"multipart/form-data; boundary={boundary}"
        )
    return citizen.client.post(target, data=data)


def _assert_answers_are_ones_the_form_could_give(app, definition: Questionnaire) -> None:
    items = {item.code: item for item in definition.items}
    for _response_id, code, value in answer_rows(app):
        item = items.get(code)
        assert item is not None, code
        if item.type == "text":
            assert value and len(value) <= item.max_length and "\x00" not in value, code
        elif item.type == "multi":
            chosen = [int(v) for v in value.split(";")]
            assert set(chosen) <= set(item.option_values) and len(set(chosen)) == len(chosen)
        else:
            assert value.isdigit() and int(value) in item.option_values, (code, value)


def test_random_forms_at_every_citizen_route_never_fail_or_half_write(app, fuzz_round, citizen):
    code, definition = fuzz_round
    posts_strategy = _strategies(definition)
    Citizen = type(citizen)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(posts=posts_strategy)
    def run(posts):
        visitor = Citizen(app.test_client())
        assert visitor.open(f"/o/{code}").status_code == 303
        visitor.start()
        visitor.get()
        for target, body in posts:
            answers, sheets = answer_rows(app), response_rows(app)
            response = _send(visitor, target, body)
            assert response.status_code in ALLOWED_STATUSES, response.status_code
            statuses.add(response.status_code)
            if response.status_code >= 400:
                assert answer_rows(app) == answers, (target, response.status_code)
                assert response_rows(app) == sheets, (target, response.status_code)
        _assert_answers_are_ones_the_form_could_give(app, definition)

    statuses: set[int] = set()
    run()
    assert {302, 400} <= statuses  # both saves and refusals were tried
