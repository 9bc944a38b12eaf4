"""Names of codes in the reader's language: states, roles, item types, background variables
and verdicts, shared by pages, reports and the command line."""

from __future__ import annotations

from flask_babel import gettext as _


def state_label(state: str) -> str:
    return {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}.get(state, state)


def role_label(role: str) -> str:
    return {"operator": _("Operator"), "admin": _("Administrator"), "analyst": _("Analyst")}.get(
        role, role
    )


def type_label(item_type: str) -> str:
    return {
        "likert5": _("Agree–disagree scale"),
        "yesno": _("Yes / no"),
        "scale": _("Scale"),
        "single": _("One choice"),
        "multi": _("Several choices"),
        "text": _("Free text"),
    }.get(item_type, item_type)


def variable_label(variable: str) -> str:
    return {
        "benefit_group": _("Benefit group"),
        "age_band": _("Age band"),
        "gender": _("Gender"),
        "language": _("Language"),
        "department": _("Department"),
    }.get(variable, variable)


def verdict_label(verdict: str | None) -> str:
    if verdict is None:
        return "–"
    return {
        "met": _("Met"),
        "not_met": _("Not met"),
        "cannot_tell": _("Cannot tell (the interval spans the ambition)"),
        "no_data": _("No data"),
    }.get(verdict, verdict)


def audit_action_label(action: str) -> str:
    """An audit event as staff read it; an event without a name here shows its code."""
    return {
        "login": _("Logged in"),
        "login.failed": _("Failed login"),
        "login.sso": _("Logged in with single sign-on"),
        "login.sso_refused": _("Single sign-on refused"),
        "user.create": _("User created"),
        "user.disable": _("User disabled"),
        "user.enable": _("User enabled"),
        "user.password_changed": _("Password changed"),
        "user.password_reset_requested": _("Password reset requested"),
        "user.password_reset": _("Password reset by e-mail link"),
        "round.create": _("Round created"),
        "round.settings": _("Round settings changed"),
        "round.open": _("Round opened"),
        "round.close": _("Round closed"),
        "round.reopen": _("Round reopened"),
        "round.results_released": _("Results shown for the first time"),
        "round.poster": _("Poster printed"),
        "round.import": _("Earlier round imported"),
        "round.message_texts": _("Message texts changed"),
        "round.raw_answers_deleted": _("Raw answers deleted (retention)"),
        "round.question_add": _("Local question added to round"),
        "round.question_remove": _("Local question removed from round"),
        "round.question_up": _("Local question moved up"),
        "round.question_down": _("Local question moved down"),
        "round.question_place": _("Local question moved"),
        "question.create": _("Bank question created"),
        "question.edit": _("Bank question edited"),
        "question.new_version": _("Bank question given a new version"),
        "question.retire": _("Bank question retired"),
        "question.translate": _("Bank question translated"),
        "question.translation_review": _("Bank translation marked as reviewed"),
        "questionnaire.translations_import": _("Questionnaire translation imported"),
        "questionnaire.translations_upload": _("Questionnaire translation checked for a release"),
        "invitations.create": _("Invitations created"),
        "invitations.links_handed_out": _("Invitation links downloaded"),
        "invitations.repeats_confirmed": _("Second links confirmed for known references"),
        "invitations.queued": _("Invitations scheduled for sending"),
        "contacts.erased": _("Contact data erased"),
        "background_value.create": _("Background value added"),
        "background_value.replace": _("Background value replaced"),
        "municipality.settings": _("Municipality settings changed"),
        "municipality.link_downloads": _("Link downloads allowed or stopped"),
        "municipality.data_deleted": _("Municipality's data deleted"),
        "history.import": _("History imported"),
        "target.set": _("Ambition level set"),
        "report.export": _("Report downloaded"),
        "answers.export": _("Answers exported"),
    }.get(action, action)


def audit_detail_label(key: str) -> str:
    """The name of a detail recorded with an audit event; an unknown key shows itself."""
    return {
        "against": _("compared with"),
        "allowed": _("allowed"),
        "ambition": _("ambition level"),
        "by": _("split by"),
        "code": _("code"),
        "count": _("number"),
        "email": _("e-mail"),
        "format": _("format"),
        "indicator": _("indicator"),
        "invitations": _("invitations"),
        "languages": _("languages"),
        "link": _("link"),
        "municipality": _("municipality"),
        "placement": _("placement"),
        "question": _("question"),
        "reason": _("reason"),
        "replaced_by": _("replaced by"),
        "responses": _("responses"),
        "results": _("results"),
        "role": _("role"),
        "size": _("size"),
        "title": _("title"),
        "draft_languages_accepted": _("draft translations accepted"),
        "variable": _("variable"),
        "version": _("version"),
        "year": _("year"),
        "sms": _("SMS"),
        "service_name": _("sender name"),
        "accessibility_url": _("accessibility statement"),
        "weighted": _("weighted"),
        "name": _("name"),
        "language": _("language"),
        "what": _("what"),
        "token": _("API key"),
        "texts": _("texts"),
        "reviewed_by": _("reviewed by"),
        "origins": _("websites"),
        "source": _("source"),
        "period": _("period"),
        "figures": _("figures"),
        "questionnaire": _("questionnaire"),
        "review": _("comment review"),
        "themes": _("themes"),
        "quote": _("quote"),
        "page": _("page"),
        "shown": _("shown"),
        "keywords": _("keywords"),
        "reminders": _("reminders"),
        "send_at": _("sending starts"),
        "stale": _("outdated texts"),
        "status": _("status"),
    }.get(key, key)


def language_label(language: str) -> str:
    """A language's name in the reader's language, for staff (citizens see its own name)."""
    return {
        "da": _("Danish"),
        "en": _("English"),
        "ar": _("Arabic"),
        "fa": _("Persian (Farsi/Dari)"),
        "so": _("Somali"),
        "tr": _("Turkish"),
        "uk": _("Ukrainian"),
        "pl": _("Polish"),
        "ti": _("Tigrinya"),
    }.get(language, language)
