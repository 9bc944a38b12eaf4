"""The Odense demo: a round to try the citizen's pages with, staff users, invented answers,
history and an ambition level. Idempotent: running it again finds what it made."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from questionnaires import Questionnaire, find_questionnaire
from survey.accounts.service import create_user, hash_password
from survey.bank import status
from survey.core.extensions import db
from survey.delivery.queue import queue_send
from survey.delivery.texts import texts_for
from survey.demo.answers import seed_responses
from survey.invitations.issuing import invitation_link, open_link, public_base_url
from survey.invitations.tokens import invitation_hash, resume_hash
from survey.models import (
    BackgroundValue,
    HistoricalResult,
    Invitation,
    LocalQuestion,
    Municipality,
    Response,
    Round,
    SendBatch,
    Target,
    User,
)
from survey.models.base import today, utcnow
from survey.rounds.lifecycle import create_round, freeze, open_round
from survey.rounds.placement import add_local_question

DEMO_MUNICIPALITY = 461
DEMO_TITLE = "Borgerundersøgelse, demo"
DEMO_INVITATIONS = 10
DEMO_ANSWER_DAYS = 21  # the invented answers of the demo round fall in the last three weeks
DEMO_TRANSLATOR = "Borgerblik's authors (own translation, not checked by a professional translator)"
INTERNSHIP_YES = {"item": "kl.progress.internship", "in": [1]}
ODENSE_QUESTIONS = (
    {
        "code": "odense.internship.purpose",
        # Plain language (LIX under 40 in Danish), one term for the placement per language.
        "texts": {
            "da": "Min virksomhedspraktik nåede sit mål.",
            "en": "My work placement reached its goal.",
            "ar": "حقّق التدريب العملي في الشركة هدفه.",
            "fa": "کارآموزی در شرکت به هدف خود رسید.",
            "so": "Tababarkayga shaqo ee shirkadda wuxuu gaadhay yoolkiisa.",
            "tr": "İşyeri stajım amacına ulaştı.",
            "uk": "Моє стажування на підприємстві досягло своєї мети.",
            "pl": "Moja praktyka w firmie osiągnęła swój cel.",
            "ti": "ልምምድ ስራሕ ኣብ ትካል ዕላማኡ ኣማሊኡ።",
        },
    },
    {
        "code": "odense.internship.treatment",
        "texts": {
            "da": "Jeg blev behandlet godt i min virksomhedspraktik.",
            "en": "I was treated well in my work placement.",
            "ar": "عوملتُ معاملة جيدة في التدريب العملي في الشركة.",
            "fa": "در کارآموزی در شرکت با من خوب رفتار شد.",
            "so": "Si wanaagsan ayaa la iila dhaqmay tababarka shaqo ee shirkadda.",
            "tr": "İşyeri stajımda bana iyi davranıldı.",
            "uk": "Під час стажування на підприємстві до мене добре ставилися.",
            "pl": "W praktyce w firmie byłem dobrze traktowany lub byłam dobrze traktowana.",
            "ti": "ኣብ ልምምድ ስራሕ ኣብ ትካል ጽቡቕ ተታሒዘ።",
        },
    },
)


def ensure_odense_questions() -> list[LocalQuestion]:
    """Odense's two local add-ons, asked only after "yes" to the internship item."""
    questions = []
    for spec in ODENSE_QUESTIONS:
        question = db.session.scalar(
            select(LocalQuestion).where(
                LocalQuestion.municipality_code == DEMO_MUNICIPALITY,
                LocalQuestion.code == spec["code"],
            )
        )
        if question is None:
            question = LocalQuestion(
                municipality_code=DEMO_MUNICIPALITY,
                code=spec["code"],
                type="likert5",
                texts=spec["texts"],
                show_if=INTERNSHIP_YES,
                compare_key=spec["code"],
            )
            _demo_translation_status(question)
            db.session.add(question)
        questions.append(question)
    return questions


