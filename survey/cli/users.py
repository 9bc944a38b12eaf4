"""`flask user create`: the first operator, and staff from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from survey import audit
from survey.auth.service import AccountError, create_user
from survey.extensions import db
from survey.models import ROLES


@click.group("user", cls=AppGroup, help="Manage staff users.")
def user_group():
    pass


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--municipality", "municipality_code", type=int, default=None, help="Code, e.g. 461.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
def create(email: str, role: str, municipality_code: int | None, password_stdin: bool):
    """Create a user; prints a one-time password unless one is read from stdin."""
    password = None
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n") or None
        if password is None and password_stdin:
            raise click.ClickException("no password on standard input")
    try:
        user, password_used = create_user(email, role, municipality_code, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    audit.record("user.create", user, actor="cli", details={"email": user.email, "role": role})
    db.session.commit()
    if password is None:
        click.echo(
            f"Created {role} {user.email}. One-time password (must be changed at first login):"
        )
        click.echo(password_used)
    else:
        user.must_change_password = False
        db.session.commit()
        click.echo(f"Created {role} {user.email}.")
