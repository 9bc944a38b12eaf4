"""Issue 13, point 3: translators' files. Export XLIFF 2.0, CSV and XLSX; import them back
with checks for missing texts, changed sources (stale), placeholders and length; the same
for the local question bank. Imports write a copy of the questionnaire file here."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

import questionnaires.loader as loader
from questionnaires import find_questionnaire
from questionnaires.exchange import ExchangeError, read, to_csv, to_xliff, to_xlsx
from questionnaires.translation import fingerprint, questionnaire_units, stale_units
from survey.core.extensions import db
from survey.models import AuditEvent, LocalQuestion

XLIFF = "{urn:oasis:names:tc:xliff:document:2.0}"


@pytest.fixture
def files(tmp_path, monkeypatch):
    """The shipped questionnaires copied to a temporary directory the imports may change."""
    copy = tmp_path / "questionnaires"
    copy.mkdir()
    for path in loader.QUESTIONNAIRE_DIR.glob("*.yaml"):
        shutil.copy(path, copy / path.name)
    monkeypatch.setattr(loader, "QUESTIONNAIRE_DIR", copy)
    loader.available_questionnaires.cache_clear()
    yield copy
    loader.available_questionnaires.cache_clear()


def test_xliff_export_is_xliff_2_with_source_and_target(cli, tmp_path, files):
    out = tmp_path / "kl-ar.xlf"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        "ar",
        "--format",
        "xliff",
        "--output",
        str(out),
    )
    root = ET.parse(out).getroot()  # noqa: S314 - our own export
    assert root.tag == f"{XLIFF}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "da", "ar")
    units = {unit.get("id"): unit for unit in root.iter(f"{XLIFF}unit")}
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert (
        len(units) == len(questionnaire_units(kl, "ar")) == 1 + 5 + 8 + 10 + 19 + 3
    )  # title, theme titles, scale labels, page titles and intros, items, help texts
    welcoming = units["item/kl.meeting.welcoming/text"]
    segment = welcoming.find(f"{XLIFF}segment")
    assert segment.get("state") == "translated"
    assert segment.findtext(f"{XLIFF}source") == "Jeg bliver taget godt imod i jobcentret."
    assert segment.findtext(f"{XLIFF}target") == "أشعر بالترحيب في مركز التوظيف."
    assert "at most" in welcoming.findtext(f"{XLIFF}notes/{XLIFF}note")


def _round_trip(cli, tmp_path, fmt: str, language: str, change) -> tuple[object, str]:
    out = tmp_path / f"kl.{fmt}"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        language,
        "--format",
        fmt,
        "--output",
        str(out),
    )
    target, units = read(out.read_bytes())
    assert target == language
    units = [change(unit) for unit in units]
    writer = {
        "xliff": lambda u: to_xliff(u, "kl", language),
        "csv": lambda u: to_csv(u, language),
        "xlsx": lambda u: to_xlsx(u, language),
    }[fmt]
    out.write_bytes(writer(units))
    return cli(
        "questionnaire",
        "translations",
        "import",
        "kl-beskaeftigelse",
        "--version",
        "1",
        str(out),
        ok=False,
    ), str(out)


@pytest.mark.parametrize("fmt", ["xliff", "csv", "xlsx"])
def test_an_improved_translation_is_imported_into_the_file_as_draft(app, cli, tmp_path, files, fmt):
    from dataclasses import replace

    def improve(unit):
        if unit.id == "item/kl.goals.clear/text":
            return replace(unit, target="Ми знаємо мою мету.")
        return unit

    before = (files / "kl-beskaeftigelse.yaml").read_text(encoding="utf-8")
    result, _ = _round_trip(cli, tmp_path, fmt, "uk", improve)
    assert result.exit_code == 0, result.output
    assert "46 texts imported in uk" in result.output
    after = (files / "kl-beskaeftigelse.yaml").read_text(encoding="utf-8").splitlines()
    kept, added = after[: len(before.splitlines())], after[len(before.splitlines()) :]
    changed = [(a, b) for a, b in zip(before.splitlines(), kept, strict=True) if a != b]
    assert len(changed) == 2  # the text and the status line; comments and layout kept
    assert changed[0][1].startswith('  uk: {status: "draft", translated_by: "imported')
    assert changed[1][1] == '          uk: "Ми знаємо мою мету."'
    # At the end, what each translation was made from: its Danish text's fingerprint.
    assert added[3:5] == ["translated_from:", "  uk:"] and len(added) == 5 + 46
    danish = find_questionnaire("kl-beskaeftigelse", 1).item("kl.goals.clear").text["da"]
    assert f'    "item/kl.goals.clear/text": "{fingerprint(danish)}"' in added
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert kl.item("kl.goals.clear").text["uk"] == "Ми знаємо мою мету."
    assert kl.translation_status("uk") == "draft"
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "questionnaire.translations_import")
        )
        assert event.details["language"] == "uk" and event.actor == "cli"


def test_a_reviewed_import_says_who_reviewed_it_and_when(cli, tmp_path, files):
    out = tmp_path / "kl.csv"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        "pl",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    cli(
        "questionnaire",
        "translations",
        "import",
        "kl-beskaeftigelse",
        "--version",
        "1",
        str(out),
        "--reviewed-by",
        "Anna Nowak, tłumacz przysięgły",
    )
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert kl.translation_status("pl") == "reviewed"
    assert kl.translations["pl"]["reviewed_by"] == "Anna Nowak, tłumacz przysięgły"
    assert kl.translations["pl"]["reviewed_on"]


@pytest.mark.parametrize(
    ("unit_id", "target", "message"),
    [
        ("item/kl.goals.clear/text", "x" * 200, "characters long; at most"),
        ("item/no.such.item/text", "Hej", "no such text"),
    ],
)
def test_errors_refuse_the_whole_file_and_change_nothing(
    cli, tmp_path, files, unit_id, target, message
):
    from dataclasses import replace

    from questionnaires.translation import Unit

    before = (files / "kl-beskaeftigelse.yaml").read_text(encoding="utf-8")

    def change(unit):
        return replace(unit, target=target) if unit.id == unit_id else unit

    out = tmp_path / "kl.xlf"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        "so",
        "--format",
        "xliff",
        "--output",
        str(out),
    )
    _language, units = read(out.read_bytes())
    units = [change(unit) for unit in units]
    if unit_id.startswith("item/no."):
        units.append(Unit(unit_id, "Findes ikke.", target))
    out.write_bytes(to_xliff(units, "kl", "so"))
    result = cli(
        "questionnaire",
        "translations",
        "import",
        "kl-beskaeftigelse",
        "--version",
        "1",
        str(out),
        ok=False,
    )
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and message in result.output
    assert (files / "kl-beskaeftigelse.yaml").read_text(encoding="utf-8") == before


def test_placeholders_must_be_kept():
    from questionnaires.translation import Unit, check_import

    current = [Unit("x", "Hej %(name)s, du har %(count)d svar.")]
    checked = check_import(
        current, [Unit("x", current[0].source, "Hello %(name)s, you have answers.")]
    )
    assert checked.errors and "placeholders" in checked.errors[0] and not checked.accepted
    kept = check_import(current, [Unit("x", current[0].source, "%(count)d answers, %(name)s.")])
    assert kept.accepted == {"x": "%(count)d answers, %(name)s."}


def test_a_changed_danish_source_marks_the_text_stale_and_keeps_the_old_translation(
    cli, tmp_path, files
):
    from dataclasses import replace

    def old_source(unit):
        if unit.id == "item/kl.goals.own/text":
            return replace(unit, source="Jeg satte selv mine mål.", target="Yeni çeviri.")
        return unit

    result, _ = _round_trip(cli, tmp_path, "csv", "tr", old_source)
    assert result.exit_code == 0, result.output
    assert "1 stale (not imported)" in result.output
    assert "item/kl.goals.own/text: the Danish text has changed" in result.output
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert kl.item("kl.goals.own").text["tr"] == "Hedeflerimi belirlemeye ben de katıldım."


def test_missing_texts_are_reported_and_left_as_they_were(cli, tmp_path, files):
    from dataclasses import replace

    result, _ = _round_trip(
        cli,
        tmp_path,
        "xlsx",
        "fa",
        lambda unit: replace(unit, target="") if unit.id.startswith("page/") else unit,
    )
    assert result.exit_code == 0, result.output
    assert "10 missing" in result.output
    assert find_questionnaire("kl-beskaeftigelse", 1).page("goals").title["fa"] == "هدف‌های شما"


def test_a_csv_cell_that_looks_like_a_formula_survives_excel_and_the_round_trip():
    from questionnaires.translation import Unit

    unit = Unit("x", "=1+1 er to.", "=1+1 is two.")
    data = to_csv([unit], "en")
    assert b"'=1+1 is two." in data  # Excel shows it as text, not a formula
    assert read(data)[1][0].target == "=1+1 is two."
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(to_xlsx([unit], "en"))).active
    assert sheet["C2"].data_type == "s" and sheet["C2"].value == "=1+1 is two."


def test_xliff_with_a_document_type_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" trgLang="ar">&b;</xliff>'
    )
    with pytest.raises(ExchangeError, match="document type"):
        read(bomb)
    with pytest.raises(ExchangeError, match="document type"):
        read(bomb.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"))


def test_the_local_question_bank_exports_and_imports_translations(app, cli, tmp_path):
    from survey.demo.setup import ensure_odense_questions

    with app.app_context():
        for question in ensure_odense_questions():
            question.texts = {k: v for k, v in question.texts.items() if k != "so"}
        db.session.commit()
    out = tmp_path / "bank.xlf"
    cli(
        "bank",
        "translations",
        "export",
        "--municipality",
        "461",
        "--language",
        "so",
        "--format",
        "xliff",
        "--output",
        str(out),
    )
    _language, units = read(out.read_bytes())
    assert {unit.id for unit in units} == {
        "question/odense.internship.purpose/text",
        "question/odense.internship.treatment/text",
    }
    assert all(not unit.target for unit in units)
    from dataclasses import replace

    out.write_bytes(
        to_xliff([replace(unit, target="Tababarkaygu wuu fiicnaa.") for unit in units], "b", "so")
    )
    result = cli("bank", "translations", "import", "--municipality", "461", str(out))
    assert "2 texts imported in so" in result.output
    with app.app_context():
        texts = db.session.scalars(select(LocalQuestion.texts)).all()
        assert all(text["so"] == "Tababarkaygu wuu fiicnaa." for text in texts)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("question.translate") == 2


def test_the_admin_pages_download_and_upload_the_banks_translations(app):
    import io
    from dataclasses import replace

    from survey.demo.setup import ensure_odense_questions
    from tests.staff import logged_in, make_user

    with app.app_context():
        ensure_odense_questions()
        db.session.commit()
    make_user(app, "admin-oversaet@odense.dk", "admin", 461)
    make_user(app, "admin-oversaet@rodovre.dk", "admin", 175)
    admin = logged_in(app, "admin-oversaet@odense.dk")
    assert "Oversættelser" in admin.get("/admin/translations").get_data(as_text=True)
    download = admin.get("/admin/translations/download?what=bank&language=ar&fmt=csv")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="bank-ar.csv"'
    language, units = read(download.data)
    assert language == "ar" and len(units) == 2
    # Another municipality's administrator gets their own (empty) bank, never Odense's.
    other = logged_in(app, "admin-oversaet@rodovre.dk")
    assert (
        read(other.get("/admin/translations/download?what=bank&language=ar&fmt=csv").data)[1] == []
    )

    wrong = [replace(units[0], target="x" * 500), units[1]]
    refused = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(to_csv(wrong, "ar")), "bank-ar.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Intet blev importeret" in page and "tegn lang" in page
    # The questionnaire's texts sent to the bank's import: one sentence, not a line per text.
    from survey.translating.files import export_questionnaire

    questionnaire_file = export_questionnaire("kl-beskaeftigelse", "ar", "csv", 2)
    misplaced = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(questionnaire_file), "kl-beskaeftigelse-2-ar.csv")},
        content_type="multipart/form-data",
    )
    assert misplaced.status_code == 422
    page = misplaced.get_data(as_text=True)
    assert "Filen indeholder ingen af spørgsmålsbankens tekster" in page
    assert "der er ingen sådan tekst" not in page
    better = [replace(unit, target="نص أفضل.") for unit in units]
    stored = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(to_xlsx(better, "ar")), "bank-ar.xlsx")},
        content_type="multipart/form-data",
    )
    assert stored.status_code == 200
    assert "Arabisk: 2 tekster blev importeret." in stored.get_data(as_text=True)
    with app.app_context():
        assert {t["ar"] for t in db.session.scalars(select(LocalQuestion.texts))} == {"نص أفضل."}
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "question.translate")
        ).all()
        assert [e.actor for e in events] == ["admin-oversaet@odense.dk"] * 2


def test_analysts_cannot_upload_translations(app):
    from tests.staff import logged_in, make_user

    make_user(app, "analytiker-oversaet@odense.dk", "analyst", 461)
    analyst = logged_in(app, "analytiker-oversaet@odense.dk")
    assert analyst.get("/admin/translations").status_code == 403
    assert analyst.post("/admin/translations/bank", data={}).status_code == 403


def test_version_2_is_translated_with_its_themes_and_scales(cli, tmp_path, files):
    """A new language for a file that declares themes and scales: their texts are units
    too, so a complete translation gives a file the schema accepts."""
    from dataclasses import replace

    out = tmp_path / "v2-ar.csv"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "2",
        "--language",
        "ar",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    _, units = read(out.read_bytes())
    ids = {unit.id for unit in units}
    assert "theme/cooperation/title" in ids and "scale/satisfaction5/5" in ids
    translated = [replace(unit, target=f"ع {unit.source}") for unit in units]
    out.write_bytes(to_csv(translated, "ar"))
    result = cli(
        "questionnaire",
        "translations",
        "import",
        "kl-beskaeftigelse",
        "--version",
        "2",
        str(out),
    )
    assert f"{len(units)} texts imported in ar" in result.output
    v2 = find_questionnaire("kl-beskaeftigelse", 2)
    assert "ar" in v2.languages and v2.translation_status("ar") == "draft"
    assert v2.theme_order()[3].title["ar"] == "ع Samarbejde på tværs af forvaltning"
    assert v2.scale("satisfaction5").options[0].label["ar"] == "ع Meget tilfreds"


def test_a_translation_made_from_danish_that_changed_since_is_reported_stale(cli, tmp_path, files):
    """The import records what each translation was made from; when the Danish changes in
    the file afterwards, `questionnaire check` and the exports say which texts are stale.
    A translation without a recorded source is of unknown source, never called stale."""
    from dataclasses import replace

    def improve(unit):
        if unit.id == "title":
            return replace(unit, target="Ваш досвід із центром зайнятості")
        return unit

    result, _ = _round_trip(cli, tmp_path, "xliff", "uk", improve)
    assert result.exit_code == 0, result.output
    path = files / "kl-beskaeftigelse.yaml"
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    old = kl.title["da"]
    assert stale_units(kl, "uk") == []
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            f'da: "{old}"', 'da: "Sådan oplevede du jobcentret"', 1
        ),
        encoding="utf-8",
    )
    loader.available_questionnaires.cache_clear()
    kl = find_questionnaire("kl-beskaeftigelse", 1)
    assert kl.title["da"] == "Sådan oplevede du jobcentret"
    assert stale_units(kl, "uk") == ["title"]
    assert stale_units(kl, "ar") == []  # imported before sources were recorded: unknown
    checked = cli("questionnaire", "check", str(path))
    assert "1 stale translations in uk" in checked.output
    assert "  title" in checked.output

    out = tmp_path / "uk.xlf"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        "uk",
        "--output",
        str(out),
    )
    segments = {
        unit.get("id"): unit.find(f"{XLIFF}segment")
        for unit in ET.fromstring(out.read_bytes()).iter(f"{XLIFF}unit")  # noqa: S314 - ours
    }
    stale = segments["title"]
    assert stale.get("state") == "initial" and stale.get("subState") == "borgerblik:stale"
    assert stale.findtext(f"{XLIFF}target") == "Ваш досвід із центром зайнятості"  # marked
    assert segments["item/kl.goals.own/text"].get("state") == "translated"
    csv_out = tmp_path / "uk.csv"
    cli(
        "questionnaire",
        "translations",
        "export",
        "kl-beskaeftigelse",
        "--version",
        "1",
        "--language",
        "uk",
        "--format",
        "csv",
        "--output",
        str(csv_out),
    )
    _language, units = read(csv_out.read_bytes())
    assert [unit.id for unit in units if unit.stale] == ["title"]
    assert csv_out.read_bytes().decode("utf-8-sig").splitlines()[0].endswith(";status")

    # Translated again from the new Danish: no longer stale.
    def again(unit):
        if unit.id == "title":
            return replace(unit, target="Як ви оцінюєте центр зайнятості", stale=False)
        return unit

    result, _ = _round_trip(cli, tmp_path, "csv", "uk", again)
    assert result.exit_code == 0, result.output
    assert stale_units(find_questionnaire("kl-beskaeftigelse", 1), "uk") == []


def test_the_admin_page_gives_the_questionnaire_version_chosen(app):
    """Both versions of the KL questionnaire are offered by version, newest first, titled
    with the municipality's name in place of {organisation}; each downloads its own texts."""
    from tests.staff import logged_in, make_user

    make_user(app, "admin-versioner@odense.dk", "admin", 461)
    admin = logged_in(app, "admin-versioner@odense.dk")
    page = admin.get("/admin/translations").get_data(as_text=True)
    assert "{organisation}" not in page
    assert page.index('value="kl-beskaeftigelse:2"') < page.index('value="kl-beskaeftigelse:1"')
    for version in (1, 2):
        download = admin.get(
            f"/admin/translations/download?what=kl-beskaeftigelse:{version}&language=en&fmt=xliff"
        )
        assert download.status_code == 200
        assert (
            f'filename="kl-beskaeftigelse-{version}-en.xlf"'
            in download.headers["Content-Disposition"]
        )
        assert f'id="kl-beskaeftigelse-{version}"'.encode() in download.data