def _demo_translation_status(question: LocalQuestion) -> None:
    """As the core questionnaire's file says of its own texts: English reviewed by the
    authors, every other language a draft of the authors' own (survey/bank/status.py)."""
    status.mark_draft(question, question.translated_languages(), DEMO_TRANSLATOR)
    question.translations = {
        **(question.translations or {}),
        "en": {
            "status": "reviewed",
            "reviewed_by": "Borgerblik's authors",
            "reviewed_on": "2026-11-23",
            "source": question.danish_fingerprint(),
        },
    }


def demo_token(number: int) -> str:
    """Demo links derive from TOKEN_KEY, so running the demo again prints the same links."""
    key = current_app.config["TOKEN_KEY"].encode()
    digest = hmac.new(key, f"demo-invitation:{number}".encode(), hashlib.sha256).hexdigest()
    return "demo" + digest[:28]


def ensure_demo_round() -> Round:
    municipality = db.session.get(Municipality, DEMO_MUNICIPALITY)
    if municipality is None:
        raise LookupError(
            f"municipality {DEMO_MUNICIPALITY} is missing: the initial migration adds it"
        )
    if municipality.service_name is None:
        municipality.service_name = "Jobcenter Odense"
    # The current version (KL's 2025 categories), in all nine languages; the earlier rounds
    # of the demo's history are version 1, compared item by item where the wording agrees.
    survey_round = _find_round(DEMO_MUNICIPALITY, DEMO_TITLE) or _new_round(
        DEMO_MUNICIPALITY,
        DEMO_TITLE,
        questionnaire=find_questionnaire("kl-beskaeftigelse", 2),
        every_language=True,
    )
    if survey_round.opens_on is None and survey_round.closes_on is None:
        # A period staff can read on the start page: the three weeks of invented answers
        # behind it, four more weeks ahead.
        survey_round.opens_on = today() - timedelta(days=DEMO_ANSWER_DAYS)
        survey_round.closes_on = today() + timedelta(days=28)
    if survey_round.snapshot is None:
        for question in ensure_odense_questions():
            add_local_question(survey_round, question, placement="end")
        db.session.flush()
    if survey_round.state != "open":
        open_round(survey_round)
    return survey_round


def ensure_demo_invitations(survey_round: Round) -> list[str]:
    """Links of demo invitations not yet started or completed."""
    links = []
    for number in range(1, DEMO_INVITATIONS + 1):
        token = demo_token(number)
        token_hash = invitation_hash(token)
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash)
        )
        if invitation is None:
            invitation = Invitation(
                round_id=survey_round.id,
                number=number,
                token_hash=token_hash,
                benefit_group="kontanthjaelp" if number % 2 else "dagpenge",
            )
            db.session.add(invitation)
        started = db.session.scalar(
            select(Response.id).where(Response.resume_hash == resume_hash(token_hash))
        )
        if invitation.state == "issued" and started is None:
            links.append(invitation_link(token))
    return links


DEMO_USERS = (
    ("admin@odense.demo", "admin", 461),
    ("analytiker@odense.demo", "analyst", 461),
    ("admin@rodovre.demo", "admin", 175),
)
DEMO_BACKGROUND_VALUES = (
    ("benefit_group", "kontanthjaelp", "Kontanthjælp", "Cash benefit"),
    ("benefit_group", "dagpenge", "Dagpenge", "Unemployment benefit"),
    ("benefit_group", "sygedagpenge", "Sygedagpenge", "Sickness benefit"),
    ("benefit_group", "ressourceforloeb", "Ressourceforløb", "Resource programme"),
    ("benefit_group", "jobafklaring", "Jobafklaring", "Job clarification"),
    ("benefit_group", "ledighedsydelse", "Ledighedsydelse", "Flex-job unemployment benefit"),
    # Merged into kontanthjælp by the 2025 reform: kept, inactive, mapped to its successor.
    ("benefit_group", "uddannelseshjaelp", "Uddannelseshjælp", "Education benefit"),
    ("age_band", "18-29", "18–29 år", "18–29 years"),
    ("age_band", "30-49", "30–49 år", "30–49 years"),
    ("age_band", "50-plus", "50 år eller derover", "50 years or over"),
)


