"""The questionnaire format: the shipped KL file is valid; broken files are refused plainly.

Every refusal must name the file and the line a person has to look at, so each case
below states the line it expects by pointing at the text on that line.
"""

from __future__ import annotations

import re

import pytest

from questionnaires import (
    QUESTIONNAIRE_DIR,
    Questionnaire,
    QuestionnaireError,
    available_questionnaires,
    find_questionnaire,
    load_questionnaire,
)
from questionnaires.loader import parse_questionnaire

CORE_THEMES = {"meeting", "goals", "conversation", "progression", "overall"}

# A small valid questionnaire; the broken variants below each change one thing in it.
VALID = """\
key: mini
version: 1
title: {da: "Mini", en: "Mini"}
languages: [da, en]
themes:
  - {key: meeting, title: {da: "Mødet", en: "Meeting"}}
  - {key: overall, title: {da: "Alt i alt", en: "Overall"}}
pages:
  - key: meeting
    theme: meeting
    title: {da: "Mødet", en: "Meeting"}
    items:
      - code: mini.first
        type: yesno
        text: {da: "Første?", en: "First?"}
      - code: mini.second
        type: likert5
        text: {da: "Anden", en: "Second"}
        show_if: {item: mini.first, equals: 1}
  - key: overall
    theme: overall
    title: {da: "Alt i alt", en: "Overall"}
    items:
      - code: mini.pick
        type: single
        text: {da: "Vælg", en: "Pick"}
        options:
          - {value: 1, label: {da: "En", en: "One"}}
          - {value: 2, label: {da: "To", en: "Two"}}
      - code: mini.comment
        type: text
        max_length: 200
        text: {da: "Kommentar", en: "Comment"}
"""


def line_of(text: str, marker: str | tuple[str, int]) -> int:
    """The 1-based line that holds `marker`, which must occur exactly once.

    A (marker, n) pair means the n-th line holding it, for duplicates.
    """
    marker, nth = marker if isinstance(marker, tuple) else (marker, None)
    hits = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    if nth is not None:
        return hits[nth - 1]
    assert len(hits) == 1, f"marker {marker!r} found on lines {hits}"
    return hits[0]


def changed(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def refusal(text: str, filename: str = "mini.yaml") -> tuple[int, str]:
    """Parse text that must be refused; return (line, message) from 'file:line: message'."""
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(text, filename)
    match = re.fullmatch(rf"{re.escape(filename)}:(\d+): (.+)", str(caught.value), re.S)
    assert match, f"not 'file:line: message': {caught.value}"
    return int(match.group(1)), match.group(2)


# --- the shipped KL questionnaire -------------------------------------------------------


@pytest.fixture(scope="module")
def kl() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_DIR / "kl-beskaeftigelse.yaml")


def test_valid_sample_loads():
    questionnaire = parse_questionnaire(VALID, "mini.yaml")
    assert [page.key for page in questionnaire.pages] == ["meeting", "overall"]
    second = questionnaire.item("mini.second")
    assert second.show_if is not None and second.show_if.values == (1,)
    assert questionnaire.item("mini.comment").max_length == 200
    assert [o.value for o in questionnaire.item("mini.pick").options] == [1, 2]


NINE = ("da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti")


def test_kl_file_validates_with_key_version_and_all_nine_languages(kl):
    assert kl.key == "kl-beskaeftigelse"
    assert kl.version == 1
    assert kl.languages == NINE
    assert find_questionnaire("kl-beskaeftigelse", 1) == kl
    for page in kl.pages:
        assert all(page.title[lang].strip() for lang in NINE), page.key
        assert all(page.intro[lang].strip() for lang in NINE), page.key
    for item in kl.items:
        assert all(item.text[lang].strip() for lang in NINE), item.code
        assert all(lang in item.help for lang in NINE) if item.help else True, item.code
        for option in item.options:
            assert set(option.label) >= set(NINE), (item.code, option.value)
        assert item.compare_key, item.code
        # No translation is the Danish text copied over (a forgotten translation).
        for lang in NINE[1:]:
            assert item.text[lang] != item.text["da"], (item.code, lang)


