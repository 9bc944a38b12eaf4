"""What a round asks: the core questionnaire merged with the municipality's local questions,
or the frozen snapshot once the round has been opened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from questionnaires import Condition, Item, Option, Page, Questionnaire, find_questionnaire
from questionnaires.model import LOCAL_THEME, fill_organisation, fixed_options, pick_text
from survey.core.bounded_cache import BoundedCache
from survey.models import LocalQuestion, Municipality, Round
from survey.models.round import snapshot_digest

PARSED_KEPT = 64  # parsed snapshots kept per process (a few kB each; rounds open at once)
_parsed: BoundedCache[str, Questionnaire] = BoundedCache(PARSED_KEPT)

LOCAL_PAGE_KEY = "local"


def local_question_item(question: LocalQuestion) -> Item:
    """The questionnaire item a local question becomes inside a round."""
    show_if = question.show_if
    return Item(
        code=question.code,
        type=question.type,
        text=dict(question.texts),
        theme=LOCAL_THEME,
        compare_key=question.compare_key,
        options=tuple(Option(int(o["value"]), dict(o["label"])) for o in question.options or ())
        or fixed_options(question.type),
        help=dict(question.help) if question.help else None,
        max_length=question.max_length,
        show_if=Condition(show_if["item"], tuple(show_if["in"])) if show_if else None,
        source="local",
    )


def offerable_languages(
    questionnaire: Questionnaire,
    placed: list[tuple[str, LocalQuestion]],
    languages: list[str],
    drafts_accepted: list[str] | None,
) -> tuple[str, ...]:
    """The round's chosen languages that citizens may be offered.

    A language needs the questionnaire's texts, every local question's text (no citizen
    meets a Danish question in another language) and, when its translation is a draft
    (the questionnaire's, or a local question's: draft or stale), the administrator's
    acceptance.
    """
    accepted = set(drafts_accepted or ())
    drafts = draft_languages(questionnaire, placed)
    offered = [
        lang
        for lang in questionnaire.languages
        if lang in languages
        and (lang == "da" or all(question.texts.get(lang) for _, question in placed))
        and (lang not in drafts or lang in accepted)
    ]
    return tuple(offered) or ("da",)


def draft_languages(
    questionnaire: Questionnaire, placed: list[tuple[str, LocalQuestion]]
) -> set[str]:
    """Languages in which the questionnaire or any placed local question is a draft."""
    return set(questionnaire.draft_languages) | {
        lang
        for _, question in placed
        for lang in question.translated_languages()
        if question.translation_is_draft(lang)
    }


def build_definition(
    questionnaire: Questionnaire,
    placed: list[tuple[str, LocalQuestion]],
    municipality: Municipality,
    languages: list[str],
    drafts_accepted: list[str] | None = None,
) -> Questionnaire:
    """Merge a core questionnaire with local questions placed after a theme or at the end.

    {organisation} is filled here, so the frozen snapshot (and every cache keyed by its
    digest) already holds the municipality's name for its service."""
    questionnaire = fill_organisation(questionnaire, municipality.display_service_name)
    after_theme: dict[str, list[Item]] = {page.theme: [] for page in questionnaire.pages}
    at_end: list[Item] = []
    for placement, question in placed:
        item = local_question_item(question)
        # a placement the questionnaire has no page for (never stored: checked when placed)
        after_theme.get(placement, at_end).append(item)
    # local questions after a theme go on that theme's last page
    last_page = {page.theme: page.key for page in questionnaire.pages}
    pages = [
        replace(page, items=page.items + tuple(after_theme[page.theme]))
        if last_page[page.theme] == page.key
        else page
        for page in questionnaire.pages
    ]
    if at_end:
        name = municipality.name
        pages.append(
            Page(
                key=LOCAL_PAGE_KEY,
                theme=LOCAL_THEME,
                title=local_page_title(name),
                items=tuple(at_end),
            )
        )
    offered = offerable_languages(questionnaire, placed, languages, drafts_accepted)
    # A language offered with a local question's draft is named as a draft in the results.
    translations = {lang: dict(entry) for lang, entry in questionnaire.translations.items()}
    for lang in draft_languages(questionnaire, placed) & set(offered):
        if questionnaire.translation_status(lang) != "draft":
            translations[lang] = {"status": "draft", "translated_by": "local question bank"}
    return replace(questionnaire, pages=tuple(pages), languages=offered, translations=translations)


