"""A round's life: created as a draft, opened (its questions frozen), closed, reopened.

Every change is audited here, so the web and the command line record the same events.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import select

from questionnaires import Questionnaire, find_questionnaire
from survey.core import audit
from survey.core.extensions import db
from survey.models import Round
from survey.models.base import today
from survey.rounds.definition import draft_languages, parsed_snapshot, round_definition


class RoundStateError(ValueError):
    """An action that the round's state does not allow (e.g. opening a closed round)."""


class RoundSettingsError(ValueError):
    """Settings a round may not have, e.g. a draft translation nobody accepted."""


def offered_languages(languages: Iterable[str]) -> list[str]:
    """Danish first, always, then the others once each in the order given."""
    chosen = ["da"]
    for language in languages:
        language = language.strip()
        if language and language not in chosen:
            chosen.append(language)
    return chosen


def draft_languages_chosen(
    questionnaire: Questionnaire, languages: Iterable[str], placed: Iterable = ()
) -> list[str]:
    """The chosen languages whose translation is a draft (not professionally reviewed): the
    questionnaire's, or that of a local question placed in the round."""
    drafts = draft_languages(questionnaire, [(link.placement, link.question) for link in placed])
    return [lang for lang in offered_languages(languages) if lang in drafts]


def _accepted_drafts(
    questionnaire: Questionnaire,
    languages: Iterable[str],
    accept_drafts: bool,
    placed: Iterable = (),
) -> list[str]:
    drafts = draft_languages_chosen(questionnaire, languages, placed)
    if drafts and not accept_drafts:
        raise RoundSettingsError(
            _(
                "These languages are draft translations, not checked by a professional "
                "translator: %(languages)s. Accept draft translations to offer them.",
                languages=", ".join(drafts),
            )
        )
    return drafts


def citizen_languages(survey_round: Round | CitizenRoundLike) -> tuple[str, ...]:
    """The languages citizens are offered: the frozen ones once the round has opened.

    Read from the parsed snapshot cached per digest (rounds.definition), so a citizen's
    page neither loads nor parses the 16 kB snapshot for them.
    """
    digest = survey_round.snapshot_digest
    if digest is not None:
        round_id = survey_round.id
        return parsed_snapshot(digest, lambda: _snapshot_of(round_id)).languages or ("da",)
    if not isinstance(survey_round, Round):
        survey_round = db.session.get_one(Round, survey_round.id)
    if survey_round.snapshot is not None:
        return tuple(survey_round.snapshot.get("languages") or ("da",))
    return round_definition(survey_round).languages


class CitizenRoundLike(Protocol):
    """A read-only record of a round (responding.journey.CitizenRound)."""

    @property
    def id(self) -> int: ...
    @property
    def snapshot_digest(self) -> str | None: ...


def _snapshot_of(round_id: int) -> dict | None:
    return db.session.scalar(select(Round.snapshot).where(Round.id == round_id))


def create_round(
    municipality_code: int,
    title: str,
    questionnaire: Questionnaire,
    *,
    opens_on: date | None = None,
    closes_on: date | None = None,
    languages: Iterable[str] = ("da",),
    accept_drafts: bool = False,
) -> Round:
    """A new draft round of `questionnaire` for a municipality (audited).

    A draft translation among `languages` is refused unless `accept_drafts`.
    """
    languages = offered_languages(languages)
    drafts = _accepted_drafts(questionnaire, languages, accept_drafts)
    survey_round = Round(
        municipality_code=municipality_code,
        title=title.strip(),
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        opens_on=opens_on,
        closes_on=closes_on,
        languages=languages,
        draft_languages_accepted=drafts,
    )
    db.session.add(survey_round)
    db.session.flush()
    audit.record(
        "round.create",
        survey_round,
        details={"title": survey_round.title, "draft_languages_accepted": drafts},
    )
    return survey_round


