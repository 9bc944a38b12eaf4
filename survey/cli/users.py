"""`flask user create`: the first operator, and staff from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from survey.accounts.service import AccountError, confirm_password, create_user
from survey.cli.common import cli_transaction
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
    with cli_transaction():
        try:
            user, password_used = create_user(email, role, municipality_code, password)
        except AccountError as error:
            raise click.ClickException(str(error)) from None
        if password is not None:
            confirm_password(user)
    if password is None:
        click.echo(
            f"Created {role} {user.email}. One-time password (must be changed at first login):"
        )
        click.echo(password_used)
    else:
        click.echo(f"Created {role} {user.email}.")
