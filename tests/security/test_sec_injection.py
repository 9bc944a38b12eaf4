"""Injection and malformed input in every parameter: SQL strings, bytes that are not UTF-8,
NUL and control characters, ids too large for the database, line breaks in a redirect.

Never a 500 (the test app propagates every unhandled exception, so one would fail the
test where it happens), the citizens' answers untouched, and a string that is stored is
stored exactly as given (the queries are parameterised).
"""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import pytest
from sec_helpers import SQLI, answer_rows, data_state, seed_responses, table_counts
from sqlalchemy import select
from staff import Staff, bank_question, build, expand
from staff import methods as rule_methods
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from survey.core.extensions import db
from survey.models import (
    AuditEvent,
    BackgroundValue,
    LocalQuestion,
    Municipality,
    Round,
    Target,
    User,
)

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

PAYLOAD = object()  # stands for the injection string in the tables below
CLOSED = object()  # stands for the id of the closed round
SQL_ERRORS = ("syntax error", "sqlite3.", "psycopg", "OperationalError", "Traceback")

# Query parameters each view reads, in the combinations that reach the deepest code.
VARIANTS = {
    "results.overview": [
        {"round": PAYLOAD},
        {"round": CLOSED, "against": PAYLOAD, "lang": PAYLOAD},
        {"round": CLOSED, "by": PAYLOAD},
    ],
    "report.download_report": [
        {"round": PAYLOAD},
        {"round": CLOSED, "against": PAYLOAD, "free_text": PAYLOAD},
        {"round": CLOSED, "by": PAYLOAD},
    ],
    "report.download_export": [{"round": PAYLOAD}, {"round": CLOSED, "sep": PAYLOAD}],
    "admin.audit_trail": [{"page": PAYLOAD}],
    "admin.round_preview": [{"page": PAYLOAD}, {"preview_lang": PAYLOAD}],
    "admin.round_preview_frame": [{"preview_lang": PAYLOAD}],
    "auth.login": [{"next": PAYLOAD}],
}
OTHER_VARIANTS = [{"lang": PAYLOAD, "x": PAYLOAD}]
# Full renders of the report are slow: the cheap refusals in every format, the rest in one.
SLOW = {"report.download_report": "html", "report.download_export": "csv"}


@pytest.fixture
def world(app, people, sign_in, make_round, invite, citizen):
    closed = make_round(461, local=False, state="closed", title="Lukket")
    draft = make_round(461, local=False, state="draft", title="Kladde")
    question = bank_question(app, 461, "Jeg fik svar på mine spørgsmål")
    open_round = make_round(461)
    (token,) = invite(open_round, benefit_group="dagpenge")
    citizen.open(f"/s/{token}")
    citizen.start()
    citizen.get()
    with app.app_context():
        value = BackgroundValue(variable="benefit_group", code="dagpenge", label={"da": "D"})
        db.session.add_all(
            [value, BackgroundValue(variable="benefit_group", code="ny", label={"da": "N"})]
        )
        db.session.commit()
        analyst = db.session.scalar(select(User.id).where(User.email == people.odense_analyst))
        value_id = value.id
        from survey.api_tokens.service import create_token

        token_id = create_token(461, "BI")[0].id
        db.session.commit()
    return {
        "ids": {
            "round_id": draft,
            "question_id": question,
            "user_id": analyst,
            "value_id": value_id,
            "code": 461,
            "token_id": token_id,
        },
        "closed": closed,
        "admin": sign_in(people.odense_admin),
        "operator": sign_in(people.operator),
        "citizen": citizen,
    }


def caller_for(world, rule):
    if rule.rule.startswith(("/svar", "/s/", "/o/", "/k/")):
        return world["citizen"].client
    if rule.rule.startswith("/admin/background-values"):
        return world["operator"].client
    return world["admin"].client


def get_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in rule_methods(r)), key=lambda r: r.rule
    )


