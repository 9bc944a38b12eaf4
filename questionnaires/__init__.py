"""Questionnaire definitions as data: YAML files, their schema and the loader.

No Flask and no database here: the survey app and the tests both read questionnaires
through `load_questionnaire`, `find_questionnaire` and the dataclasses in `model`.
"""

from questionnaires.loader import (
    QUESTIONNAIRE_DIR,
    QuestionnaireError,
    available_questionnaires,
    find_questionnaire,
    load_questionnaire,
)
from questionnaires.model import Condition, Item, Option, Page, Questionnaire

__all__ = [
    "QUESTIONNAIRE_DIR",
    "Condition",
    "Item",
    "Option",
    "Page",
    "Questionnaire",
    "QuestionnaireError",
    "available_questionnaires",
    "find_questionnaire",
    "load_questionnaire",
]
