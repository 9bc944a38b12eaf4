"""`flask bank translations export|import`: the local question bank for translators."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from questionnaires.exchange import FORMATS
from survey.bank.translations import BankImportError, export_bank, import_bank
from survey.cli.common import cli_transaction, english_command_transaction, get_municipality
from survey.cli.questionnaire import report_import


@click.group("bank", cls=AppGroup, help="The municipalities' local question banks.")
def bank_group():
    pass


@bank_group.group("translations")
def bank_translations():
    """Export a bank's texts for a translator and import the translations."""


@bank_translations.command("export")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.option("--language", required=True, help="Target language code, e.g. ar.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xliff", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def bank_export(municipality_code: int, language: str, fmt: str, output: str):
    """Write the bank's current questions with their Danish source and translations."""
    with cli_transaction(messages_in_english=True):
        get_municipality(municipality_code)
        data = export_bank(municipality_code, language, fmt)
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(f"{output}: local questions of {municipality_code} for translation into {language}")


@bank_translations.command("import")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@english_command_transaction
def bank_import(municipality_code: int, file: str):
    """Check a translated file and store its texts in the bank's current questions."""
    get_municipality(municipality_code)
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        language, checked = import_bank(municipality_code, data)
    except BankImportError as error:
        raise click.ClickException(
            "nothing was imported:\n" + "\n".join(f"  {p}" for p in error.problems)
        ) from None
    report_import(language, checked, f"bank of {municipality_code}")