def _query(variant: dict, payload: str, closed: int) -> str:
    values = {
        name: payload if value is PAYLOAD else closed if value is CLOSED else value
        for name, value in variant.items()
    }
    return urlencode(values)


def _assert_clean(response, where):
    assert response.status_code < 500, where
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    for marker in SQL_ERRORS:
        assert marker not in body, (where, marker)


@pytest.mark.parametrize("payload", SQLI)
def test_injection_strings_in_every_query_parameter_and_path_part(app, world, payload):
    before = data_state(app)
    counts = table_counts(app)
    checked = 0
    for rule in get_rules(app):
        client = caller_for(world, rule)
        strings = {
            name: payload
            for name in rule.arguments
            if not isinstance(rule._converters[name], (AnyConverter, IntegerConverter))
        }
        variants = VARIANTS.get(rule.endpoint, OTHER_VARIANTS)
        for parts in expand(rule, {**world["ids"], **strings, "filename": "app.css"}):
            fmt = parts.get("fmt")
            paths = [build(app, rule, {**parts, **strings})]
            for variant in variants:
                slow = set(variant) - {"round", "by"}
                if rule.endpoint in SLOW and slow and fmt != SLOW[rule.endpoint]:
                    continue
                for url in paths:
                    response = client.get(url + "?" + _query(variant, payload, world["closed"]))
                    _assert_clean(response, (url, variant))
                    checked += 1
    assert checked > 40
    assert table_counts(app) == counts
    assert data_state(app) == before


# Fields each form reads; `valid` is a form that is accepted, so the payload in a text field
# is stored (and must come back exactly).
FORMS = {
    "auth.login": ({"email": "admin@odense.dk", "password": "x"}, ["email", "password"]),
    "auth.password": ({"current": "x", "new": "y", "repeated": "y"}, ["current", "new"]),
    "auth.forgot_password": ({"email": "admin@odense.dk"}, ["email"]),
    "auth.reset_with_link": ({"new": "y", "repeated": "y"}, ["new", "repeated"]),
    "admin.new_round": (
        {"title": "Runde", "questionnaire": "kl-beskaeftigelse:1"},
        ["title", "questionnaire", "opens_on", "closes_on", "languages"],
    ),
    "admin.round_settings": ({"title": "Runde"}, ["title", "opens_on", "languages"]),
    "admin.round_add_question": ({"placement": "end"}, ["question_id", "placement"]),
    "admin.round_question_action": ({"placement": "end"}, ["placement"]),
    "admin.new_question": (
        {"text_da": "Spørgsmål", "type": "single", "options_da": "Ja\nNej", "action": "save"},
        ["text_da", "text_en", "help_da", "help_en", "options_da", "options_en"],
    ),
    "admin.edit_question_view": (
        {"text_da": "Spørgsmål", "type": "likert5", "action": "save"},
        ["text_da", "text_en", "help_da", "help_en", "type", "max_length", "condition"],
    ),
    "admin.users": (
        {"email": "ny@odense.dk", "role": "analyst"},
        ["email", "role", "municipality"],
    ),
    "admin.background_values": (
        {"variable": "gender", "code": "k", "label_da": "Kvinde"},
        ["variable", "code", "label_da", "label_en"],
    ),
    "admin.background_value_replace": ({"replaced_by": "ny"}, ["replaced_by"]),
    "admin.municipality_settings": ({}, ["service_name", "accessibility_url"]),
    "admin.round_messages": (
        {"invitation_da": "Svar her: {link}", "reminder_da": "Husk: {link}"},
        ["invitation_da", "reminder_da"],
    ),
    "admin.link_downloads": ({"municipality": "461", "allowed": "1"}, ["municipality", "allowed"]),
    "admin.api_tokens": ({"name": "BI"}, ["name"]),
    "admin.review_bank_translation": ({"language": "en"}, ["question_id", "language"]),
    "results.publish_round": ({}, ["round", "against"]),
    "results.unpublish_round": ({}, ["round"]),
    "results.comment_review": ({}, ["round", "key", "redacted", "themes", "quote", "page"]),
    "results.comment_theme": ({}, ["round", "name", "keywords"]),
    "results.save_target": (
        {"indicator": "kl.meeting.respect", "year": "2026", "ambition": "70"},
        ["indicator", "year", "ambition", "back"],
    ),
    "respond.page": (
        {"page": "meeting", "action": "next", "kl.meeting.welcoming": "4"},
        ["page", "action", "kl.meeting.welcoming", "kl.meeting.respect"],
    ),
}
# Forms without fields of their own (their only input is the URL, covered above), or only a
# box ticked to confirm an irreversible step.
NO_FIELDS = {
    "auth.logout",
    "admin.round_state",
    "admin.retire_question_view",
    "admin.user_active",
    "admin.api_token_revoke",
    "respond.start",
    "respond.send",
    "respond.someone_else",
}