def test_kl_translation_status_is_honest(kl):
    """Danish is the source, English was reviewed by someone named; our own translations
    are drafts until a professional translator has reviewed them."""
    assert kl.translation_status("da") == "source"
    assert kl.translation_status("en") == "reviewed"
    assert kl.translations["en"]["reviewed_by"] and kl.translations["en"]["reviewed_on"]
    assert kl.draft_languages == ("ar", "fa", "so", "tr", "uk", "pl", "ti")


def test_kl_has_at_least_12_likert_items_covering_all_five_themes(kl):
    likert = [item for item in kl.items if item.type == "likert5"]
    assert len(likert) >= 12
    assert {item.theme for item in likert} == CORE_THEMES
    assert {page.theme for page in kl.pages} == CORE_THEMES
    # One theme at a time: every page keeps to its own theme.
    for page in kl.pages:
        assert {item.theme for item in page.items} == {page.theme}


def test_kl_likert_scale_is_1_to_5_plus_ved_ikke(kl):
    for item in kl.items:
        if item.type != "likert5":
            continue
        labels = {option.value: option.label["da"] for option in item.options}
        assert labels == {
            1: "Helt uenig",
            2: "Delvist uenig",
            3: "Hverken enig eller uenig",
            4: "Delvist enig",
            5: "Helt enig",
            0: "Ved ikke",
        }


def test_kl_asks_about_company_internship_with_yes_no(kl):
    internship = kl.item("kl.progress.internship")
    assert internship.type == "yesno"
    assert "virksomhedspraktik" in internship.text["da"].lower()
    assert [(o.value, o.label["da"]) for o in internship.options] == [(1, "Ja"), (2, "Nej")]
    # The local add-ons are not part of the core file: they come from Odense's bank.
    assert all(item.code.startswith("kl.") for item in kl.items)


def test_kl_codes_are_unique_and_text_items_have_a_limit(kl):
    codes = [item.code for item in kl.items]
    assert len(codes) == len(set(codes))
    for item in kl.items:
        if item.type == "text":
            assert item.max_length and item.max_length <= 5000
        else:
            assert item.max_length is None


def test_snapshot_round_trip_keeps_everything(kl):
    assert Questionnaire.from_dict(kl.to_dict()) == kl
    mini = parse_questionnaire(VALID, "mini.yaml")
    assert Questionnaire.from_dict(mini.to_dict()) == mini


# A file with its own scales: satisfaction for the overall item, 0-10 as a scale item.
SCALED = changed(
    "pages:\n",
    """scales:
  - key: satisfaction5
    mean: true
    values:
      - {value: 5, label: {da: "Meget tilfreds", en: "Very satisfied"}, positive: true}
      - {value: 4, label: {da: "Tilfreds", en: "Satisfied"}, positive: true}
      - {value: 3, label: {da: "Hverken eller", en: "Neither"}}
      - {value: 2, label: {da: "Utilfreds", en: "Dissatisfied"}}
      - {value: 1, label: {da: "Meget utilfreds", en: "Very dissatisfied"}}
      - {value: 0, label: {da: "Ved ikke", en: "Don't know"}, valid: false}
  - key: zero_ten
    mean: true
    values:
      - {value: 10, label: {da: "10", en: "10"}, positive: true}
      - {value: 9, label: {da: "9", en: "9"}, positive: true}
      - {value: 5, label: {da: "5", en: "5"}}
      - {value: 0, label: {da: "0", en: "0"}}
pages:
""",
).replace(
    """      - code: mini.comment""",
    """      - code: mini.happy
        type: likert5
        scale: satisfaction5
        text: {da: "Tilfreds?", en: "Satisfied?"}
      - code: mini.recommend
        type: scale
        scale: zero_ten
        text: {da: "Anbefale?", en: "Recommend?"}
      - code: mini.comment""",
)


