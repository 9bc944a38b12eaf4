"""Tenancy and roles, proved on every /admin route of the URL map (new routes included).

Odense (461) has an admin and an analyst, Rødovre (175) an admin, and there is an operator.
Each municipality has an open round with a local question and an invitation. Every rule
under /admin is called for every role, with the caller's own ids, the other municipality's
ids and guessed ids, GET and POST.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from staff import Staff, add_to_round, bank_question, build, expand, fingerprint, logged_in
from staff import make_user as new_user
from staff import methods as rule_methods
from werkzeug.routing.converters import AnyConverter

from survey.core.extensions import db
from survey.models import AuditEvent, BackgroundValue, User

ADMIN, ANALYST, OPERATOR = "admin", "analyst", "operator"
ANYONE = {ADMIN, ANALYST, OPERATOR}
STAFF = {ADMIN, ANALYST}
GUESSED = 999999

# Links are handed to staff only where an operator allowed it (see conftest).
pytestmark = pytest.mark.usefixtures("links_allowed")

# Who may use each /admin endpoint, per method. A new route fails
# test_every_admin_route_is_in_the_access_table until it is added here.
ACCESS: dict[str, dict[str, set[str]]] = {
    "admin.home": {"GET": ANYONE},
    "admin.rounds": {"GET": STAFF},
    "admin.new_round": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.round_detail": {"GET": STAFF},
    "admin.round_settings": {"POST": {ADMIN}},
    "admin.round_state": {"POST": {ADMIN}},
    "admin.round_state_confirm": {"GET": {ADMIN}},
    "admin.round_poster": {"GET": STAFF},
    "admin.send_list_template": {"GET": {ADMIN}},
    "admin.round_add_question": {"POST": {ADMIN}},
    "admin.round_question_action": {"POST": {ADMIN}},
    "admin.round_preview": {"GET": STAFF},
    "admin.round_preview_frame": {"GET": STAFF},
    "admin.round_invitations": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.round_messages": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.round_send": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.round_qr": {"GET": STAFF},
    "admin.questions": {"GET": STAFF},
    "admin.new_question": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.edit_question_view": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.retire_question_view": {"POST": {ADMIN}},
    "admin.retire_question_confirm": {"GET": {ADMIN}},
    "admin.users": {"GET": {ADMIN, OPERATOR}, "POST": {ADMIN, OPERATOR}},
    "admin.user_active": {"POST": {ADMIN, OPERATOR}},
    "admin.audit_trail": {"GET": {ADMIN, OPERATOR}},
    "admin.audit_export": {"GET": {ADMIN, OPERATOR}},
    "admin.municipality_settings": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.background_values": {"GET": {OPERATOR}, "POST": {OPERATOR}},
    "admin.background_value_replace": {"POST": {OPERATOR}},
    "admin.link_downloads": {"GET": {OPERATOR}, "POST": {OPERATOR}},
    "admin.api_tokens": {"GET": {ADMIN}, "POST": {ADMIN}},
    "admin.api_token_revoke": {"POST": {ADMIN}},
    "admin.translations": {"GET": {ADMIN}},
    "admin.download_translations": {"GET": {ADMIN}},
    "admin.import_bank_translations": {"POST": {ADMIN}},
    "admin.review_bank_translation": {"POST": {ADMIN}},
    "admin.questionnaire_translations": {"GET": {OPERATOR}},
    "admin.download_questionnaire_translations": {"GET": {OPERATOR}},
    "admin.upload_questionnaire_translations": {"POST": {OPERATOR}},
}
# URL parts that name a municipality's object: another municipality's id must be a 404.
TENANT_PARTS = {"round_id", "question_id", "user_id", "token_id"}
# URL parts with a fixed value whatever the municipality.
FIXED_PARTS = {"page_key": "meeting"}


@dataclass
class Side:
    """One municipality's people and objects."""

    code: int
    admin_email: str
    ids: dict  # URL part -> id of this municipality's object