def local_page_title(name: str) -> dict[str, str]:
    """The title of the page of local questions at the end, in every citizen language."""
    return {
        "da": f"Spørgsmål fra {name} Kommune",
        "en": f"Questions from {name} Municipality",
        "ar": f"أسئلة من بلدية {name}",
        "fa": f"پرسش‌هایی از شهرداری {name}",
        "so": f"Su'aalo ka yimid Degmada {name}",
        "tr": f"{name} Belediyesinden sorular",
        "uk": f"Запитання від муніципалітету {name}",
        "pl": f"Pytania od gminy {name}",
        "ti": f"ሕቶታት ካብ ምምሕዳር {name}",
    }


def round_definition(survey_round: Round) -> Questionnaire:
    """What the round asks: its frozen snapshot once opened, else built from current data."""
    if survey_round.snapshot_digest is not None:
        return _parsed_snapshot(survey_round)
    if survey_round.snapshot is not None:
        return Questionnaire.from_dict(survey_round.snapshot)
    questionnaire = find_questionnaire(
        survey_round.questionnaire_key, survey_round.questionnaire_version
    )
    placed = [(rq.placement, rq.question) for rq in survey_round.local_questions]
    return build_definition(
        questionnaire,
        placed,
        survey_round.municipality,
        survey_round.languages,
        survey_round.draft_languages_accepted,
    )


def parsed_snapshot(digest: str, load: Callable[[], dict | None]) -> Questionnaire:
    """The frozen questions with this snapshot digest, from the cache or parsed from what
    `load` returns (and cached only when the loaded snapshot has that digest)."""
    cached = _parsed.recall(digest)
    if cached is not None:
        return cached
    snapshot = load()
    if snapshot is None:
        raise LookupError(f"no snapshot with the digest {digest}")
    parsed = Questionnaire.from_dict(snapshot)
    if snapshot_digest(snapshot) != digest:
        return parsed
    _parsed.keep(digest, parsed)
    return parsed


def is_cached_definition(digest: str, definition: Questionnaire) -> bool:
    """Whether `definition` is what the cache holds for `digest`: parsed from a snapshot
    that has that digest, so a page made from it may be cached under the digest."""
    return _parsed.get(digest) is definition


def _parsed_snapshot(survey_round: Round) -> Questionnaire:
    """The round's frozen questions, parsed once per process and per snapshot digest.

    Keyed by the digest of the content, not the round's id: a reused id or a changed
    snapshot is another key. What is cached is parsed from a snapshot whose digest was
    checked, so a digest that does not match its snapshot is never cached (parsed every
    time instead). Parsing the 16 kB snapshot on every citizen request cost 11 % of a page.
    """
    digest = survey_round.snapshot_digest
    if digest is None:
        raise LookupError(f"round {survey_round.id} has no snapshot digest")
    return parsed_snapshot(digest, lambda: survey_round.snapshot)


def describe_conditions(definition: Questionnaire, language: str) -> dict[str, tuple[str, str]]:
    """For each conditional item: the text of the item it depends on and the values shown."""
    described = {}
    for item in definition.items:
        if item.show_if is None:
            continue
        target = definition.item(item.show_if.item)
        labels = [
            pick_text(o.label, language) for o in target.options if o.value in item.show_if.values
        ]
        described[item.code] = (pick_text(target.text, language), " / ".join(labels))
    return described
