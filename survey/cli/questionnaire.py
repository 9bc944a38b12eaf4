"""`flask questionnaire check PATH`, `flask questionnaire codebook KEY --json`, and XLSForm
in and out: `import-xlsform FILE.xlsx --key KEY --output FILE.yaml`, `export-xlsform KEY
--output FILE.xlsx`."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from questionnaires import QuestionnaireError, find_questionnaire, load_questionnaire
from questionnaires.model import pick_text
from questionnaires.xlsform import XLSFormError, import_xlsform, write_xlsform


@click.group("questionnaire", cls=AppGroup, help="Check questionnaire files and print codebooks.")
def questionnaire_group():
    pass


@questionnaire_group.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def check(path: str):
    """Validate a questionnaire YAML file against the schema."""
    try:
        questionnaire = load_questionnaire(path)
    except QuestionnaireError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{path}: OK: {questionnaire.key} version {questionnaire.version}, "
        f"{len(questionnaire.pages)} pages, {len(questionnaire.items)} items, "
        f"{len(questionnaire.themes)} themes, {len(questionnaire.scales)} scales"
    )


def codebook(questionnaire, language: str = "da") -> dict:
    """The codebook of a questionnaire: every item with its options, texts in one language."""
    return {
        "key": questionnaire.key,
        "version": questionnaire.version,
        "themes": [
            {"key": theme.key, "title": pick_text(theme.title, language)}
            for theme in questionnaire.theme_order()
        ],
        "items": [
            {
                "code": item.code,
                "type": item.type,
                "theme": item.theme,
                "scale": scale.key if (scale := item.answer_scale) is not None else None,
                "compare_key": item.compare_key,
                "text": pick_text(item.text, language),
                "options": [
                    {"value": option.value, "label": pick_text(option.label, language)}
                    for option in item.options
                ],
            }
            for item in questionnaire.items
        ],
    }


@questionnaire_group.command("codebook")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Version (default: newest).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--language", default="da", show_default=True)
def codebook_command(key: str, version: int | None, as_json: bool, language: str):
    """Print the codebook of a questionnaire (item codes, types, texts and options)."""
    try:
        questionnaire = find_questionnaire(key, version)
    except (LookupError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    book = codebook(questionnaire, language)
    if as_json:
        click.echo(json.dumps(book, ensure_ascii=False))
        return
    for item in book["items"]:
        click.echo(f"{item['code']}  [{item['type']}, {item['theme']}]  {item['text']}")
        for option in item["options"]:
            click.echo(f"    {option['value']}: {option['label']}")


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
