"""`flask municipality link-downloads CODE --allow|--forbid`: an operator's decision."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.cli.common import command_transaction, get_municipality
from survey.settings.municipality import allow_link_downloads


@click.group("municipality", cls=AppGroup, help="Settings an operator decides per municipality.")
def municipality_group():
    pass


@municipality_group.command("link-downloads")
@click.argument("code", type=int)
@click.option("--allow/--forbid", required=True, help="May staff download invitation links?")
@command_transaction
def link_downloads(code: int, allow: bool):
    """Allow (or forbid) staff of a municipality to download invitation links (audited)."""
    municipality = get_municipality(code)
    allow_link_downloads(municipality, allow)
    verb = "may" if allow else "may not"
    click.echo(f"{municipality.name}: staff {verb} download invitation links.")


@municipality_group.command("embed-origins")
@click.argument("code", type=int)
@click.argument("origins", nargs=-1)
@command_transaction
def embed_origins(code: int, origins: tuple[str, ...]):
    """Sites that may embed the public results pages, e.g. https://www.odense.dk (none: no site)."""
    from survey.publishing.service import PublishError, set_embed_origins

    municipality = get_municipality(code)
    try:
        set_embed_origins(municipality, origins)
    except PublishError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{municipality.name}: " + (" ".join(origins) or "no site may embed the pages."))
