"""Attacks through the language choice: a forged language button, a hostile ?lang, a draft
language the administrator did not accept, and a language name from a send list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.core.extensions import db
from survey.models import Answer

NINE = ("da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti")
HTML_LANG = re.compile(r'<html lang="([^"]*)" dir="([^"]*)">')


def entered(citizen, make_round, invite, **round_options) -> None:
    (token,) = invite(make_round(languages=NINE, **round_options))
    citizen.open(f"/s/{token}")
    citizen.start()


@pytest.mark.parametrize(
    "forged", ["<script>", "da\r\nSet-Cookie: x=1", "x" * 40, "", "12", "ar;", "ﻉﺭ"]
)
def test_a_forged_language_button_is_refused_and_saves_nothing(
    app, citizen, make_round, invite, forged
):
    entered(citizen, make_round, invite, drafts_accepted=list(NINE[2:]))
    response = citizen.post_page({"kl.meeting.welcoming": 5}, extra={"switch_language": forged})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_language_the_round_does_not_offer_is_not_switched_to(citizen, make_round, invite):
    """A well-formed code of a language the round does not offer (a draft nobody accepted,
    or one without a catalogue) saves the page but leaves the language as it was."""
    entered(citizen, make_round, invite)  # drafts not accepted: Danish and English only
    for code in ("ar", "xx"):
        response = citizen.post_page({"kl.meeting.welcoming": 4}, extra={"switch_language": code})
        assert response.status_code == 302
        assert HTML_LANG.search(citizen.get().get_data(as_text=True)).groups() == ("da", "ltr")
    assert HTML_LANG.search(citizen.get("/svar?lang=ar").get_data(as_text=True)).groups() == (
        "da",
        "ltr",
    )


@pytest.mark.parametrize("hostile", ['ar" onload="alert(1)', "../../etc", "AR<x>", "ar\x00"])
def test_a_hostile_lang_parameter_changes_nothing_and_is_never_echoed(
    citizen, make_round, invite, hostile
):
    entered(citizen, make_round, invite, drafts_accepted=list(NINE[2:]))
    response = citizen.client.get("/svar", query_string={"lang": hostile})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)  # a NUL byte is refused before any page
    assert HTML_LANG.search(html).groups() == ("da", "ltr")
    assert "onload" not in html and "<x>" not in html


def test_a_send_list_language_is_never_used_as_given(client, make_round, invite):
    """The send list's language column is free text: only a known language is used."""
    (token,) = invite(
        make_round(languages=NINE, drafts_accepted=list(NINE[2:])),
        language='ar" dir="ltr"><script>alert(1)</script>',
    )
    client.get(f"/s/{token}")
    html = client.get("/svar").get_data(as_text=True)
    assert HTML_LANG.search(html).groups() == ("da", "ltr")
    assert "<script>alert" not in html


def test_a_translation_upload_cannot_touch_another_municipalitys_bank(app, people, sign_in):
    """An Odense administrator's upload names Rødovre's question ids: nothing is stored."""
    import io

    from questionnaires.exchange import to_csv
    from questionnaires.translation import Unit
    from survey.models import LocalQuestion

    with app.app_context():
        rodovre = LocalQuestion(
            municipality_code=175,
            code="rodovre.help.fast",
            type="likert5",
            texts={"da": "Jeg fik hurtigt hjælp."},
            compare_key="rodovre.help.fast",
        )
        db.session.add(rodovre)
        db.session.commit()
    admin = sign_in(people.odense_admin)
    forged = [Unit("question/rodovre.help.fast/text", "Jeg fik hurtigt hjælp.", "Hacked.")]
    response = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(to_csv(forged, "ar")), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    with app.app_context():
        texts = db.session.scalar(
            select(LocalQuestion.texts).where(LocalQuestion.code == "rodovre.help.fast")
        )
        assert texts == {"da": "Jeg fik hurtigt hjælp."}


def test_an_xliff_entity_bomb_is_refused_before_parsing(app, people, sign_in):
    import io

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="da" '
        b'trgLang="ar"><file id="f"><unit id="u"><segment><source>&c;</source>'
        b"</segment></unit></file></xliff>"
    )
    admin = sign_in(people.odense_admin)
    response = admin.post(
        "/admin/translations/bank",
        data={"file": (io.BytesIO(bomb), "bomb.xlf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "document type" in response.get_data(as_text=True)


def test_a_query_string_typed_by_one_citizen_never_reaches_the_shared_landing_page(
    citizen, new_citizen, make_round, invite
):
    """Citizens' landing pages are cached and shared: a language link that kept the query
    string would carry one citizen's hostile text into the page other citizens are shown."""
    round_id = make_round(languages=NINE, drafts_accepted=list(NINE[2:]))
    first, second = invite(round_id, count=2)
    citizen.open(f"/s/{first}")
    hostile = citizen.get("/svar?next=https://evil.example/&marker=pasted7f3").get_data(
        as_text=True
    )
    other = new_citizen()
    other.open(f"/s/{second}")
    shown = other.get("/svar").get_data(as_text=True)
    for page in (hostile, shown):
        assert 'hreflang="en"' in page  # the language links are there, bare
        assert "pasted7f3" not in page and "evil.example" not in page
        assert 'href="?lang=en"' in page