def test_themes_and_scales_come_from_the_file_in_file_order():
    questionnaire = parse_questionnaire(SCALED, "mini.yaml")
    assert [(t.key, t.title["da"]) for t in questionnaire.themes] == [
        ("meeting", "Mødet"),
        ("overall", "Alt i alt"),
    ]
    happy = questionnaire.item("mini.happy")
    assert happy.answer_scale is not None and happy.answer_scale.key == "satisfaction5"
    assert [o.label["da"] for o in happy.options][:2] == ["Meget tilfreds", "Tilfreds"]
    assert happy.answer_scale.positive == (4, 5) and happy.answer_scale.not_valid == (0,)
    recommend = questionnaire.item("mini.recommend")
    assert recommend.answer_scale is not None and recommend.answer_scale.valid == (0, 5, 9, 10)
    assert recommend.answer_scale.positive == (9, 10) and recommend.answer_scale.mean
    # a likert5 item without a scale keeps the fixed agreement scale
    second = questionnaire.item("mini.second")
    assert second.answer_scale is not None and second.answer_scale.key == "agreement5"
    assert Questionnaire.from_dict(questionnaire.to_dict()) == questionnaire
    assert questionnaire.headline is None
    headlined = parse_questionnaire(
        changed("themes:\n", "headline: mini.happy\nthemes:\n", SCALED), "mini.yaml"
    )
    assert headlined.headline == "mini.happy"
    assert Questionnaire.from_dict(headlined.to_dict()) == headlined
    shipped = {(q.key, q.version): q.headline for q in available_questionnaires().values()}
    assert shipped == {
        ("kl-beskaeftigelse", 1): "kl.overall.satisfied",
        ("kl-beskaeftigelse", 2): "kl.overall.satisfaction",
        ("virksomheder", 1): "employer.overall.satisfaction",
    }


