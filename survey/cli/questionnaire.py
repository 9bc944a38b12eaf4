"""`flask questionnaire check PATH` and `flask questionnaire codebook KEY --json`."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from questionnaires import QuestionnaireError, find_questionnaire, load_questionnaire
from questionnaires.model import pick_text


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
        f"{len(questionnaire.pages)} pages, {len(questionnaire.items)} items"
    )


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
                "text": in_every_language(item.text),
                "options": [
                    {"value": option.value, "label": in_every_language(option.label)}
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
