"""The operator's page for the shipped questionnaires' translations: download the texts,
upload a translator's file, get the questionnaire file back to ship in a release.

The installation's own files never change from the web; every upload is checked as the
command line checks it (missing texts, stale sources, placeholders, length) and audited.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import replace

from sqlalchemy import select
from staff import logged_in, make_user

import questionnaires.loader as loader
from questionnaires.exchange import read, to_csv, to_xlsx
from questionnaires.loader import parse_questionnaire
from questionnaires.translation import fingerprint
from survey.core.extensions import db
from survey.models import AuditEvent

OPERATOR = "drift-oversaet@kl.dk"
FILE_LINK = re.compile(r'href="data:application/yaml;charset=utf-8;base64,([^"]+)"')


def _operator(app):
    make_user(app, OPERATOR, "operator", None)
    return logged_in(app, OPERATOR)


def _units(operator, language: str = "uk", version: int = 1):
    download = operator.get(
        "/admin/questionnaire-translations/download"
        f"?questionnaire=kl-beskaeftigelse:{version}&language={language}&fmt=xliff"
    )
    assert download.status_code == 200
    name = f"kl-beskaeftigelse-{version}-{language}.xlf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    found, units = read(download.data)
    assert found == language
    return units


def _upload(operator, data: bytes, name: str, version: int = 1, **fields):
    return operator.post(
        "/admin/questionnaire-translations",
        data={
            "questionnaire": f"kl-beskaeftigelse:{version}",
            "file": (io.BytesIO(data), name),
            **fields,
        },
        content_type="multipart/form-data",
    )


def test_an_upload_gives_back_the_questionnaire_file_and_changes_nothing_here(app):
    operator = _operator(app)
    page = operator.get("/admin/questionnaire-translations")
    assert page.status_code == 200
    assert "Oversættelser af spørgeskemaerne" in page.get_data(as_text=True)
    units = _units(operator)
    shipped = (loader.QUESTIONNAIRE_DIR / "kl-beskaeftigelse.yaml").read_text(encoding="utf-8")

    better = [
        replace(unit, target="Ми знаємо мою мету.")
        if unit.id == "item/kl.goals.clear/text"
        else unit
        for unit in units
    ]
    answer = _upload(operator, to_xlsx(better, "uk"), "uk.xlsx", reviewed_by="Olena, oversætter")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Oversættelsen blev tjekket" in text
    assert "udgivelse" in text  # it must be shipped in a release
    (encoded,) = FILE_LINK.findall(text)
    new_file = base64.b64decode(html.unescape(encoded)).decode("utf-8")
    kl = parse_questionnaire(new_file, "kl-beskaeftigelse.yaml")
    assert kl.item("kl.goals.clear").text["uk"] == "Ми знаємо мою мету."
    assert kl.translation_status("uk") == "reviewed"
    assert kl.translations["uk"]["reviewed_by"] == "Olena, oversætter"
    danish = kl.item("kl.goals.clear").text["da"]
    assert kl.translated_from["uk"]["item/kl.goals.clear/text"] == fingerprint(danish)
    # The installation's own file is code: untouched.
    assert (loader.QUESTIONNAIRE_DIR / "kl-beskaeftigelse.yaml").read_text(
        encoding="utf-8"
    ) == shipped
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "questionnaire.translations_upload")
        )
        assert event.actor == OPERATOR
        assert event.details["language"] == "uk" and event.details["status"] == "reviewed"


def test_a_file_with_problems_is_refused_with_each_problem_in_danish(app):
    operator = _operator(app)
    units = _units(operator, "en", version=2)
    spoiled = []
    for unit in units:
        if unit.id == "title":  # "{organisation}" lost
            unit = replace(unit, target="Your experience of the job centre")
        elif (
            unit.id.endswith("/text")
            and "{" not in unit.source
            and not any(u.note == "too long" for u in spoiled)
        ):
            unit = replace(unit, target="x" * 600, note="too long")
        spoiled.append(unit)
    spoiled.append(replace(units[0], id="item/no.such.item/text"))
    answer = _upload(operator, to_csv(spoiled, "en"), "en.csv", version=2)
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert "Filen kan ikke bruges" in text
    assert "title: pladsholderne skal bevares præcist" in text
    assert "tegn lang" in text
    assert "item/no.such.item/text: der findes ingen sådan tekst i dette spørgeskema" in text
    assert not FILE_LINK.search(text)
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "questionnaire.translations_upload")
            )
            is None
        )


def test_a_stale_source_and_a_missing_text_are_left_out_and_named(app):
    operator = _operator(app)
    units = _units(operator, "tr")
    changed = [
        replace(unit, source="Jeg satte selv mine mål.", target="Yeni çeviri.")
        if unit.id == "item/kl.goals.own/text"
        else replace(unit, target="")
        if unit.id == "item/kl.goals.clear/text"
        else unit
        for unit in units
    ]
    answer = _upload(operator, to_csv(changed, "tr"), "tr.csv")
    assert answer.status_code == 200
    text = html.unescape(answer.get_data(as_text=True))
    assert "Ikke taget med" in text
    assert "item/kl.goals.own/text: den danske tekst er ændret" in text
    assert "item/kl.goals.clear/text: ingen oversættelse" in text
    (encoded,) = FILE_LINK.findall(answer.get_data(as_text=True))
    kl = parse_questionnaire(base64.b64decode(encoded).decode("utf-8"))
    assert kl.item("kl.goals.own").text["tr"] != "Yeni çeviri."
    assert kl.translation_status("tr") == "draft"