def change_settings(
    survey_round: Round,
    title: str,
    opens_on: date | None,
    closes_on: date | None,
    languages: Iterable[str],
    accept_drafts: bool = False,
) -> None:
    """Title and dates may change at any time; the languages only until the round is opened."""
    details: dict = {"title": title.strip()}
    if survey_round.snapshot is None:
        chosen = offered_languages(languages)
        questionnaire = find_questionnaire(
            survey_round.questionnaire_key, survey_round.questionnaire_version
        )
        drafts = _accepted_drafts(
            questionnaire, chosen, accept_drafts, survey_round.local_questions
        )
        survey_round.languages = chosen
        if drafts != (survey_round.draft_languages_accepted or []):
            details["draft_languages_accepted"] = drafts  # only a change is worth a line
        survey_round.draft_languages_accepted = drafts
    survey_round.title = title.strip()
    survey_round.opens_on = opens_on
    survey_round.closes_on = closes_on
    audit.record("round.settings", survey_round, details=details)


def open_round(survey_round: Round) -> None:
    """Open a round: freeze its pages and items so answers never meet changed questions."""
    if survey_round.state == "closed":
        _reopen(survey_round)
    else:
        if survey_round.state == "open":
            raise RoundStateError(_("The round is already open."))
        if survey_round.closes_on and survey_round.closes_on < today():
            raise RoundStateError(
                _("The round's closing date has passed. Change the date to open it.")
            )
        freeze(survey_round)
        survey_round.state = "open"
    audit.record("round.open", survey_round)


def freeze(survey_round: Round) -> None:
    """Store what the round asks as its snapshot and give it an open-link code."""
    if survey_round.snapshot is None:
        survey_round.snapshot = round_definition(survey_round).to_dict()
    ensure_open_code(survey_round)


def ensure_open_code(survey_round: Round) -> str:
    """The round's open-link code, made now if it has none: posters are printed before a
    round opens, and until then the link tells citizens when it opens."""
    if survey_round.open_code is None:
        survey_round.open_code = _printable_code()
    return survey_round.open_code


def _printable_code() -> str:
    """12 URL-safe characters that begin and end with a letter or digit: the code is printed
    on posters and typed by citizens, and one ending in "-" read as a word broken over two
    lines (pdftotext dropped it too), one ending in "_" vanished under a link's underline.
    Redrawn in 1 case of 16; what is left is still about 71 random bits."""
    while True:
        code = secrets.token_urlsafe(9)
        if code[0].isalnum() and code[-1].isalnum():
            return code


def close_round(survey_round: Round) -> None:
    if survey_round.state != "open":
        raise RoundStateError(_("Only an open round can be closed."))
    survey_round.state = "closed"
    audit.record("round.close", survey_round)


def reopen_round(survey_round: Round) -> None:
    """Reopen a closed round while it is still within its dates."""
    _reopen(survey_round)
    audit.record("round.reopen", survey_round)


def _reopen(survey_round: Round) -> None:
    if survey_round.state != "closed":
        raise RoundStateError(_("Only a closed round can be reopened."))
    if survey_round.results_released_on is not None:
        raise RoundStateError(
            _(
                "The round's results have been seen, so it stays closed: figures from before "
                "and after one more answer would show that answer."
            )
        )
    if survey_round.closes_on and survey_round.closes_on < today():
        raise RoundStateError(
            _("The round's closing date has passed. Change the date to reopen it.")
        )
    survey_round.state = "open"


def release_results(survey_round: Round) -> None:
    """The results of a closed round are about to be seen: from now on it stays closed."""
    if survey_round.state != "closed":
        raise RoundStateError(_("Results are shown once the round has closed."))
    if survey_round.results_released_on is None:
        survey_round.results_released_on = today()
        audit.record("round.results_released", survey_round)


class Schedule(Protocol):
    """What availability reads: a Round, or a citizen page's read-only record of one."""

    @property
    def state(self) -> str: ...
    @property
    def opens_on(self) -> date | None: ...
    @property
    def closes_on(self) -> date | None: ...


def availability(survey_round: Schedule) -> str:
    """'open', 'not_open' or 'closed' for a citizen arriving today."""
    now = today()
    if survey_round.state == "closed" or (survey_round.closes_on and survey_round.closes_on < now):
        return "closed"
    if survey_round.state == "draft" or (survey_round.opens_on and survey_round.opens_on > now):
        return "not_open"
    return "open"


def require_editable(survey_round: Round) -> None:
    if survey_round.snapshot is not None:
        raise RoundStateError(
            _("The round has been opened, so its questions can no longer change.")
        )
