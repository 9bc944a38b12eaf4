"""`flask api-token create --municipality CODE --name NAME`, `revoke ID`, `list CODE`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.api_tokens.service import ApiTokenError, create_token, revoke_token, tokens_of
from survey.cli.common import english_command_transaction, get_municipality
from survey.core.extensions import db
from survey.models import ApiToken


@click.group("api-token", cls=AppGroup, help="Tokens for the read-only API (BI tools).")
def api_token_group():
    pass


@api_token_group.command("create")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'Power BI'.")
@english_command_transaction
def create(municipality_code: int, name: str):
    """Create a token; it is printed on the last line, this once (only its hash is kept)."""
    get_municipality(municipality_code)
    try:
        row, token = create_token(municipality_code, name)
    except ApiTokenError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Token {row.id} for {municipality_code} ({row.name}); keep it secret:")
    click.echo(token)


@api_token_group.command("revoke")
@click.argument("token_id", type=int)
@english_command_transaction
def revoke(token_id: int):
    """Revoke a token for good."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token {token_id}.")
    revoke_token(row)
    click.echo(f"Token {token_id} revoked.")


@api_token_group.command("list")
@click.argument("municipality_code", type=int)
@english_command_transaction
def list_tokens(municipality_code: int):
    """A municipality's tokens (never the tokens themselves)."""
    for row in tokens_of(municipality_code):
        state = "active" if row.active else f"revoked {row.revoked_at:%Y-%m-%d}"
        click.echo(f"{row.id}\t{row.name}\t{row.created_at:%Y-%m-%d}\t{state}")
