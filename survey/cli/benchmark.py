"""`flask benchmark import --source KL --period 2025H2 FILE.csv`: published figures."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.cli.common import english_command_transaction, fail_with_problems
from survey.ingest.benchmarks import import_benchmarks
from survey.ingest.importer import ImportError_


@click.group("benchmark", cls=AppGroup, help="Published national or regional figures.")
def benchmark_group():
    pass


@benchmark_group.command("import")
@click.option("--source", required=True, help="Who published the figures, e.g. KL.")
@click.option("--period", required=True, help="The half-year they describe, e.g. 2025H2.")
@click.argument("file", type=click.File("rb"))
@english_command_transaction
def import_command(source: str, period: str, file):
    """Import category;mean;n[;sd] (CSV or XLSX); shown beside the theme means."""
    try:
        count = import_benchmarks(source, period, file.read())
    except ImportError_ as error:
        fail_with_problems(error.problems, f"nothing was imported: {len(error.problems)} problems")
    click.echo(f"{count} figures of {source} {period} imported.")