def demo_password(email: str) -> str:
    """Demo passwords derive from SECRET_KEY: stable across runs, unique per installation."""
    key = current_app.config["SECRET_KEY"].encode()
    return "demo-" + hmac.new(key, f"demo-user:{email}".encode(), hashlib.sha256).hexdigest()[:16]


def ensure_demo_users() -> list[dict]:
    users = []
    for email, role, municipality_code in DEMO_USERS:
        password = demo_password(email)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user, _ = create_user(email, role, municipality_code, password)
        user.password_hash = hash_password(password)
        user.must_change_password = False
        user.active = True
        users.append(
            {"email": email, "password": password, "role": role, "municipality": municipality_code}
        )
    return users


def ensure_background_values() -> None:
    for variable, code, label_da, label_en in DEMO_BACKGROUND_VALUES:
        exists = db.session.scalar(
            select(BackgroundValue).where(
                BackgroundValue.variable == variable, BackgroundValue.code == code
            )
        )
        if exists is None:
            value = BackgroundValue(
                variable=variable, code=code, label={"da": label_da, "en": label_en}
            )
            if code == "uddannelseshjaelp":
                value.active, value.replaced_by = False, "kontanthjaelp"
            db.session.add(value)


HISTORY = (  # invented figures in the shape of Odense's 2017-2023 statement
    (2017, 412, 301),
    (2019, 388, 289),
    (2021, 350, 266),
    (2023, 371, 290),
)


def ensure_demo_history(current: Round) -> None:
    """An earlier Odense round, other municipalities for a benchmark, history and a target."""
    earlier = _ensure_round(
        461, "Borgerundersøgelse forår 2025", opens_on=date(2025, 3, 1), closes_on=date(2025, 3, 31)
    )
    seed_responses(earlier, 180, seed=2025, positive_share=0.62, first_day=date(2025, 3, 3))
    if earlier.state != "closed":
        earlier.state = "closed"
    # The round before it, on the same version: a comparison of two closed rounds to try
    # (the current round is on version 2, whose reworded questions have keys of their own).
    # Made after the spring round, so the lists show it by time, not by when it was made.
    autumn = _ensure_round(
        461,
        "Borgerundersøgelse efterår 2024",
        opens_on=date(2024, 9, 2),
        closes_on=date(2024, 9, 30),
    )
    seed_responses(autumn, 160, seed=2024, positive_share=0.55, first_day=date(2024, 9, 3))
    if autumn.state != "closed":
        autumn.state = "closed"
    seed_responses(
        current,
        150,
        seed=2026,
        positive_share=0.7,
        first_day=today() - timedelta(days=DEMO_ANSWER_DAYS),
    )
    # Other municipalities' closed rounds of the same half-year: the earlier round's benchmark
    # (results, and so benchmarks, exist only for closed rounds).
    for code in (101, 175, 751):
        other = _ensure_round(
            code, f"Borgerundersøgelse forår 2025 ({code})", opens_on=date(2025, 3, 1)
        )
        seed_responses(other, 60, seed=code, positive_share=0.66, first_day=date(2025, 3, 3))
        other.state = "closed"
    for year, n, positive in HISTORY:
        exists = db.session.scalar(
            select(HistoricalResult.id).where(
                HistoricalResult.municipality_code == 461,
                HistoricalResult.compare_key == "odense.welcoming_reception",
                HistoricalResult.period == str(year),
            )
        )
        if exists is None:
            db.session.add(
                HistoricalResult(
                    municipality_code=461,
                    compare_key="odense.welcoming_reception",
                    period=str(year),
                    year=year,
                    text="Som borger oplever jeg en imødekommende modtagelse",
                    n=n,
                    positive=positive,
                )
            )
    for year, ambition in ((2025, 0.75), (2026, 0.75)):
        exists = db.session.scalar(
            select(Target.id).where(
                Target.municipality_code == 461,
                Target.indicator == "odense.welcoming_reception",
                Target.year == year,
            )
        )
        if exists is None:
            db.session.add(
                Target(
                    municipality_code=461,
                    indicator="odense.welcoming_reception",
                    year=year,
                    ambition=ambition,
                )
            )


