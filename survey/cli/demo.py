"""`flask demo --json`: an Odense round to try the citizen's pages with (idempotent)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from survey.cli.common import command_transaction
from survey.demo.setup import ensure_demo


@click.command("demo")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@command_transaction
def demo_command(as_json: bool):
    """Create (or find) the Odense demo round and print links to try it."""
    result = ensure_demo()
    title = result.pop("title")
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"Demo round {result['round_id']} for Odense ({title}).")
    click.echo(f"Open link (QR poster): {result['open_link']}")
    for link in result["citizen_links"][:3]:
        click.echo(f"Citizen link: {link}")
    for user in result["users"]:
        click.echo(
            f"Staff login ({user['role']}, {user['municipality']}): {user['email']} / {user['password']}"
        )