SCALE_BROKEN = {
    "page theme not declared": (
        changed("    theme: overall\n", "    theme: results\n", SCALED),
        "theme: results",
        ["theme 'results'", "the file's themes are meeting, overall"],
    ),
    "theme declared twice": (
        changed(
            '  - {key: overall, title: {da: "Alt i alt", en: "Overall"}}',
            '  - {key: meeting, title: {da: "Alt i alt", en: "Overall"}}',
            SCALED,
        ),
        ('{key: meeting, title: {da: "Alt i alt"', 1),
        ["the theme 'meeting' is declared twice"],
    ),
    "theme called local": (
        changed("  - {key: overall, title", "  - {key: local, title", SCALED),
        "{key: local, title",
        ["not 'local'"],
    ),
    "theme without a Danish title": (
        changed(
            '{key: overall, title: {da: "Alt i alt", en: "Overall"}}',
            '{key: overall, title: {en: "Overall"}}',
            SCALED,
        ),
        '{key: overall, title: {en: "Overall"}}',
        ["theme 'overall'", "no text in 'da'"],
    ),
    "scale without a positive value": (
        changed(
            '{value: 10, label: {da: "10", en: "10"}, positive: true}',
            '{value: 10, label: {da: "10", en: "10"}}',
            changed(
                '{value: 9, label: {da: "9", en: "9"}, positive: true}',
                '{value: 9, label: {da: "9", en: "9"}}',
                SCALED,
            ),
        ),
        ("    values:", 2),
        ["scale 'zero_ten'", "positive: true"],
    ),
    "value not valid and positive": (
        changed(
            '{value: 0, label: {da: "Ved ikke", en: "Don\'t know"}, valid: false}',
            '{value: 0, label: {da: "Ved ikke", en: "Don\'t know"}, valid: false, positive: true}',
            SCALED,
        ),
        "valid: false, positive: true",
        ["cannot count as positive"],
    ),
    "scale value twice": (
        changed(
            '{value: 5, label: {da: "5", en: "5"}}', '{value: 9, label: {da: "5", en: "5"}}', SCALED
        ),
        '{value: 9, label: {da: "5"',
        ["the value 9 is used twice"],
    ),
    "item names an undeclared scale": (
        changed("        scale: zero_ten\n", "        scale: one_to_seven\n", SCALED),
        "scale: one_to_seven",
        ["the scale 'one_to_seven', which is not declared"],
    ),
    "scale item without a scale": (
        changed("        type: scale\n        scale: zero_ten\n", "        type: scale\n", SCALED),
        "type: scale",
        ["needs 'scale: KEY'"],
    ),
    "likert5 item on a 0-10 scale": (
        changed("        scale: satisfaction5\n", "        scale: zero_ten\n", SCALED),
        ("scale: zero_ten", 1),
        ["a likert5 item needs a scale with the values of likert5"],
    ),
    "compare key shared by items on different scales": (
        changed(
            '        text: {da: "Anbefale?", en: "Recommend?"}\n',
            '        text: {da: "Anbefale?", en: "Recommend?"}\n        compare_key: mini.happy\n',
            SCALED,
        ),
        "compare_key: mini.happy",
        ["shares the compare key 'mini.happy' with 'mini.happy'", "another scale"],
    ),
    "headline that is not a scale item": (
        changed("themes:\n", "headline: mini.pick\nthemes:\n", SCALED),
        "headline: mini.pick",
        ["headline must name a scale item"],
    ),
    "unknown placeholder": (
        changed(
            'text: {da: "Tilfreds?", en: "Satisfied?"}',
            'text: {da: "Tilfreds med {kommune}?", en: "Satisfied?"}',
            SCALED,
        ),
        "Tilfreds med {kommune}",
        ["'{kommune}'", "{organisation}"],
    ),
    "background on a scale item": (
        changed(
            "        scale: zero_ten\n",
            "        scale: zero_ten\n        background: {variable: benefit_group, codes: {9: x}}\n",
            SCALED,
        ),
        "background: {variable",
        ["background is for single choice items"],
    ),
    "background code for a value that is no option": (
        changed(
            '          - {value: 2, label: {da: "To", en: "Two"}}\n',
            '          - {value: 2, label: {da: "To", en: "Two"}}\n'
            "        background: {variable: benefit_group, codes: {3: dagpenge}}\n",
            SCALED,
        ),
        "background: {variable",
        ["background code for 3, which is not an option"],
    ),
}


@pytest.mark.parametrize("case", sorted(SCALE_BROKEN))
def test_broken_themes_and_scales_are_refused_with_file_line_and_plain_message(case):
    text, where, fragments = SCALE_BROKEN[case]
    line, message = refusal(text)
    assert line == line_of(text, where), message
    for fragment in fragments:
        assert fragment in message, message


def test_a_compare_key_shared_across_files_on_another_scale_is_refused():
    from questionnaires.loader import check_shared_compare_keys

    first = parse_questionnaire(SCALED, "first.yaml")
    second = parse_questionnaire(
        SCALED.replace("key: mini\n", "key: other\n", 1).replace(
            "        scale: satisfaction5\n", ""
        ),
        "second.yaml",
    )
    check_shared_compare_keys([first, first])  # the same scale: fine
    # a later version that keeps a compare key must keep its wording too
    reworded = parse_questionnaire(
        SCALED.replace("version: 1\n", "version: 2\n", 1).replace("Tilfreds?", "Glad?"),
        "v2.yaml",
    )
    with pytest.raises(QuestionnaireError) as caught:
        check_shared_compare_keys([first, reworded])
    assert "v2.yaml:1: item 'mini.happy' keeps the compare key 'mini.happy' of version 1" in str(
        caught.value
    )
    with pytest.raises(QuestionnaireError) as caught:
        check_shared_compare_keys([first, second])
    assert "second.yaml:1: item 'mini.happy' shares the compare key 'mini.happy'" in str(
        caught.value
    )
    # the shipped files agree with one another
    from questionnaires import available_questionnaires

    check_shared_compare_keys(list(available_questionnaires().values()))