def post_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "POST" in rule_methods(r)), key=lambda r: r.rule
    )


# Uploads (multipart, tested in test_sec_limits and test_delivery) and the gateway's signed
# JSON callback (tested in test_delivery) are not HTML forms of fields.
# The bank's translation upload is tested in test_translation_files and test_sec_language,
# the questionnaires' in test_questionnaire_translation_page and test_sec_translations.
NOT_FORMS = {
    "admin.upload_questionnaire_translations",
    "admin.round_invitations",
    "admin.round_send",
    "receipts.sms_receipt",
    "admin.import_bank_translations",
}


def test_every_form_is_in_the_table(app):
    posts = {rule.endpoint for rule in post_rules(app)}
    assert posts - NO_FIELDS == set(FORMS) | NOT_FORMS


@pytest.mark.parametrize("payload", SQLI)
def test_injection_strings_in_every_form_field(app, world, payload):
    answers = answer_rows(app)
    counts = table_counts(app)
    for rule in post_rules(app):
        if rule.endpoint in NO_FIELDS or rule.endpoint in NOT_FORMS:
            continue
        valid, fields = FORMS[rule.endpoint]
        client = caller_for(world, rule)
        for parts in expand(rule, {**world["ids"], "key": "meeting", "token": "t" * 43}):
            url = build(app, rule, parts)
            everything = {name: payload for name in {*valid, *fields}}
            one_by_one = [{**valid, name: payload} for name in fields]
            for form in [everything, *one_by_one]:
                response = client.post(url, data={**form, "csrf_token": _token(world, client)})
                _assert_clean(response, (url, form))
    # The send list: every cell an injection string.
    content = f"reference;benefit_group\n{payload};{payload}\nr2;{payload}\n".encode()
    response = world["admin"].post(
        f"/admin/rounds/{world['ids']['round_id']}/invitations",
        {"file": (io.BytesIO(content), "liste.csv", "text/csv"), "action": "create"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert answer_rows(app) == answers
    assert table_counts(app)["answer"] == counts["answer"]
    assert table_counts(app)["invitation"] == counts["invitation"]
    # Where the string was accepted as text, it is stored exactly as typed.
    with app.app_context():
        titles = set(db.session.scalars(select(Round.title)))
        texts = [q.texts["da"] for q in db.session.scalars(select(LocalQuestion))]
        labels = [v.label["da"] for v in db.session.scalars(select(BackgroundValue))]
        targets = db.session.scalar(select(db.func.count()).select_from(Target))
        service = db.session.get(Municipality, 461).service_name
    assert payload in titles and payload in texts and payload in labels and service == payload
    assert targets == 1  # only the valid target; an injected indicator is refused
    # Logging in with an injection string logs no one in.
    visitor = Staff(app)
    assert visitor.login(payload, payload).status_code == 401
    assert visitor.get("/admin/rounds").status_code == 302


def _token(world, client) -> str:
    if client is world["citizen"].client:
        return world["citizen"].csrf
    staff = world["operator"] if client is world["operator"].client else world["admin"]
    return staff.token()


# --- bytes that are not UTF-8, NUL and other control characters -------------------------


NOT_UTF8 = [b"%FF%FE", b"%C0%AF", b"%ED%A0%80", b"\xff\xfe", b"\xc3\x28", b"%E2%82"]


def test_bytes_that_are_not_utf8_in_forms_query_strings_and_paths(app, world):
    admin, citizen, closed = world["admin"], world["citizen"], world["closed"]
    answers = answer_rows(app)
    round_id = world["ids"]["round_id"]
    for raw in NOT_UTF8:
        text = raw.decode("latin-1")
        for path in (
            f"/results/?round={closed}&by=",
            f"/results/export.csv?round={closed}&sep=",
            "/admin/audit?page=",
            f"/admin/rounds/{round_id}/preview?page=",
            "/login?next=",
            "/svar?lang=",
        ):
            client = citizen.client if path.startswith("/svar") else admin.client
            _assert_clean(client.get(path + text), path)
        for path in ("/s/", "/o/", "/k/", "/svar/side/", f"/admin/rounds/{round_id}/preview/"):
            suffix = "/frame" if path.startswith("/admin") else ""
            client = citizen.client if path.startswith(("/s", "/o", "/k")) else admin.client
            _assert_clean(client.get(path + quote(text, safe="%") + suffix), path)
        form_posts = [
            (admin.client, f"/admin/rounds/{round_id}/settings", "title", admin.token()),
            (admin.client, "/admin/questions/new", "text_da", admin.token()),
            (citizen.client, "/svar/side/meeting", "kl.meeting.welcoming", citizen.csrf),
        ]
        for client, path, field, token in form_posts:
            body = b"csrf_token=" + token.encode() + b"&page=meeting&" + field.encode() + b"=" + raw
            response = client.post(
                path, data=body, content_type="application/x-www-form-urlencoded"
            )
            _assert_clean(response, (path, raw))
        multipart = (
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + admin.token().encode()
            + b'\r\n--b\r\nContent-Disposition: form-data; name="title"\r\n\r\n'
            + raw
            + b"\r\n--b--\r\n"
        )
        response = admin.client.post(
            f"/admin/rounds/{round_id}/settings",
            data=multipart,
            content_type="multipart/form-data; boundary=b",
        )
        _assert_clean(response, ("multipart", raw))
    assert answer_rows(app) == answers


CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe"]


@pytest.mark.parametrize("char", CONTROL, ids=repr)
def test_nul_and_control_characters_are_refused_and_nothing_is_stored(app, world, char):
    """PostgreSQL refuses NUL in text, and spreadsheets and Word refuse control characters:
    stored, they broke the report and the exports for everyone, so they never get in."""
    admin, citizen = world["admin"], world["citizen"]
    round_id = world["ids"]["round_id"]
    before = data_state(app)
    with app.app_context():
        audit_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    posts = [
        (admin, "/login", {"email": f"admin{char}@odense.dk", "password": "x"}),
        (admin, "/admin/rounds/new", {"title": f"T{char}", "questionnaire": "kl-beskaeftigelse:1"}),
        (admin, f"/admin/rounds/{round_id}/settings", {"title": f"T{char}"}),
        (admin, "/admin/questions/new", {"text_da": f"Hej{char} du", "type": "likert5"}),
        (admin, "/admin/users", {"email": f"x{char}@o.dk", "role": "analyst"}),
        (admin, "/admin/municipality", {"service_name": f"Jobcenter{char}"}),
        (admin, "/results/targets", {"indicator": f"k{char}", "year": "2020", "ambition": "5"}),
        (
            world["operator"],
            "/admin/background-values",
            {"variable": "gender", "code": "k", "label_da": f"K{char}"},
        ),
    ]
    for staff, path, form in posts:
        response = staff.post(path, form)
        assert response.status_code == 400, (path, response.status_code)
    response = citizen.post_page({"kl.meeting.welcoming": "4"}, extra={"x": char})
    assert response.status_code == 400
    for path in (f"/o/{char}", f"/o/abc{char}", f"/k/abc{char}", f"/s/{'A' * 27}{char}"):
        response = citizen.client.get(quote(path))
        assert response.status_code == 404, path
    for path in (f"/results/?round={world['closed']}&by={char}", f"/login?next=/admin{char}"):
        assert admin.client.get(path).status_code in (302, 400), path
    assert data_state(app) == before
    with app.app_context():
        assert not db.session.scalar(select(Round.id).where(Round.title.like("T%")))
        assert db.session.get(Municipality, 461).service_name is None
        audit_after = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert audit_after == audit_before


def test_free_text_from_word_with_control_characters_cannot_break_the_exports(
    app, world, new_citizen
):
    """Even stored by another way in (an import of an earlier round), control characters
    in comments do not stop the spreadsheet and Word downloads."""
    closed = world["closed"]
    seed_responses(
        app,
        closed,
        [{"answers": {"kl.overall.comment": f"Linje\x0bto\x0c{n}\x1b"}} for n in range(5)],
    )
    admin = world["admin"]
    for path in (
        f"/results/export.xlsx?round={closed}",
        f"/results/report.xlsx?round={closed}&free_text=1",
        f"/results/report.docx?round={closed}&free_text=1",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path


# --- numbers too large, line breaks in a redirect, an unknown preview language ----------

TOO_LARGE = ["2147483648", "9223372036854775808", "99999999999999999999", "-99999999999999999999"]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_ids_too_large_for_the_database_are_not_found(app, world, number):
    admin, operator = world["admin"], world["operator"]
    round_id = world["ids"]["round_id"]
    gets = [
        f"/results/?round={number}",
        f"/results/?round={world['closed']}&against={number}",
        f"/results/report.html?round={number}",
        f"/results/export.csv?round={number}",
        f"/admin/audit?page={number}",
    ]
    if not number.startswith("-"):
        gets += [
            f"/admin/rounds/{number}",
            f"/admin/rounds/{number}/preview",
            f"/admin/rounds/{number}/qr.svg",
            f"/admin/questions/{number}/edit",
        ]
    for path in gets:
        response = admin.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        if "round=" in path or "/rounds/" in path or "/questions/" in path:
            assert response.status_code == 404, path
    before = data_state(app)
    if not number.startswith("-"):
        posts = [
            (admin, f"/admin/rounds/{round_id}/questions/{number}/up", {}),
            (admin, f"/admin/users/{number}/disable", {}),
            (admin, f"/admin/rounds/{number}/open", {}),
            (operator, f"/admin/background-values/{number}/replace", {"replaced_by": "ny"}),
        ]
        for staff, path, form in posts:
            assert staff.post(path, form).status_code == 404, path
    response = admin.post(
        f"/admin/rounds/{round_id}/questions", {"question_id": number, "placement": "end"}
    )
    assert response.status_code == 302
    assert data_state(app) == before


@pytest.mark.parametrize(
    "back",
    [
        "/results\r\nSet-Cookie: x=1",
        "/results\nLocation: //evil.example",
        "//evil.example",
        "/results\\@evil",
    ],
)
def test_the_targets_return_address_cannot_split_headers_or_leave_the_site(app, world, back):
    response = world["admin"].post(
        "/results/targets",
        {"indicator": "kl.meeting.respect", "year": "2026", "ambition": "70", "back": back},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/results") and "\n" not in location and "\r" not in location
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]
    assert "evil" not in location


@pytest.mark.parametrize("language", ["zz", "de", "xx<script>", "' OR 1=1 --", "en_US", ""])
def test_the_preview_frame_falls_back_to_danish_for_a_language_the_round_has_not(
    app, world, language
):
    round_id = world["ids"]["round_id"]
    response = world["admin"].get(
        f"/admin/rounds/{round_id}/preview/meeting/frame?" + urlencode({"preview_lang": language})
    )
    assert response.status_code == 200
    assert '<html lang="da"' in response.get_data(as_text=True)
