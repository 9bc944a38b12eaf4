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
