"""XLSForm in and out: workbooks built the way KoboToolbox, ODK and hand-made forms build
them are read (or refused with sheet, row and column); export and import again give the
same codebook, through the real command line."""

from __future__ import annotations

import json

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from questionnaires import available_questionnaires, find_questionnaire, load_questionnaire
from questionnaires.xlsform import XLSFormError, import_xlsform


def workbook(survey: list[list], choices: list[list] | None = None, settings=None) -> Workbook:
    """A workbook as other tools write it: sheets named survey/choices/settings, first row
    the column names, one row per question or choice."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        for row in choices:
            sheet.append(row)
    if settings is not None:
        sheet = book.create_sheet("settings")
        for row in settings:
            sheet.append(row)
    return book


def saved(book: Workbook, tmp_path, name: str = "form.xlsx"):
    path = tmp_path / name
    book.save(path)
    return path


# A KoboToolbox export: label::Language (code) columns, $kuid/$autoname, media::image
# (empty), start/end metadata, begin_group/end_group, select_one LIST, list_name.
KOBO_SURVEY = [
    [
        "type",
        "name",
        "label::Dansk (da)",
        "label::English (en)",
        "hint::Dansk (da)",
        "hint::English (en)",
        "required",
        "relevant",
        "media::image",
        "appearance",
        "$kuid",
        "$autoname",
    ],
    ["start", "start", None, None, None, None, None, None, None, None, "a1", "start"],
    ["end", "end", None, None, None, None, None, None, None, None, "a2", "end"],
    ["begin_group", "contact", "Kontakt", "Contact", None, None, None, None, None, None, "a3", ""],
    [
        "note",
        "contact_intro",
        "Om din kontakt",
        "About your contact",
        None,
        None,
        None,
        None,
        None,
        None,
        "a4",
        "",
    ],
    [
        "select_one yes_no",
        "visited",
        "Har du været her?",
        "Have you been here?",
        "Tænk på i år",
        "Think of this year",
        "true",
        None,
        None,
        "horizontal",
        "a5",
        "visited",
    ],
    [
        "select_multiple ways",
        "ways",
        "Hvordan?",
        "How?",
        None,
        None,
        "false",
        "${visited} = 'yes'",
        None,
        None,
        "a6",
        "ways",
    ],
    ["end_group", None, None, None, None, None, None, None, None, None, "a7", ""],
    ["begin_group", "more", "Mere", "More", None, None, None, None, None, None, "a8", ""],
    [
        "text",
        "why",
        "Hvorfor?",
        "Why?",
        None,
        None,
        None,
        "selected(${ways}, 'phone')",
        None,
        None,
        "a9",
        "why",
    ],
    [
        "integer",
        "times",
        "Hvor mange gange?",
        "How many times?",
        None,
        None,
        None,
        None,
        None,
        None,
        "a10",
        "times",
    ],
    ["end_group", None, None, None, None, None, None, None, None, None, "a11", ""],
]
KOBO_CHOICES = [
    ["list_name", "name", "label::Dansk (da)", "label::English (en)", "$kuid"],
    ["yes_no", "yes", "Ja", "Yes", "c1"],
    ["yes_no", "no", "Nej", "No", "c2"],
    ["ways", "phone", "Telefon", "Phone", "c3"],
    ["ways", "visit", "Besøg", "Visit", "c4"],
    ["ways", "mail", "Digital Post", "Digital mail", "c5"],
]
KOBO_SETTINGS = [["form_title", "version", "default_language"], ["Kontakt", "3", "Dansk (da)"]]


def test_a_kobo_workbook_becomes_a_questionnaire(tmp_path):
    path = saved(workbook(KOBO_SURVEY, KOBO_CHOICES, KOBO_SETTINGS), tmp_path)
    text, questionnaire, notes = import_xlsform(path, "kontakt")
    assert questionnaire.key == "kontakt" and questionnaire.version == 3
    assert questionnaire.languages == ("da", "en")
    assert [page.key for page in questionnaire.pages] == ["contact", "more"]
    assert questionnaire.pages[0].intro == {"da": "Om din kontakt", "en": "About your contact"}
    assert [(t.key, t.title["da"]) for t in questionnaire.themes] == [
        ("contact", "Kontakt"),
        ("more", "Mere"),
    ]
    visited = questionnaire.item("visited")
    assert visited.type == "single" and visited.required
    assert [(o.value, o.label["en"]) for o in visited.options] == [(1, "Yes"), (2, "No")]
    assert visited.help == {"da": "Tænk på i år", "en": "Think of this year"}
    ways = questionnaire.item("ways")
    assert ways.type == "multi" and not ways.required
    assert ways.show_if is not None and (ways.show_if.item, ways.show_if.values) == (
        "visited",
        (1,),
    )
    why = questionnaire.item("why")
    assert why.type == "text" and why.max_length == 1000
    assert why.show_if is not None and (why.show_if.item, why.show_if.values) == ("ways", (1,))
    times = questionnaire.item("times")
    assert times.type == "number" and times.minimum is None and times.maximum is None
    assert any("start" in note for note in notes)
    # The YAML written is a questionnaire file the schema accepts on its own.
    (tmp_path / "kontakt.yaml").write_text(text, encoding="utf-8")
    assert load_questionnaire(tmp_path / "kontakt.yaml") == questionnaire


# An ODK/pyxform-style hand-made form: plain `label` (the default language) beside
# `label:english`, `select one from LIST`, `begin group`/`end group` with spaces,
# `list name` with a space, an `image` column (empty), no settings sheet.
ODK_SURVEY = [
    ["type", "name", "label", "label:english", "hint", "hint:english", "required", "image"],
    ["begin group", "g1", "Første side", "First page", None, None, None, None],
    ["select one from yes_no", "q1", "Fik du hjælp?", "Did you get help?", None, None, "yes", None],
    ["select all that apply from help", "q2", "Hvilken?", "Which?", None, None, None, None],
    ["end group", None, None, None, None, None, None, None],
    ["text", "q3", "Andet?", "Anything else?", "Ingen navne", "No names", None, None],
]
ODK_CHOICES = [
    ["list name", "name", "label", "label:english", "image"],
    ["yes_no", "1", "Ja", "Yes", None],
    ["yes_no", "2", "Nej", "No", None],
    ["help", "7", "Penge", "Money", None],
    ["help", "9", "Råd", "Advice", None],
]


def test_an_odk_style_workbook_with_other_spellings_is_read(tmp_path):
    path = saved(workbook(ODK_SURVEY, ODK_CHOICES), tmp_path)
    _, questionnaire, _ = import_xlsform(path, "odk")
    assert questionnaire.languages == ("da", "en")
    q1, q2 = questionnaire.pages[0].items
    assert (q1.type, q1.required, [o.value for o in q1.options]) == ("single", True, [1, 2])
    assert (q2.type, [(o.value, o.label["en"]) for o in q2.options]) == (
        "multi",
        [(7, "Money"), (9, "Advice")],
    )
    # a question outside any group gets a page of its own
    assert [page.key for page in questionnaire.pages] == ["g1", "page_2"]
    assert questionnaire.item("q3").help == {"da": "Ingen navne", "en": "No names"}
    assert questionnaire.title["da"] == "odk"


def test_or_joined_conditions_on_one_question_become_in(tmp_path):
    survey = [row[:] for row in ODK_SURVEY]
    survey.insert(4, ["text", "q4", "Hvorfor?", "Why?", None, None, None, None])
    survey[0] = [*survey[0], "relevant"]
    for row in survey[1:]:
        row.append(None)
    survey[4][-1] = "selected(${q2}, '7') or selected(${q2}, '9')"
    _, questionnaire, _ = import_xlsform(saved(workbook(survey, ODK_CHOICES), tmp_path), "odk")
    condition = questionnaire.item("q4").show_if
    assert condition is not None and condition.values == (7, 9)


def refusal(tmp_path, survey, choices=KOBO_CHOICES, settings=None) -> str:
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(saved(workbook(survey, choices, settings), tmp_path), "refused")
    return str(caught.value)


def with_row(row: list, at: int = 6) -> list[list]:
    """KOBO_SURVEY with `row` inserted as spreadsheet row `at` (inside the first group)."""
    survey = [list(r) for r in KOBO_SURVEY]
    survey.insert(at - 1, row + [None] * (len(survey[0]) - len(row)))
    return survey


def with_cell(row_number: int, column: str, value) -> list[list]:
    survey = [list(r) for r in KOBO_SURVEY]
    survey[row_number - 1][survey[0].index(column)] = value
    return survey


@pytest.mark.parametrize(
    ("survey", "where", "words"),
    [
        (with_row(["calculate", "total", None, None]), "row 6, column A (type)", "calculation"),
        (with_row(["begin_repeat", "kids", "Børn", "Kids"]), "row 6, column A (type)", "repeat"),
        (with_row(["geopoint", "where", "Hvor?", "Where?"]), "row 6, column A (type)", "geopoint"),
        (
            with_row(["phone number", "tel", "Telefon", "Phone"]),
            "row 6, column A (type)",
            "phone number",
        ),
        (
            with_row(["select_one yes_no or_other", "o", "Andet", "Other"]),
            "row 6, column A (type)",
            "or specify other",
        ),
        (
            with_row(["select one yes_no or specify other", "o", "Andet", "Other"]),
            "row 6, column A (type)",
            "or specify other",
        ),
        (
            with_row(["deviceid", "deviceid", None, None]),
            "row 6, column A (type)",
            "anonymous",
        ),
        (
            with_cell(7, "relevant", "${visited} != 'yes'"),
            "row 7, column H (relevant)",
            "cannot be represented",
        ),
        (
            with_cell(7, "relevant", "${visited} = 'yes' and ${visited} = 'no'"),
            "row 7, column H (relevant)",
            "cannot be represented",
        ),
        (
            with_cell(7, "relevant", "${nothing} = 'yes'"),
            "row 7, column H (relevant)",
            "not an earlier question",
        ),
        (
            with_cell(7, "relevant", "${visited} = 'maybe'"),
            "row 7, column H (relevant)",
            "not a choice",
        ),
        (with_cell(6, "media::image", "logo.png"), "row 6, column I (media::image)", "images"),
        (
            with_row(["note", "late", "Sen note", "Late note"], at=8),
            "row 8, column A (type)",
            "note can only open a group",
        ),
        (
            with_row(["select_one nowhere", "x", "X", "X"]),
            "row 6, column A (type)",
            "no list 'nowhere'",
        ),
        (with_row(["text", "x", "Kun dansk", None]), "row 6, column D (label::English (en))", "en"),
        (with_cell(6, "required", "maybe"), "row 6, column G (required)", "not yes or no"),
    ],
)
def test_what_cannot_be_represented_is_refused_with_sheet_row_and_column(
    tmp_path, survey, where, words
):
    message = refusal(tmp_path, survey)
    assert f"sheet 'survey', {where}:" in message, message
    assert words in message, message


def test_a_calculation_column_is_refused_where_it_is_filled(tmp_path):
    survey = [[*row, None] for row in KOBO_SURVEY]
    survey[0][-1] = "calculation"
    survey[6][-1] = "1 + 1"
    message = refusal(tmp_path, survey)
    assert message.startswith("sheet 'survey', row 7, column M (calculation):"), message


def test_a_choice_with_media_is_refused_on_the_choices_sheet(tmp_path):
    choices = [[*row, None] for row in KOBO_CHOICES]
    choices[0][-1] = "image"
    choices[3][-1] = "phone.png"
    message = refusal(tmp_path, KOBO_SURVEY, choices)
    assert message.startswith("sheet 'choices', row 4, column F (image):"), message


def test_a_form_without_danish_is_refused(tmp_path):
    survey = [["type", "name", "label::English (en)"], ["text", "q", "Why?"]]
    message = refusal(tmp_path, survey, None)
    assert "no Danish label column" in message


def test_unknown_language_names_are_refused_with_their_column(tmp_path):
    survey = [
        ["type", "name", "label::Dansk (da)", "label::Klingon"],
        ["text", "q", "Hvorfor?", "x"],
    ]
    message = refusal(tmp_path, survey, None)
    assert message.startswith("sheet 'survey', row 1, column D (label::Klingon):"), message


# --- round trip through the command line ------------------------------------------------


@pytest.mark.parametrize("key_version", sorted(available_questionnaires()))
def test_export_and_import_again_gives_the_same_codebook(cli, tmp_path, key_version):
    key, version = key_version
    workbook_path = tmp_path / f"{key}.xlsx"
    yaml_path = tmp_path / f"{key}.yaml"
    cli(
        "questionnaire",
        "export-xlsform",
        key,
        "--version",
        str(version),
        "--output",
        str(workbook_path),
    )
    # the workbook is an ordinary XLSForm: survey/choices/settings with the usual columns
    book = load_workbook(workbook_path)
    assert {"survey", "choices", "settings"} <= set(book.sheetnames)
    header = [cell.value for cell in book["survey"][1]]
    assert header[:3] == ["type", "name", "label::Dansk (da)"]
    assert [c.value for c in book["settings"][1]][:3] == ["form_title", "form_id", "version"]
    result = cli(
        "questionnaire",
        "import-xlsform",
        str(workbook_path),
        "--key",
        key,
        "--output",
        str(yaml_path),
    )
    assert result.stdout.startswith(f"{yaml_path}: {key} version {version}")
    cli("questionnaire", "check", str(yaml_path))
    # the codebook holds every language's texts: all must come back
    original = cli("questionnaire", "codebook", key, "--version", str(version), "--json")
    from survey.cli.questionnaire import codebook

    assert codebook(load_questionnaire(yaml_path)) == json.loads(original.stdout)
    assert yaml.safe_load(yaml_path.read_text(encoding="utf-8"))["key"] == key
    # beyond the codebook: pages, intros, help, conditions, scales, background questions
    original = find_questionnaire(key, version)
    again = load_questionnaire(yaml_path)
    assert again == original
    assert again.provenance == original.provenance


def test_import_refusal_is_an_error_of_the_command(cli, tmp_path):
    path = saved(
        workbook(with_row(["geopoint", "where", "Hvor?", "Where?"]), KOBO_CHOICES), tmp_path
    )
    output = tmp_path / "out.yaml"
    result = cli(
        "questionnaire",
        "import-xlsform",
        str(path),
        "--key",
        "x",
        "--output",
        str(output),
        ok=False,
    )
    assert result.exit_code == 1
    assert "sheet 'survey', row 6, column A (type)" in result.stderr
    assert not output.exists()
