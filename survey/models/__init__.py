"""SQLAlchemy models, one module per aggregate."""

from survey.models.base import Base
from survey.models.invitation import Invitation
from survey.models.municipality import Municipality
from survey.models.question import LocalQuestion
from survey.models.response import Answer, Response
from survey.models.round import Round, RoundQuestion

__all__ = [
    "Answer",
    "Base",
    "Invitation",
    "LocalQuestion",
    "Municipality",
    "Response",
    "Round",
    "RoundQuestion",
]