@pytest.fixture
def world(app, make_round, invite):
    odense_round = make_round(461, local=False)
    odense_question = bank_question(app, 461, "Jeg fik den hjælp, jeg havde brug for")
    odense_draft = make_round(461, local=False, state="draft", title="Kladde")
    add_to_round(app, odense_draft, odense_question)
    rodovre_round = make_round(175, local=False, state="draft", title="Rødovre forår")
    rodovre_question = bank_question(app, 175, "Jeg kunne tale mit eget sprog")
    add_to_round(app, rodovre_round, rodovre_question)
    with app.app_context():  # open it only now, with its local question inside
        from survey.models import Round
        from survey.rounds.lifecycle import open_round

        open_round(db.session.get(Round, rodovre_round))
        db.session.commit()
    invite(odense_round, 2, benefit_group="kontanthjaelp")
    invite(rodovre_round, 2)
    odense_admin = new_user(app, "admin@odense.dk", ADMIN, 461)
    odense_analyst = new_user(app, "analytiker@odense.dk", ANALYST, 461)
    rodovre_admin = new_user(app, "admin@rodovre.dk", ADMIN, 175)
    rodovre_analyst = new_user(app, "analytiker@rodovre.dk", ANALYST, 175)
    new_user(app, "drift@kl.dk", OPERATOR)
    with app.app_context():
        value = BackgroundValue(variable="benefit_group", code="dagpenge", label={"da": "D"})
        db.session.add(value)
        db.session.add(BackgroundValue(variable="benefit_group", code="ny", label={"da": "N"}))
        db.session.commit()
        value_id = value.id
        from survey.api_tokens.service import create_token

        tokens = {code: create_token(code, "BI")[0].id for code in (461, 175)}
        db.session.commit()
    return {
        461: Side(
            461,
            "admin@odense.dk",
            {
                "round_id": [odense_round, odense_draft],
                "question_id": odense_question,
                "user_id": odense_analyst,
                "value_id": value_id,
                "token_id": tokens[461],
            },
        ),
        175: Side(
            175,
            "admin@rodovre.dk",
            {
                "round_id": rodovre_round,
                "question_id": rodovre_question,
                "user_id": rodovre_analyst,
                "value_id": value_id,
                "token_id": tokens[175],
            },
        ),
        "odense_admin": odense_admin,
        "rodovre_admin": rodovre_admin,
    }


def admin_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    missing = sorted({rule.endpoint for rule in rules} - set(ACCESS))
    assert not missing, f"add {missing} to ACCESS in tests/test_tenancy.py"
    return sorted(rules, key=lambda rule: rule.rule)


def urls(app, rule, ids: dict) -> list[str]:
    return [build(app, rule, values) for values in expand(rule, {**FIXED_PARTS, **ids})]


def call(staff: Staff, method: str, url: str):
    return staff.get(url) if method == "GET" else staff.post(url)


