"""Translations for translators: download texts (XLIFF, CSV, XLSX), upload the bank's back.

The shipped questionnaire files are part of the code: imported on the command line (`flask
questionnaire translations import`), or checked on the operator's page, which gives back
the file to ship (questionnaire_translation_views.py).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from survey.bank.translations import (
    BankImportError,
    export_bank,
    import_bank,
    review_translation,
    translation_states,
)
from survey.core.labels import language_label
from survey.core.tenancy import get_or_404, requires
from survey.models import LocalQuestion
from survey.translating.files import export_questionnaire
from survey.web.admin import bp
from survey.web.admin.forms import (
    ReviewTranslationForm,
    TranslationExportForm,
    TranslationImportForm,
)

MEDIA_TYPES = {
    "xliff": "application/xliff+xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {"xliff": "xlf", "csv": "csv", "xlsx": "xlsx"}


@bp.get("/translations")
@requires("admin")
def translations():
    return _page(TranslationImportForm())


@bp.get("/translations/download")
@requires("admin")
def download_translations():
    form = TranslationExportForm.for_staff()
    if not form.validate():  # no choice made yet: the page; a choice not offered: 400
        return _page(TranslationImportForm(), form), 400 if request.args else 200
    what, language, fmt = form.what.data, form.language.data, form.fmt.data
    if what == "bank":
        data = export_bank(current_user.municipality_code, language, fmt)
    else:  # "key:version", as the form offers it
        key, version = what.rsplit(":", 1)
        data = export_questionnaire(key, language, fmt, int(version))
        what = f"{key}-{version}"
    name = f"{what}-{language}.{SUFFIXES[fmt]}"
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/translations/bank")
@requires("admin")
def import_bank_translations():
    form = TranslationImportForm()
    if not form.validate_on_submit():
        return _page(form), 400
    try:
        language, checked = import_bank(current_user.municipality_code, form.file.data.read())
    except BankImportError as error:
        return _page(form, problems=error.problems), 422
    flash(
        ngettext(
            "%(language)s: %(num)d text was imported.",
            "%(language)s: %(num)d texts were imported.",
            len(checked.accepted),
            language=language_label(language),  # its name, not its code ("ar")
        ),
        "success",
    )
    return _page(TranslationImportForm(), notes=checked.stale + checked.missing)


@bp.post("/translations/bank/review")
@requires("admin")
def review_bank_translation():
    form = ReviewTranslationForm()
    if not form.validate_on_submit():
        abort(400)
    question = get_or_404(LocalQuestion, form.question_id.data)  # another municipality's: 404
    try:
        review_translation(question, form.language.data, current_user.email)
    except LookupError:
        abort(404)
    flash(_("The translation is marked as reviewed by you."), "success")
    return redirect(url_for("admin.translations") + "#bank-translations")


def _page(import_form, export_form=None, problems=(), notes=()):
    return render_template(
        "admin/translations.html",
        export_form=export_form or TranslationExportForm.for_staff(),
        import_form=import_form,
        problems=problems,
        notes=notes,
        bank=translation_states(current_user.municipality_code),
        review_form=ReviewTranslationForm(),
    )
