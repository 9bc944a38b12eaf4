"""Attacks on the password reset (issue 17): learning which addresses have accounts,
reusing or outliving a link, flooding a mailbox, and reading tokens from the database."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from delivery_servers import MailServer
from sqlalchemy import select, update
from staff import PASSWORD, Staff, text_of

from survey.core.extensions import db
from survey.models import PasswordReset, User
from survey.models.base import utcnow

NEW_PASSWORD = "en helt ny og lang sætning"
LINK = re.compile(r"http://localhost(/password/reset/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail(app, monkeypatch):
    with MailServer() as server:
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        monkeypatch.setitem(app.config, "MAIL_FROM", "borgerblik@kommune.dk")
        yield server


def ask(app, email: str, address: str = "10.0.0.1"):
    browser = Staff(app, remote_addr=address)
    page = browser.client.get("/password/forgot").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.client.post("/password/forgot", data={"csrf_token": token, "email": email})
    response.close()  # the mail goes when the answer is closed, as a WSGI server does
    return response


def mails_to(mail, address: str, count: int = 1) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(mail.to(address)) < count:
        time.sleep(0.05)
    return [message.get_content() for message in mail.to(address)]


def reset_path(mail, address: str) -> str:
    return LINK.search(mails_to(mail, address)[-1]).group(1)


def choose(app, path: str, password: str = NEW_PASSWORD):
    browser = Staff(app)
    page = browser.client.get(path)
    if page.status_code != 200:
        return page
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    return browser.client.post(
        path, data={"csrf_token": token.group(1), "new": password, "repeated": password}
    )


def test_the_answer_is_the_same_for_an_address_without_an_account(app, people, mail):
    known = ask(app, people.odense_admin)
    unknown = ask(app, "ingen@odense.dk")
    assert known.status_code == unknown.status_code == 200
    assert text_of(known.get_data(as_text=True)) == text_of(unknown.get_data(as_text=True))
    assert len(mails_to(mail, people.odense_admin)) == 1
    time.sleep(0.2)
    assert mail.to("ingen@odense.dk") == []


def test_a_link_works_once_and_ends_every_session(app, people, mail, sign_in):
    thief = sign_in(people.odense_admin)
    assert thief.get("/admin/").status_code == 200
    ask(app, people.odense_admin)
    path = reset_path(mail, people.odense_admin)
    assert choose(app, path).headers["Location"] == "/login"
    assert Staff(app).login(people.odense_admin, NEW_PASSWORD).status_code == 302
    assert thief.get("/admin/").status_code == 302  # the old session ended
    again = choose(app, path, "en tredje lang sætning her")
    assert again.status_code == 410
    assert Staff(app).login(people.odense_admin, NEW_PASSWORD).status_code == 302


def test_an_older_link_dies_when_a_newer_one_is_used(app, people, mail):
    ask(app, people.odense_admin)
    first = reset_path(mail, people.odense_admin)
    ask(app, people.odense_admin)
    mails_to(mail, people.odense_admin, 2)
    second = reset_path(mail, people.odense_admin)
    assert first != second
    assert choose(app, second).status_code == 302
    assert choose(app, first).status_code == 410


def test_an_expired_link_is_refused(app, people, mail):
    ask(app, people.odense_admin)
    path = reset_path(mail, people.odense_admin)
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert choose(app, path).status_code == 410
    assert Staff(app).login(people.odense_admin, PASSWORD).status_code == 302


def test_a_disabled_account_gets_no_link(app, people, mail):
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == people.odense_admin).values(active=False)
        )
        db.session.commit()
    ask(app, people.odense_admin)
    time.sleep(0.3)
    assert mail.to(people.odense_admin) == []


def test_only_a_keyed_hash_of_the_token_is_stored(app, people, mail):
    ask(app, people.odense_admin)
    token = reset_path(mail, people.odense_admin).rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(select(PasswordReset.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_requests_are_rate_limited_per_account_and_per_address(app, people, mail):
    # Per account, from many addresses: a mailbox cannot be flooded.
    answers = [ask(app, people.odense_admin, f"10.0.1.{n}").status_code for n in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert len(mails_to(mail, people.odense_admin, 3)) == 3
    # The same limit for an address without an account: a 429 tells nothing.
    unknown = [ask(app, "ingen@odense.dk", f"10.0.2.{n}").status_code for n in range(4)]
    assert unknown == [200, 200, 200, 429]
    # Per address, over many accounts.
    spread = [ask(app, f"x{n}@odense.dk", "10.0.3.1").status_code for n in range(11)]
    assert spread == [200] * 10 + [429]
