"""The operator's page for the shipped questionnaires' translations: download the texts for a
translator, upload the translation back and get the questionnaire file with it.

The questionnaire files are code: an upload changes nothing on the running installation.
It is checked as the command line checks it, and gives back the file to ship in a release.
"""

from __future__ import annotations

import base64

from flask import Response, render_template, request
from flask_babel import gettext as _

from survey.core.tenancy import requires
from survey.translating.files import (
    TranslationImportError,
    export_questionnaire,
    language_states,
    translated_file,
    upload_messages,
)
from survey.web.admin import bp
from survey.web.admin.forms import QuestionnaireExportForm, QuestionnaireUploadForm
from survey.web.admin.translation_views import MEDIA_TYPES, SUFFIXES


@bp.get("/questionnaire-translations")
@requires("operator")
def questionnaire_translations():
    return _page(QuestionnaireUploadForm.for_operator())


@bp.get("/questionnaire-translations/download")
@requires("operator")
def download_questionnaire_translations():
    form = QuestionnaireExportForm.for_operator()
    if not form.validate():  # no choice made yet: the page; a choice not offered: 400
        return _page(QuestionnaireUploadForm.for_operator(), form), 400 if request.args else 200
    (key, version), language, fmt = form.chosen(), form.language.data, form.fmt.data
    name = f"{key}-{version}-{language}.{SUFFIXES[fmt]}"
    return Response(
        export_questionnaire(key, language, fmt, version),
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/questionnaire-translations")
@requires("operator")
def upload_questionnaire_translations():
    form = QuestionnaireUploadForm.for_operator()
    if not form.validate_on_submit():
        return _page(form), 400
    key, version = form.chosen()
    try:
        prepared = translated_file(
            key, version, form.file.data.read(), form.reviewed_by.data, upload_messages()
        )
    except TranslationImportError as error:
        return _page(form, problems=error.problems), 422
    return _page(QuestionnaireUploadForm.for_operator(), prepared=prepared)


def _page(upload_form, export_form=None, problems=(), prepared=None):
    # The new file as a link to download (no JavaScript, nothing kept on the server).
    link = (
        "data:application/yaml;charset=utf-8;base64,"
        + base64.b64encode(prepared.text.encode("utf-8")).decode("ascii")
        if prepared
        else None
    )
    return render_template(
        "admin/questionnaire_translations.html",
        export_form=export_form or QuestionnaireExportForm.for_operator(),
        upload_form=upload_form,
        problems=problems,
        prepared=prepared,
        file_link=link,
        states=language_states(),
        title=_("Translations of the questionnaires"),
    )