def test_every_admin_route_is_in_the_access_table(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    found = {rule.endpoint: rule_methods(rule) for rule in rules}
    expected = {endpoint: set(per_method) for endpoint, per_method in ACCESS.items()}
    assert found == expected, "a route under /admin is missing from ACCESS (or has gone)"
    for rule in admin_rules(app):
        for name in rule.arguments:
            known = name in TENANT_PARTS | set(FIXED_PARTS) | {"value_id"}
            assert known or isinstance(rule._converters[name], AnyConverter), (rule.rule, name)
    # Analysts read; they never change anything.
    assert not any(ANALYST in per_method.get("POST", ()) for per_method in ACCESS.values())


def test_anonymous_visitors_are_sent_to_login_everywhere(app, world):
    before = fingerprint(app)
    visitor = Staff(app)
    checked = 0
    for rule in admin_rules(app):
        for url in urls(app, rule, world[461].ids) + urls(
            app, rule, dict.fromkeys(TENANT_PARTS | {"value_id"}, GUESSED)
        ):
            for method in rule_methods(rule):
                response = call(visitor, method, url)
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/login?next="), (method, url)
                checked += 1
    assert checked > 60
    assert fingerprint(app) == before


def test_roles_get_403_where_they_have_no_access(app, world):
    for role in (ADMIN, ANALYST, OPERATOR):
        roles_get_403(app, world, role)


def roles_get_403(app, world, role):
    email = {ADMIN: "admin@odense.dk", ANALYST: "analytiker@odense.dk", OPERATOR: "drift@kl.dk"}
    staff = logged_in(app, email[role])
    before = fingerprint(app)
    checked = 0
    for rule in admin_rules(app):
        for method in rule_methods(rule):
            if role in ACCESS[rule.endpoint][method]:
                continue
            for url in urls(app, rule, world[461].ids):
                response = call(staff, method, url)
                assert response.status_code == 403, (role, method, url, response.status_code)
                checked += 1
    assert checked >= {ADMIN: 3, ANALYST: 20, OPERATOR: 20}[role]
    assert fingerprint(app) == before


def test_another_municipalitys_objects_and_guessed_ids_are_404(app, world):
    for viewer, other in ((461, 175), (175, 461)):
        for role in (ADMIN, ANALYST):
            foreign_ids_are_404(app, world, viewer, other, role)


def foreign_ids_are_404(app, world, viewer, other, role):
    email = world[viewer].admin_email.replace(
        "admin@", "analytiker@" if role == ANALYST else "admin@"
    )
    staff = logged_in(app, email)
    before = fingerprint(app)
    own, foreign = world[viewer].ids, world[other].ids
    mixes = [foreign, dict.fromkeys(TENANT_PARTS, GUESSED)]
    # Half and half: my round with their question, their round with my question.
    mixes.append({**own, "question_id": foreign["question_id"], "user_id": foreign["user_id"]})
    mixes.append({**foreign, "question_id": own["question_id"]})
    checked = 0
    for rule in admin_rules(app):
        tenant_parts = set(rule.arguments) & TENANT_PARTS
        if not tenant_parts:
            continue
        for method in rule_methods(rule):
            if role not in ACCESS[rule.endpoint][method]:
                continue
            seen = set()
            for mix in mixes:
                for values in expand(rule, {**FIXED_PARTS, **own, **mix}):
                    url = build(app, rule, values)
                    if url in seen or all(values[p] in _ids(own[p]) for p in tenant_parts):
                        continue
                    seen.add(url)
                    response = call(staff, method, url)
                    assert response.status_code == 404, (role, method, url, response.status_code)
                    checked += 1
    assert checked >= (40 if role == ADMIN else 10)
    assert fingerprint(app) == before


def _ids(value) -> list:
    return value if isinstance(value, list) else [value]


def test_own_objects_answer_so_the_404s_mean_something(app, world):
    """The same routes with the caller's own ids work: the 404s above are tenancy, not breakage."""
    for side in (461, 175):
        own_objects_answer(app, world, side)


def own_objects_answer(app, world, side):
    staff = logged_in(app, world[side].admin_email)
    own = world[side].ids
    # Odense's open round for pages (it has a QR code), its draft (with the question) for posts.
    own_single = {**own, "round_id": _ids(own["round_id"])[0]}
    own_draft = {**own, "round_id": _ids(own["round_id"])[-1]}
    for rule in admin_rules(app):
        if "GET" not in rule_methods(rule) or ADMIN not in ACCESS[rule.endpoint]["GET"]:
            continue
        for url in urls(app, rule, own_single):
            response = staff.get(url)
            expected = 200  # the start page is a page of its own (issue 17)
            assert response.status_code == expected, (url, response.status_code)
    # Every mutating route accepts the admin's own ids (they are refused, redirected or
    # rejected as bad input, never "not found"); removal last, so the others still find it.
    posts = [rule for rule in admin_rules(app) if "POST" in rule_methods(rule)]
    for rule in posts:
        if ADMIN not in ACCESS[rule.endpoint]["POST"]:
            continue
        values = expand(rule, {**FIXED_PARTS, **own_draft})
        values.sort(key=lambda v: (v.get("action") == "remove", v.get("action") == "disable"))
        for value in values:
            url = build(app, rule, value)
            response = staff.post(url)
            assert response.status_code in (200, 302, 400), (url, response.status_code)


def test_admin_sees_and_manages_only_their_own_municipalitys_users(app, world):
    odense = logged_in(app, "admin@odense.dk")
    page = odense.get("/admin/users").get_data(as_text=True)
    assert "admin@odense.dk" in page and "analytiker@odense.dk" in page
    for stranger in ("admin@rodovre.dk", "analytiker@rodovre.dk", "drift@kl.dk"):
        assert stranger not in page
    # A new user always belongs to the admin's municipality, whatever the form says.
    response = odense.post(
        "/admin/users", {"email": "ny@odense.dk", "role": "analyst", "municipality": "175"}
    )
    assert response.status_code == 200
    response = odense.post("/admin/users", {"email": "chef@odense.dk", "role": "operator"})
    assert response.status_code == 400
    response = odense.post("/admin/users", {"email": "ikke-en-adresse", "role": "analyst"})
    assert response.status_code == 400
    with app.app_context():
        created = {u.email: (u.role, u.municipality_code) for u in db.session.scalars(select(User))}
    assert created["ny@odense.dk"] == ("analyst", 461)
    assert "chef@odense.dk" not in created and "ikke-en-adresse" not in created
    operator_id = _user_id(app, "drift@kl.dk")
    assert odense.post(f"/admin/users/{operator_id}/disable").status_code == 404
    assert odense.post(f"/admin/users/{world['rodovre_admin']}/disable").status_code == 404
    with app.app_context():
        assert all(u.active for u in db.session.scalars(select(User)))


def test_admin_cannot_put_another_municipalitys_question_in_a_round(app, world):
    odense = logged_in(app, "admin@odense.dk")
    draft = world[461].ids["round_id"][1]
    before = fingerprint(app)
    response = odense.post(
        f"/admin/rounds/{draft}/questions",
        {"question_id": world[175].ids["question_id"], "placement": "end"},
    )
    assert response.status_code == 302
    assert fingerprint(app) == before
    page = odense.get(f"/admin/rounds/{draft}").get_data(as_text=True)
    assert "Jeg kunne tale mit eget sprog" not in page
    assert "Jeg kunne tale mit eget sprog" not in odense.get("/admin/questions").get_data(
        as_text=True
    )


def test_operator_manages_users_and_reads_the_audit_trail_of_every_municipality(app, world):
    Staff(app).login("nobody@example.dk", "forkert kodeord her")  # a failed login, no municipality
    odense = logged_in(app, "admin@odense.dk")
    draft = world[461].ids["round_id"][1]
    assert odense.post(f"/admin/rounds/{draft}/open", {"understood": "y"}).status_code == 302
    operator = logged_in(app, "drift@kl.dk")
    page = operator.get("/admin/users").get_data(as_text=True)
    for email in ("admin@odense.dk", "analytiker@odense.dk", "admin@rodovre.dk", "drift@kl.dk"):
        assert email in page
    response = operator.post(
        "/admin/users", {"email": "ny@rodovre.dk", "role": "admin", "municipality": "175"}
    )
    assert response.status_code == 200
    assert 'id="one-time-password"' in response.get_data(as_text=True)
    analyst_id = world[461].ids["user_id"]
    assert operator.post(f"/admin/users/{analyst_id}/disable").status_code == 302
    with app.app_context():
        new = db.session.scalar(select(User).where(User.email == "ny@rodovre.dk"))
        assert (new.role, new.municipality_code, new.must_change_password) == ("admin", 175, True)
        assert db.session.get(User, analyst_id).active is False
    trail = operator.get("/admin/audit").get_data(as_text=True)
    for action in ("round.open", "user.create", "user.disable", "login.failed"):
        assert f'data-action="{action}"' in trail
    assert "nobody@example.dk" in trail
    assert operator.get("/admin/background-values").status_code == 200
    # Operators see no rounds, questions or answers.
    assert operator.get("/admin/").headers["Location"] == "/admin/users"
    for path in ("/admin/rounds", "/admin/questions", f"/admin/rounds/{draft}"):
        assert operator.get(path).status_code == 403


def test_admins_read_only_their_municipalitys_audit_trail(app, world):
    Staff(app).login("nobody@example.dk", "forkert kodeord her")
    odense = logged_in(app, "admin@odense.dk")
    rodovre = logged_in(app, "admin@rodovre.dk")
    draft = world[461].ids["round_id"][1]
    assert odense.post(f"/admin/rounds/{draft}/open", {"understood": "y"}).status_code == 302
    assert odense.post(f"/admin/users/{world[461].ids['user_id']}/disable").status_code == 302
    odense_trail = odense.get("/admin/audit").get_data(as_text=True)
    rodovre_trail = rodovre.get("/admin/audit").get_data(as_text=True)
    assert 'data-action="round.open"' in odense_trail
    assert 'data-action="user.disable"' in odense_trail
    assert 'data-action="round.open"' not in rodovre_trail
    assert 'data-action="user.disable"' not in rodovre_trail
    assert "admin@odense.dk" not in rodovre_trail and "nobody@example.dk" not in rodovre_trail
    assert 'data-action="login"' in rodovre_trail and "admin@rodovre.dk" in rodovre_trail
    with app.app_context():
        codes = set(db.session.scalars(select(AuditEvent.municipality_code)))
    assert {None, 461, 175} <= codes


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))
