"""SQLAlchemy models, one module per aggregate."""

from survey.models.api_token import ApiToken
from survey.models.audit import AuditEvent
from survey.models.background import BackgroundValue
from survey.models.base import Base
from survey.models.comment import CommentReview, CommentTheme
from survey.models.delivery import OutboxMessage, SendBatch
from survey.models.invitation import Invitation
from survey.models.municipality import Municipality
from survey.models.publication import Publication
from survey.models.question import LocalQuestion
from survey.models.response import (
    Answer,
    AnswerTally,
    OpenLinkHour,
    RespondentThemeSum,
    Response,
    RoundTally,
)
from survey.models.results import BenchmarkFigure, HistoricalResult, Target
from survey.models.round import Round, RoundQuestion
from survey.models.upload import PendingUpload
from survey.models.user import ROLES, PasswordReset, User

__all__ = [
    "ROLES",
    "Answer",
    "AnswerTally",
    "ApiToken",
    "AuditEvent",
    "BackgroundValue",
    "Base",
    "BenchmarkFigure",
    "CommentReview",
    "CommentTheme",
    "HistoricalResult",
    "Invitation",
    "LocalQuestion",
    "Municipality",
    "OpenLinkHour",
    "OutboxMessage",
    "PasswordReset",
    "PendingUpload",
    "Publication",
    "RespondentThemeSum",
    "Response",
    "Round",
    "RoundQuestion",
    "RoundTally",
    "SendBatch",
    "Target",
    "User",
]
