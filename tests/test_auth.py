"""Staff accounts: `flask user create`, login, one-time passwords, rate limits and sessions."""

from __future__ import annotations

from sqlalchemy import select
from staff import PASSWORD, Staff, form_errors, logged_in, make_user
from werkzeug.security import check_password_hash

from survey.core.config import load_config
from survey.core.extensions import db
from survey.models import AuditEvent, User
from survey.web.auth.views import safe_next

WRONG = "Det her er ikke koden"
LOGIN_FAILED_DA = "E-mailadressen eller adgangskoden er forkert."
NEW_PASSWORD = "et helt nyt og langt kodeord"


def user_by_email(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def failed_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return events


# --- flask user create ------------------------------------------------------------------


def test_cli_prints_a_one_time_password_that_must_be_changed_first(app):
    result = app.test_cli_runner().invoke(
        args=["user", "create", "--email", " KL@Example.DK ", "--role", "operator"]
    )
    assert result.exit_code == 0, result.output
    first, password = result.output.strip().splitlines()
    assert first == (
        "Created operator kl@example.dk. One-time password (must be changed at first login):"
    )
    assert len(password) >= 12 and " " not in password
    user = user_by_email(app, "kl@example.dk")
    assert (user.role, user.municipality_code, user.must_change_password) == (
        "operator",
        None,
        True,
    )
    assert user.password_hash.startswith("scrypt:") and password not in user.password_hash
    assert check_password_hash(user.password_hash, password)

    staff = Staff(app)
    response = staff.login("kl@example.dk", password, next="/admin/audit")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    for path in ("/admin/", "/admin/users", "/admin/audit", "/admin/background-values"):
        response = staff.get(path)
        assert (response.status_code, response.headers["Location"]) == (302, "/account/password")
    response = staff.post(
        "/account/password", {"current": password, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD}
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    assert staff.get("/admin/users").status_code == 200
    assert user_by_email(app, "kl@example.dk").must_change_password is False
    assert Staff(app).login("kl@example.dk", password).status_code == 401
    assert Staff(app).login("kl@example.dk", NEW_PASSWORD).headers["Location"] == "/admin/"


def test_cli_reads_the_password_from_stdin_and_prints_no_secret(app):
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "--email",
            "a@odense.dk",
            "--role",
            "admin",
            "--municipality",
            "461",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Created admin a@odense.dk.\n"
    user = user_by_email(app, "a@odense.dk")
    assert (user.role, user.municipality_code, user.must_change_password) == ("admin", 461, False)
    assert check_password_hash(user.password_hash, PASSWORD)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
        assert (event.actor, event.municipality_code) == ("cli", 461)
        assert PASSWORD not in str(event.details)
    response = Staff(app).login("a@odense.dk", PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")


def test_cli_refuses_bad_accounts_and_creates_nothing(app):
    runner = app.test_cli_runner()
    cases = [
        (["--email", "b@x.dk", "--role", "admin"], None),  # no municipality
        (["--email", "b@x.dk", "--role", "admin", "--municipality", "999"], None),
        (["--email", "b@x.dk", "--role", "analyst", "--municipality", "461"], "kort\n"),
        (["--email", "ikke-en-adresse", "--role", "operator"], None),
        (["--email", "b@x.dk", "--role", "operator", "--password-stdin"], ""),
    ]
    for args, stdin in cases:
        result = runner.invoke(args=["user", "create", *args], input=stdin)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Error: "), result.output
    result = runner.invoke(args=["user", "create", "--email", "b@x.dk", "--role", "boss"])
    assert result.exit_code == 2
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
    make_user(app, "dup@x.dk", "operator")
    result = runner.invoke(args=["user", "create", "--email", "DUP@x.dk", "--role", "operator"])
    assert result.exit_code == 1


# --- login ------------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_plain_danish_message(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    staff = Staff(app)
    wrong = staff.login("admin@odense.dk", WRONG)
    unknown = staff.login("nobody@odense.dk", WRONG)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert form_errors(response.get_data(as_text=True)) == [LOGIN_FAILED_DA]
    assert staff.get("/admin/rounds").status_code == 302  # still not logged in
    events = failed_events(app)
    assert [(e.actor, e.user_id, e.municipality_code) for e in events] == [
        ("admin@odense.dk", None, 461),  # so Odense's admins see attempts on their accounts
        ("nobody@odense.dk", None, None),
    ]
    assert all(WRONG not in str(e.details) for e in events)


def test_successful_login_is_audited_and_lands_on_the_right_home(app):
    admin_id = make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "op@kl.dk", "operator")
    admin = Staff(app)
    response = admin.login("ADMIN@odense.dk ", PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    assert admin.get("/admin/").headers["Location"] == "/admin/rounds"
    operator = logged_in(app, "op@kl.dk")
    assert operator.get("/admin/").headers["Location"] == "/admin/users"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
        assert (event.user_id, event.actor, event.municipality_code) == (
            admin_id,
            "admin@odense.dk",
            461,
        )
        assert db.session.get(User, admin_id).last_login_at is not None


def test_too_many_failures_for_one_account_get_429_from_any_address(app):
    assert app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"] == "5 per 10 minutes"
    make_user(app, "admin@odense.dk", "admin", 461)
    make_user(app, "other@odense.dk", "admin", 461)
    attacker = Staff(app, remote_addr="203.0.113.7")
    for _ in range(5):
        assert attacker.login("admin@odense.dk", WRONG).status_code == 401
    blocked = attacker.login("admin@odense.dk", PASSWORD)  # even the right password now
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "For mange forsøg" in page and "Vent et par minutter, og prøv igen." in page
    assert "Traceback" not in page
    # The account is protected from every address, whatever the spelling of its e-mail.
    assert Staff(app, remote_addr="198.51.100.1").login("admin@odense.dk").status_code == 429
    assert Staff(app, remote_addr="198.51.100.2").login(" Admin@Odense.dk").status_code == 429
    # Another account from the attacker's address is not locked (address limit not reached).
    assert attacker.login("other@odense.dk").status_code == 302


def test_successful_logins_do_not_count_as_failures(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    for _ in range(6):  # one more than the failures allowed
        assert Staff(app).login("admin@odense.dk").status_code == 302


def test_too_many_failures_from_one_address_get_429(app):
    assert app.config["LOGIN_ATTEMPTS_PER_ADDRESS"] == "20 per 10 minutes"
    make_user(app, "admin@odense.dk", "admin", 461)
    sprayer = Staff(app, remote_addr="203.0.113.9")
    for number in range(20):  # one attempt per account: only the address limit can stop this
        assert sprayer.login(f"guess{number}@odense.dk", WRONG).status_code == 401
    response = sprayer.login("admin@odense.dk", PASSWORD)
    assert response.status_code == 429
    assert "For mange forsøg" in response.get_data(as_text=True)
    assert Staff(app, remote_addr="198.51.100.3").login("admin@odense.dk").status_code == 302


# --- sessions ---------------------------------------------------------------------------


def test_session_is_renewed_at_login(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    staff = Staff(app)
    staff.get("/login?lang=en")
    with staff.client.session_transaction() as session:
        assert session["lang"] == "en"
        session["planted"] = "chosen by an attacker"
    before = staff.cookie()
    assert before
    assert staff.login("admin@odense.dk").status_code == 302
    after = staff.cookie()
    assert after and after != before
    with staff.client.session_transaction() as session:
        assert "planted" not in session and "lang" not in session
        assert session["_user_id"].startswith(f"{user_by_email(app, 'admin@odense.dk').id}:")
    # The cookie from before the login never becomes a logged-in session.
    fixated = app.test_client()
    fixated.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    response = fixated.get("/admin/rounds")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_is_post_only_and_ends_the_session(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    staff = logged_in(app, "admin@odense.dk")
    stolen = staff.cookie()
    assert staff.get("/logout").status_code == 405
    assert staff.post("/logout", csrf=False).status_code == 400
    assert staff.get("/admin/rounds").status_code == 200  # neither of those logged out
    response = staff.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    response = staff.get("/admin/rounds")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Frounds"
    # A copy of the cookie taken before logging out does not bring the session back.
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert replay.get("/admin/rounds").status_code == 302


def test_changing_the_password_ends_the_other_sessions(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    here = logged_in(app, "admin@odense.dk")
    elsewhere = logged_in(app, "admin@odense.dk", remote_addr="198.51.100.4")
    version = user_by_email(app, "admin@odense.dk").session_version
    refused = [
        ({"current": WRONG, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD}, 1),
        ({"current": PASSWORD, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD + "x"}, 1),
        ({"current": PASSWORD, "new": "kort", "repeated": "kort"}, 1),
        ({"current": PASSWORD, "new": "admin@odense.dk", "repeated": "admin@odense.dk"}, 1),
    ]
    for data, count in refused:
        response = here.post("/account/password", data)
        assert response.status_code == 400, data
        assert len(form_errors(response.get_data(as_text=True))) >= count
    assert user_by_email(app, "admin@odense.dk").session_version == version
    response = here.post(
        "/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD}
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    assert user_by_email(app, "admin@odense.dk").session_version == version + 1
    assert here.get("/admin/rounds").status_code == 200
    response = elsewhere.get("/admin/rounds")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert Staff(app).login("admin@odense.dk", PASSWORD).status_code == 401
    assert Staff(app).login("admin@odense.dk", NEW_PASSWORD).status_code == 302
    assert "user.password_changed" in [e.action for e in audit_events(app)]


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return events


def test_disabled_users_cannot_log_in_and_their_sessions_end(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    analyst_id = make_user(app, "analytiker@odense.dk", "analyst", 461)
    admin = logged_in(app, "admin@odense.dk")
    analyst = logged_in(app, "analytiker@odense.dk")
    assert analyst.get("/admin/rounds").status_code == 200

    assert admin.post(f"/admin/users/{analyst_id}/disable").status_code == 302
    response = analyst.get("/admin/rounds")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    refused = Staff(app).login("analytiker@odense.dk")
    assert refused.status_code == 401
    assert form_errors(refused.get_data(as_text=True)) == [LOGIN_FAILED_DA]

    assert admin.post(f"/admin/users/{analyst_id}/enable").status_code == 302
    assert Staff(app).login("analytiker@odense.dk").status_code == 302
    actions = [(e.action, e.object_id, e.municipality_code) for e in audit_events(app)]
    assert ("user.disable", str(analyst_id), 461) in actions
    assert ("user.enable", str(analyst_id), 461) in actions

    # Nobody can lock themselves out.
    own_id = user_by_email(app, "admin@odense.dk").id
    assert admin.post(f"/admin/users/{own_id}/disable").status_code == 302
    assert user_by_email(app, "admin@odense.dk").active is True


def test_next_parameter_never_leaves_the_site(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    for target in ("//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)"):
        response = Staff(app).login("admin@odense.dk", next=target)
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/admin/", (target, response.headers["Location"])
    more = [
        "//evil.example/admin/",
        "https://evil.example/admin/",
        "http:evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "///evil.example",
        "JavaScript:alert(document.cookie)",
        " //evil.example",
        "",
    ]
    assert [safe_next(target) for target in more] == [None] * len(more)
    response = Staff(app).login("admin@odense.dk", next="/admin/questions?x=1")
    assert response.headers["Location"] == "/admin/questions?x=1"
    # The login page the admin is sent to keeps where they were going.
    staff = Staff(app)
    response = staff.get("/admin/audit")
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Faudit"
    response = staff.client.post(
        response.headers["Location"],
        data={"csrf_token": staff.token(), "email": "admin@odense.dk", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/admin/audit"


def test_passwords_are_stored_only_as_scrypt_hashes(app):
    make_user(app, "admin@odense.dk", "admin", 461)
    admin = logged_in(app, "admin@odense.dk")
    page = admin.post("/admin/users", {"email": "ny@odense.dk", "role": "analyst"})
    assert page.status_code == 200
    one_time = page.get_data(as_text=True).split('id="one-time-password"')[1]
    one_time = one_time.split("<code>")[1].split("</code>")[0]
    assert len(one_time) >= 12
    assert Staff(app).login("ny@odense.dk", one_time).headers["Location"] == "/account/password"
    with app.app_context():
        for user in db.session.scalars(select(User)):
            method, _salt, digest = user.password_hash.split("$")
            assert method.startswith("scrypt:") and len(digest) == 128
        everything = []
        for table in db.metadata.sorted_tables:
            everything += [str(row) for row in db.session.execute(table.select())]
    dump = "\n".join(everything)
    assert PASSWORD not in dump and one_time not in dump


def test_session_cookie_is_httponly_and_samesite_lax_and_secure_in_production(
    app, tmp_path, monkeypatch
):
    make_user(app, "admin@odense.dk", "admin", 461)
    response = Staff(app).login("admin@odense.dk")
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie"]
    session_cookie = [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert len(session_cookie) == 1
    assert "HttpOnly" in session_cookie[0] and "SameSite=Lax" in session_cookie[0]
    for name in ("FLASK_DEBUG", "BORGERBLIK_DEMO", "INSECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    production = load_config(
        str(tmp_path),
        {
            "SECRET_KEY": "k" * 32,
            "TOKEN_KEY": "t" * 32,
            "CONTACT_KEY": "c" * 32,
            "PUBLIC_BASE_URL": "https://borgerblik.example",
        },
    )
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_login_page_sends_the_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
