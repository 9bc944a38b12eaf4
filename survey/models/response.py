from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.background import BackgroundColumns
from survey.models.base import Base, random_id, today


class Response(BackgroundColumns, Base):
    """One citizen's answer sheet. Deliberately no link to the invitation (anonymity)."""

    __tablename__ = "response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    # Keyed hash that lets the same link resume an unfinished sheet; erased on completion,
    # after which nothing ties the answers to a token.
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Keyed hash of the secret of the browser that started the sheet: only that browser
    # sees and changes pages already answered; any other continues forward only. Erased
    # on completion with the resume hash.
    device_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))  # "invitation" or "open" (also kiosk)
    ui_language: Mapped[str] = mapped_column(String(8), default="da")
    current_page: Mapped[str | None] = mapped_column(String(60))  # last page reached
    completed: Mapped[bool] = mapped_column(default=False, index=True)
    # Day precision only: exact times would line up with token use and re-identify.
    started_on: Mapped[date] = mapped_column(default=today)
    completed_on: Mapped[date | None]
    # What the comparison keeps of a completed sheet so that it need not add up each
    # respondent's answers again (survey.comparison.summaries): the headline answer for the
    # key drivers, and which summary (the round's theme items and headline) was kept.
    headline_value: Mapped[str | None] = mapped_column(Text)
    summary_digest: Mapped[str | None] = mapped_column(String(64))
    # Which tally of its round's answers (survey.comparison.tallies) counts this sheet's.
    tally_digest: Mapped[str | None] = mapped_column(String(64))


class Answer(Base):
    """One answer; unique per (response, item) so a double submit can only overwrite."""

    __tablename__ = "answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(String(120), primary_key=True)
    # The option value as text ("1".."5", "0" for ved ikke); multi: values joined by ";";
    # text items: the citizen's words exactly as typed.
    value: Mapped[str] = mapped_column(Text)


class RespondentThemeSum(BackgroundColumns, Base):
    """One completed respondent's valid answers to one theme's mean items, added up: what
    a theme mean of respondents' means needs of each respondent (survey.comparison.summaries
    writes them; a response's `summary_digest` says which items they were of).

    With the response's round and background, which are fixed once it is completed: a
    theme mean per group is then counted from this table alone, without a join to the
    responses per respondent and theme."""

    __tablename__ = "respondent_theme_sum"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(60), primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    total: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)


class AnswerTally(Base):
    """How many completed answers of a round had one (item, value) with one headline
    answer, per group of one background variable: the comparison's frequency pass, kept
    so that it need not count every answer again (survey.comparison.tallies writes it).

    A round's rows come in batches, one per tally of its newly completed sheets; readers
    add them up. `variable` names the background variable whose group `grp` is (every
    respondent is in one group of each, None included, so the rows of any one variable
    add up to the round's)."""

    __tablename__ = "answer_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    variable: Mapped[str] = mapped_column(String(40))
    grp: Mapped[str | None] = mapped_column(String(80))
    item_code: Mapped[str] = mapped_column(String(120))
    value: Mapped[str] = mapped_column(Text)  # a free-text item's answers as "text"
    headline_value: Mapped[str | None] = mapped_column(Text)
    n: Mapped[int] = mapped_column(Integer)


class RoundTally(Base):
    """What a round's `AnswerTally` rows are of: the digest of its counting rule (which
    items count as free text, the headline item) and how many completed sheets they
    count, which the sheets marked with the digest must still add up to."""

    __tablename__ = "round_tally"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    responses: Mapped[int] = mapped_column(Integer)
    batches: Mapped[int] = mapped_column(Integer)


class OpenLinkHour(Base):
    """Completions and refusals through a round's open links in one hour: counts only.

    An hour's completions are stored only once there are 5 of them (until then they are
    counted in the rate limiter's short-lived storage), so no single answer's time of day
    is kept; the other completions are the round's open-link total less these rows.
    Refused completions (too many from one address) are stored as they happen.
    """

    __tablename__ = "open_link_hour"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)  # UTC, at the full hour
    completed: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
