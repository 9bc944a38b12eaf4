"""`flask outbox work [--once] [--now ISO_DATETIME]`: deliver what is due."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.cli.common import danish_time
from survey.delivery.worker import work


@click.group("outbox", cls=AppGroup, help="Deliver invitations and reminders.")
def outbox_group():
    pass


@outbox_group.command("work")
@click.option("--once", is_flag=True, help="Return when nothing more is due.")
@click.option(
    "--now",
    "now",
    default=None,
    help="Treat this Danish local time (ISO, e.g. 2026-12-01T09:00) as now: tests, catch-up.",
)
def work_command(once: bool, now: str | None):
    """Deliver due messages; the last line is `delivered D, failed F, waiting W`."""
    moment = danish_time(now, "--now") if now is not None else None
    tally = work(now=moment, once=once)
    click.echo(f"delivered {tally.delivered}, failed {tally.failed}, waiting {tally.waiting}")