# --- broken files -----------------------------------------------------------------------

BROKEN = {
    "unknown item key": (
        changed("        type: likert5\n", "        type: likert5\n        colour: red\n"),
        "colour: red",
        ["unknown key 'colour'"],
    ),
    "unknown top-level key": (
        changed("version: 1\n", "version: 1\nauthor: KL\n"),
        "author: KL",
        ["unknown key 'author'"],
    ),
    "unknown page key": (
        changed("    theme: overall\n", "    theme: overall\n    colour: blue\n"),
        "colour: blue",
        ["unknown key 'colour'"],
    ),
    "missing Danish text on an item": (
        changed('text: {da: "Anden", en: "Second"}', 'text: {en: "Second"}'),
        'text: {en: "Second"}',
        ["mini.second", "no text in 'da'"],
    ),
    "blank Danish text on an item": (
        changed('text: {da: "Anden", en: "Second"}', 'text: {da: "  ", en: "Second"}'),
        'text: {da: "  "',
        ["mini.second", "no text in 'da'"],
    ),
    "missing Danish option label": (
        changed('{value: 2, label: {da: "To", en: "Two"}}', '{value: 2, label: {en: "Two"}}'),
        'label: {en: "Two"}',
        ["no text in 'da'"],
    ),
    "languages without Danish": (
        changed("languages: [da, en]", "languages: [en]"),
        "languages: [en]",
        ["Danish"],
    ),
    "duplicate item code": (
        changed("      - code: mini.pick", "      - code: mini.first"),
        ("- code: mini.first", 2),
        ["'mini.first'", "used twice"],
    ),
    "bad type": (
        changed("        type: likert5", "        type: likert7"),
        "type: likert7",
        ["likert7", "likert5", "yesno", "single", "multi", "text"],
    ),
    "show_if to a later item": (
        changed("{item: mini.first, equals: 1}", "{item: mini.pick, equals: 1}"),
        "item: mini.pick",
        ["mini.second", "'mini.pick'", "not an earlier item"],
    ),
    "show_if to an unknown item": (
        changed("{item: mini.first, equals: 1}", "{item: mini.nowhere, equals: 1}"),
        "item: mini.nowhere",
        ["'mini.nowhere'", "not an earlier item"],
    ),
    "show_if to itself": (
        changed("{item: mini.first, equals: 1}", "{item: mini.second, equals: 1}"),
        "item: mini.second",
        ["not an earlier item"],
    ),
    "show_if with a value that is not an option": (
        changed("{item: mini.first, equals: 1}", "{item: mini.first, equals: 3}"),
        "equals: 3",
        ["show_if value 3", "not an option of 'mini.first'"],
    ),
    "show_if with a list holding a bad value": (
        changed("{item: mini.first, equals: 1}", "{item: mini.first, in: [1, 7]}"),
        "in: [1, 7]",
        ["show_if value 7"],
    ),
    "show_if with both equals and in": (
        changed("{item: mini.first, equals: 1}", "{item: mini.first, equals: 1, in: [1]}"),
        "in: [1]}",
        ["exactly one of 'equals' or 'in'"],
    ),
    "text item without max_length": (
        changed("        max_length: 200\n", ""),
        "- code: mini.comment",
        ["mini.comment", "text item", "max_length"],
    ),
    "text item with a huge max_length": (
        changed("max_length: 200", "max_length: 100000"),
        "max_length: 100000",
        ["max_length between 1 and 5000"],
    ),
    "max_length on a choice item": (
        changed("        type: yesno\n", "        type: yesno\n        max_length: 10\n"),
        "max_length: 10",
        ["max_length is only for text items"],
    ),
    "fixed options given for likert5": (
        changed(
            "        type: likert5\n",
            "        type: likert5\n        options: [{value: 1, label: {da: a, en: a}}]\n",
        ),
        "options: [{value: 1",
        ["fixed options"],
    ),
    "single item with one option": (
        changed('          - {value: 2, label: {da: "To", en: "Two"}}\n', ""),
        "        options:",
        ["at least two options"],
    ),
    "duplicate option value": (
        changed('{value: 2, label: {da: "To"', '{value: 1, label: {da: "To"'),
        '{value: 1, label: {da: "To"',
        ["option value 1 is used twice"],
    ),
    "unknown theme": (
        changed("    theme: overall", "    theme: happiness"),
        "theme: happiness",
        ["happiness"],
    ),
    "bad item code": (
        changed("- code: mini.pick", "- code: Mini Pick!"),
        "- code: Mini Pick!",
        ["item code must be lowercase"],
    ),
    "missing required key": (
        changed("version: 1\n", ""),
        "key: mini",
        ["lacks the required key 'version'"],
    ),
    "duplicate key in an item": (
        changed(
            '        text: {da: "Første?", en: "First?"}\n',
            '        text: {da: "Første?", en: "First?"}\n        type: likert5x\n',
        ),
        "type: likert5x",
        ["'type' appears twice"],
    ),
    "duplicate top-level key": (
        VALID + "version: 2\n",
        "version: 2",
        ["'version' appears twice"],
    ),
    "duplicate page key": (
        changed("  - key: overall", "  - key: meeting"),
        ("- key: meeting", 2),
        ["page key 'meeting' is used twice"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_is_refused_with_file_line_and_plain_message(case):
    text, where, fragments = BROKEN[case]
    line, message = refusal(text)
    assert line == line_of(text, where), message
    for fragment in fragments:
        assert fragment in message
    assert "Traceback" not in message and "LineDict" not in message


@pytest.mark.parametrize(
    ("broken", "marker"),
    [
        # A tab where indentation belongs.
        (changed("        type: likert5", "\ttype: likert5"), "\ttype: likert5"),
        # A line indented too far.
        (changed("        type: likert5", "          type: likert5"), "          type: likert5"),
        # A colon with no space inside a block mapping value.
        (changed("    theme: meeting", "    theme: meeting: x"), "theme: meeting: x"),
    ],
    ids=["tab", "indentation", "stray colon"],
)
def test_yaml_syntax_error_names_the_line(broken, marker):
    line, message = refusal(broken)
    assert line == line_of(broken, marker)
    assert message.startswith("this is not valid YAML")


def test_unclosed_quote_points_at_the_line_where_the_quote_opens():
    broken = changed('text: {da: "Anden", en: "Second"}', 'text: {da: "Anden, en: Second}')
    line, message = refusal(broken)
    assert line == line_of(broken, '"Anden, en: Second}')
    assert message.startswith("this is not valid YAML")


def test_unclosed_bracket_points_at_the_line_where_it_opens():
    broken = changed("languages: [da, en]", "languages: [da, en")
    line, message = refusal(broken)
    assert line == line_of(broken, "languages: [da, en")
    assert message.startswith("this is not valid YAML")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file_is_refused(text):
    assert refusal(text) == (1, "the file is empty")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_file_that_is_not_a_mapping_is_refused(text):
    line, message = refusal(text)
    assert line == 1
    assert "must be a mapping" in message


def test_refusal_from_a_file_names_the_file(tmp_path):
    path = tmp_path / "odense-lokal.yaml"
    broken = changed("        type: likert5", "        type: likert7")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert str(caught.value).startswith(f"{path}:{line_of(broken, 'likert7')}: ")


def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.encode("latin-1"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert str(caught.value) == f"{path}:1: the file is not UTF-8 text"


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert str(caught.value).startswith(f"{path}: cannot be read")


def test_yaml_tags_cannot_run_code():
    text = VALID + "evil: !!python/object/apply:os.system ['true']\n"
    line, message = refusal(text)
    assert line == line_of(text, "evil:")
    assert message.startswith("this is not valid YAML")
