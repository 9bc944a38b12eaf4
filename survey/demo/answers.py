"""Synthetic answers for the demo, so analysts have something to compare. Never real data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from questionnaires import Questionnaire
from survey.core.extensions import db
from survey.models import Answer, Response, Round
from survey.models.base import random_id
from survey.rounds.definition import round_definition

BENEFIT_GROUPS = (
    ("kontanthjaelp", 0.45),
    ("dagpenge", 0.25),
    ("sygedagpenge", 0.2),
    ("jobafklaring", 0.1),
)
AGE_BANDS = (("18-29", 0.35), ("30-49", 0.4), ("50-plus", 0.25))
COMMENTS = (
    "Min sagsbehandler lyttede til mig.",
    "Jeg ventede længe på at få svar.",
    "Det var svært at forstå brevene.",
    "Praktikken gav mig mod på at søge job.",
)


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _likert(rng: random.Random, positive_share: float) -> str:
    if rng.random() < 0.05:
        return "0"  # ved ikke
    if rng.random() < positive_share:
        return rng.choice(("4", "5", "5"))
    return rng.choice(("1", "2", "3", "3"))


def seed_responses(
    survey_round: Round, count: int, seed: int, positive_share: float, first_day: date
) -> int:
    """Add `count` completed synthetic responses to a round, unless it already has enough."""
    existing = db.session.execute(
        select(func.count()).where(
            Response.round_id == survey_round.id, Response.completed.is_(True)
        )
    ).scalar_one()
    if existing >= count:
        return 0
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not security
    definition: Questionnaire = round_definition(survey_round)
    responses, answers = [], []
    for _ in range(count - existing):
        response_id = random_id()
        group = _pick(rng, BENEFIT_GROUPS)
        # Cash-benefit recipients are a little less satisfied in this invented data.
        share = positive_share - (0.1 if group == "kontanthjaelp" else 0)
        day = first_day + timedelta(days=rng.randrange(21))
        responses.append(
            {
                "id": response_id,
                "round_id": survey_round.id,
                "resume_hash": None,
                "channel": "open",
                "ui_language": "da" if rng.random() < 0.85 else "en",
                "completed": True,
                "started_on": day,
                "completed_on": day,
                "benefit_group": group,
                "age_band": _pick(rng, AGE_BANDS),
            }
        )
        given: dict[str, str] = {}
        for item in definition.items:
            if not item.is_shown(given):
                continue
            if item.type == "likert5":
                value = _likert(rng, share)
            elif item.type == "yesno":
                value = "1" if rng.random() < 0.3 else "2"
            elif item.type == "scale" and item.answer_scale is not None:
                scale = item.answer_scale
                if rng.random() < share:
                    value = str(rng.choice(scale.positive))
                else:
                    others = [v for v in scale.valid if v not in scale.positive]
                    value = str(rng.choice(others or list(scale.valid)))
            elif item.type == "text":
                if rng.random() > 0.1:
                    continue
                value = rng.choice(COMMENTS)
            elif item.type == "single":
                value = str(rng.choice(item.options).value)
            elif item.type == "number":
                low = item.minimum if item.minimum is not None else 0
                high = item.maximum if item.maximum is not None else low + 20
                value = str(rng.randint(low, high))
            else:
                value = str(item.options[0].value)
            given[item.code] = value
            answers.append({"response_id": response_id, "item_code": item.code, "value": value})
    db.session.execute(insert(Response), responses)
    db.session.execute(insert(Answer), answers)
    return len(responses)