EMPLOYER_TITLE = "Virksomhedsundersøgelse efterår 2025"


def ensure_demo_employer_round() -> Round:
    """A closed round of the employer survey (a second questionnaire) with invented answers."""
    survey_round = _ensure_round(
        DEMO_MUNICIPALITY,
        EMPLOYER_TITLE,
        opens_on=date(2025, 9, 1),
        closes_on=date(2025, 9, 30),
        questionnaire=find_questionnaire("virksomheder", 1),
    )
    seed_responses(survey_round, 70, seed=2509, positive_share=0.6, first_day=date(2025, 9, 2))
    survey_round.state = "closed"
    return survey_round


def _ensure_round(
    code: int,
    title: str,
    opens_on: date | None = None,
    closes_on: date | None = None,
    questionnaire: Questionnaire | None = None,
) -> Round:
    survey_round = _find_round(code, title)
    if survey_round is None:
        survey_round = _new_round(code, title, opens_on, closes_on, questionnaire)
        db.session.refresh(survey_round)
        # Frozen directly, not through open_round: the earlier demo round's dates are past.
        freeze(survey_round)
        survey_round.state = "open"
    return survey_round


def _find_round(code: int, title: str) -> Round | None:
    return db.session.scalar(
        select(Round).where(Round.municipality_code == code, Round.title == title)
    )


def _new_round(
    code: int,
    title: str,
    opens_on: date | None = None,
    closes_on: date | None = None,
    questionnaire: Questionnaire | None = None,
    every_language: bool = False,
) -> Round:
    """A demo round in Danish and English; the citizens' demo round in every language,
    the draft translations accepted (as an administrator would, knowingly)."""
    questionnaire = questionnaire or find_questionnaire("kl-beskaeftigelse", 1)
    return create_round(
        code,
        title,
        questionnaire,
        opens_on=opens_on,
        closes_on=closes_on,
        languages=questionnaire.languages if every_language else ("da", "en"),
        accept_drafts=every_language,
    )


DEMO_RECIPIENTS = (  # invented: the file transport writes their messages to instance/outbox/
    {"reference": "demo-sms", "mobile": "4520000001", "benefit_group": "dagpenge"},
    {"reference": "demo-mail", "email": "borger@example.org", "benefit_group": "kontanthjaelp"},
    {"reference": "demo-mail-en", "email": "citizen@example.org", "language": "en"},
)


def ensure_demo_messages(survey_round: Round) -> None:
    """Three invented citizens invited through the outbox, once, with a reminder after 3 days."""
    if db.session.scalar(select(SendBatch.id).where(SendBatch.round_id == survey_round.id)):
        return
    texts = texts_for(survey_round.message_texts, list(survey_round.languages))
    queue_send(survey_round, [dict(row) for row in DEMO_RECIPIENTS], texts, utcnow(), [3])


def ensure_demo() -> dict:
    """Everything the demo needs; returns the links and logins to try it with."""
    survey_round = ensure_demo_round()
    links = ensure_demo_invitations(survey_round)
    users = ensure_demo_users()
    ensure_background_values()
    ensure_demo_history(survey_round)
    employer = ensure_demo_employer_round()
    ensure_demo_messages(survey_round)
    return {
        "employer_round_id": employer.id,
        "municipality": DEMO_MUNICIPALITY,
        "round_id": survey_round.id,
        "title": survey_round.title,
        "citizen_links": links,
        "open_link": open_link(survey_round),
        "users": users,
        "admin_round_url": public_base_url() + f"/admin/rounds/{survey_round.id}",
    }
