"""`flask questionnaire check PATH`, `flask questionnaire codebook KEY --json`, and XLSForm
in and out: `import-xlsform FILE.xlsx --key KEY --output FILE.yaml`, `export-xlsform KEY
--output FILE.xlsx`."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from questionnaires import QuestionnaireError, find_questionnaire, load_questionnaire
from questionnaires.exchange import FORMATS
from questionnaires.model import pick_text
from questionnaires.translation import stale_units
from questionnaires.xlsform import XLSFormError, import_xlsform, write_xlsform
from survey.cli.common import english_command_transaction
from survey.translating.files import (
    TranslationImportError,
    export_questionnaire,
    import_questionnaire,
)


@click.group("questionnaire", cls=AppGroup, help="Check questionnaire files and print codebooks.")
def questionnaire_group():
    pass


@questionnaire_group.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def check(path: str):
    """Validate a questionnaire YAML file against the schema; list stale translations."""
    try:
        questionnaire = load_questionnaire(path)
    except QuestionnaireError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{path}: OK: {questionnaire.key} version {questionnaire.version}, "
        f"{len(questionnaire.pages)} pages, {len(questionnaire.items)} items, "
        f"{len(questionnaire.themes)} themes, {len(questionnaire.scales)} scales"
    )
    # A stale translation still ships (the file is code, reviewed like code), so this is a
    # warning to translate again before the release, not an error that blocks the file.
    for language in questionnaire.languages:
        stale = stale_units(questionnaire, language) if language != "da" else []
        if stale:
            click.echo(
                f"{len(stale)} stale translations in {language} (the Danish text changed since "
                "they were made; export and translate them again):"
            )
            for unit_id in stale:
                click.echo(f"  {unit_id}")


def codebook(questionnaire) -> dict:
    """The codebook of a questionnaire: every item with its options, texts in every language
    the questionnaire has (`text` and `label` are objects keyed by language), and the
    status of each translation (source, draft or reviewed)."""
    languages = list(questionnaire.languages)

    def in_every_language(texts) -> dict[str, str]:
        return {lang: pick_text(texts, lang) for lang in languages}

    return {
        "key": questionnaire.key,
        "version": questionnaire.version,
        "themes": [
            {"key": theme.key, "title": in_every_language(theme.title)}
            for theme in questionnaire.theme_order()
        ],
        "languages": languages,
        "translations": {
            lang: {
                **questionnaire.translations.get(lang, {}),
                "status": questionnaire.translation_status(lang),
            }
            for lang in languages
        },
        "items": [
            {
                "code": item.code,
                "type": item.type,
                "theme": item.theme,
                "scale": scale.key if (scale := item.answer_scale) is not None else None,
                "compare_key": item.compare_key,
                "text": in_every_language(item.text),
                "options": [
                    {"value": option.value, "label": in_every_language(option.label)}
                    for option in item.options
                ],
                # a number item's bounds (None where open); other items have no such keys
                **({"min": item.minimum, "max": item.maximum} if item.type == "number" else {}),
            }
            for item in questionnaire.items
        ],
    }


@questionnaire_group.command("codebook")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Version (default: newest).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--language", default="da", show_default=True, help="Language of the plain list.")
def codebook_command(key: str, version: int | None, as_json: bool, language: str):
    """Print the codebook of a questionnaire (item codes, types, texts and options)."""
    try:
        questionnaire = find_questionnaire(key, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    book = codebook(questionnaire)
    if as_json:
        click.echo(json.dumps(book, ensure_ascii=False))
        return
    for item in book["items"]:
        text = item["text"].get(language) or item["text"]["da"]
        click.echo(f"{item['code']}  [{item['type']}, {item['theme']}]  {text}")
        for option in item["options"]:
            click.echo(
                f"    {option['value']}: {option['label'].get(language) or option['label']['da']}"
            )


# --- translations: files for translators ------------------------------------------------

FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="xliff", show_default=True
)


@questionnaire_group.group("translations")
def translations_group():
    """Export texts for a translator (XLIFF 2.0, CSV, XLSX) and import the translations."""


@translations_group.command("export")
@click.argument("key")
@click.option("--language", required=True, help="Target language code, e.g. ar.")
@FORMAT_OPTION
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--version", type=int, default=None, help="Version (default: newest).")
def translations_export(key: str, language: str, fmt: str, output: str, version: int | None):
    """Write every text of questionnaire KEY with its Danish source and current translation."""
    try:
        data = export_questionnaire(key, language, fmt, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(f"{output}: texts of {key} for translation into {language} ({fmt})")


@translations_group.command("import")
@click.argument("key")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--reviewed-by", default=None, help="The professional translator who reviewed it.")
@click.option("--version", type=int, default=None, help="Version (default: newest).")
@english_command_transaction
def translations_import(key: str, file: str, reviewed_by: str | None, version: int | None):
    """Check a translated file and write its texts into questionnaire KEY's file."""
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        imported = import_questionnaire(key, data, reviewed_by, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    except TranslationImportError as error:
        raise click.ClickException(
            "nothing was imported:\n" + "\n".join(f"  {p}" for p in error.problems)
        ) from None
    report_import(imported.language, imported.checked, imported.path)


def report_import(language: str, checked, where: str) -> None:
    click.echo(f"{where}: {len(checked.accepted)} texts imported in {language}")
    for title, lines in (("stale (not imported)", checked.stale), ("missing", checked.missing)):
        if lines:
            click.echo(f"{len(lines)} {title}:")
            for line in lines:
                click.echo(f"  {line}")


@questionnaire_group.command("import-xlsform")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--key", required=True, help="The questionnaire's key, e.g. virksomheder.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="FILE.yaml")
def import_xlsform_command(path: str, key: str, output: str):
    """Turn an XLSForm workbook into a questionnaire file (checked by the schema)."""
    try:
        text, questionnaire, notes = import_xlsform(path, key)
    except (XLSFormError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    with open(output, "w", encoding="utf-8") as file:
        file.write(text)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{output}: {questionnaire.key} version {questionnaire.version}, "
        f"{len(questionnaire.pages)} pages, {len(questionnaire.items)} items"
    )


@questionnaire_group.command("export-xlsform")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Version (default: newest).")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
def export_xlsform_command(key: str, version: int | None, output: str):
    """Write a questionnaire as an XLSForm workbook (survey, choices, settings, themes)."""
    try:
        questionnaire = find_questionnaire(key, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    write_xlsform(questionnaire).save(output)
    click.echo(f"{output}: {questionnaire.key} version {questionnaire.version}")
