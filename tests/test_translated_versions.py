"""Issues 13 and 15: version 2 of the KL questionnaire and the employer survey in nine languages.

The codebook gives every text in all nine languages; a translation keeps the placeholders
and is never the Danish text left as it was; where two versions share a Danish text they
share its translations; every file's scale labels are the one set in questionnaires.scales.
"""

from __future__ import annotations

import json
import re

import pytest

from questionnaires import available_questionnaires, find_questionnaire
from questionnaires.scales import LIKERT5, RECOMMEND0_10, SATISFACTION5, YESNO
from questionnaires.translation import PLACEHOLDER, questionnaire_units

NINE = ["da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti"]
TRANSLATED = NINE[2:]
NEW = [("kl-beskaeftigelse", 2), ("virksomheder", 1)]
SCALES = {
    "agreement5": LIKERT5,
    "yesno": YESNO,
    "satisfaction5": SATISFACTION5,
    "recommend0_10": RECOMMEND0_10,
}
HAS_LETTERS = re.compile(r"[^\W\d_]")
OWN_TRANSLATION = "Borgerblik's authors (own translation, not checked by a professional translator)"


@pytest.mark.parametrize(("key", "version"), [("kl-beskaeftigelse", None), ("virksomheder", None)])
def test_the_codebook_gives_every_text_and_label_in_all_nine_languages(cli, key, version):
    result = cli("questionnaire", "codebook", key, "--json")
    book = json.loads(result.stdout)
    questionnaire = find_questionnaire(key)
    assert book["version"] == questionnaire.version
    if key == "kl-beskaeftigelse":
        assert book["version"] == 2  # the newest version is the default
    assert book["languages"] == NINE
    for language in TRANSLATED:
        assert book["translations"][language] == {
            "status": "draft",
            "translated_by": OWN_TRANSLATION,
        }
    for theme in book["themes"]:
        assert list(theme["title"]) == NINE and all(theme["title"].values()), theme
    assert len(book["items"]) == len(questionnaire.items)
    for entry in book["items"]:
        assert list(entry["text"]) == NINE and all(entry["text"].values()), entry["code"]
        for option in entry["options"]:
            assert list(option["label"]) == NINE and all(option["label"].values()), (
                entry["code"],
                option["value"],
            )


def test_the_codebook_of_version_2_is_the_files_text():
    from survey.cli.questionnaire import codebook

    v2 = find_questionnaire("kl-beskaeftigelse", 2)
    book = codebook(v2)
    by_code = {entry["code"]: entry for entry in book["items"]}
    welcome = by_code["kl.meeting.welcome"]["text"]
    assert welcome["da"] == "Jeg bliver taget godt imod hos {organisation}."
    assert welcome["ar"] == "أشعر بالترحيب في {organisation}."
    satisfaction = by_code["kl.overall.satisfaction"]["options"]
    assert satisfaction[0]["label"]["uk"] == "Дуже задоволений(-а)"


@pytest.mark.parametrize(("key", "version"), NEW)
@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translation_is_the_danish_text_and_every_one_keeps_the_placeholders(
    key, version, language
):
    units = questionnaire_units(find_questionnaire(key, version), language)
    assert len(units) > 40
    for unit in units:
        assert unit.target.strip(), (language, unit.id)
        assert sorted(PLACEHOLDER.findall(unit.target)) == sorted(
            PLACEHOLDER.findall(unit.source)
        ), (language, unit.id, unit.target)
        if HAS_LETTERS.search(PLACEHOLDER.sub("", unit.source)):  # not only numbers
            assert unit.target != unit.source, (language, unit.id)


@pytest.mark.parametrize(("key", "version"), NEW)
def test_english_keeps_the_placeholders_too(key, version):
    for unit in questionnaire_units(find_questionnaire(key, version), "en"):
        assert sorted(PLACEHOLDER.findall(unit.target)) == sorted(
            PLACEHOLDER.findall(unit.source)
        ), unit.id


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_versions_agree_where_their_danish_agrees(language):
    """A Danish text of version 1 asked again in version 2 keeps its translation."""
    earlier = {
        unit.source: unit.target
        for unit in questionnaire_units(find_questionnaire("kl-beskaeftigelse", 1), language)
    }
    shared = [
        unit
        for unit in questionnaire_units(find_questionnaire("kl-beskaeftigelse", 2), language)
        if unit.source in earlier and not unit.id.startswith("scale/")
    ]
    assert len(shared) >= 10
    for unit in shared:
        assert unit.target == earlier[unit.source], (language, unit.id)


def test_every_files_scale_labels_are_the_one_set_of_scale_definitions():
    """By value, in every language the file has: a scale cannot drift in one file."""
    checked = 0
    for questionnaire in available_questionnaires().values():
        for scale in questionnaire.scales:
            definition = dict(SCALES[scale.key])
            for option in scale.options:
                for language in questionnaire.languages:
                    assert option.label[language] == definition[option.value][language], (
                        questionnaire.key,
                        questionnaire.version,
                        scale.key,
                        option.value,
                        language,
                    )
                    checked += 1
    assert checked > 400


def test_the_internship_has_one_term_in_every_language_and_version():
    terms = {
        "en": "work placement",
        "ar": "تدريب",  # with or without the article: (ال)تدريب (ال)عملي
        "fa": "کارآموزی در شرکت",
        "so": "tababar shaqo oo shirkad ah",
        "tr": "yeri staj",
        "uk": "стажуван",
        "pl": "prakty",
        "ti": "ልምምድ ስራሕ",
    }
    v1 = find_questionnaire("kl-beskaeftigelse", 1).item("kl.progress.internship")
    v2 = find_questionnaire("kl-beskaeftigelse", 2).item("kl.progress.internship")
    employer = find_questionnaire("virksomheder", 1).item("employer.recruitment.channels")
    (placement,) = [option for option in employer.options if option.value == 2]
    assert placement.label["da"] == "Virksomhedspraktik"
    for language, term in terms.items():
        for text in (v1.text, v1.help, v2.text, v2.help, placement.label):
            assert text is not None
            assert term in text[language].lower(), (language, text[language])
