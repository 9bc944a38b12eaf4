"""Production concerns: health check, logs without secrets, retention, deletion on request,
the accessibility statement link."""

from __future__ import annotations

import io
import json
import logging
import random
import re
import uuid
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from survey.core.extensions import db
from survey.core.operations import JsonFormatter
from survey.models import (
    Answer,
    AuditEvent,
    HistoricalResult,
    Invitation,
    LocalQuestion,
    Municipality,
    Response,
    Round,
    User,
)
from survey.rounds.definition import round_definition


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seed_closed_round(app, make_round, municipality=461, responses=12, closed_days_ago=400) -> int:
    from survey.demo.answers import seed_responses

    round_id = make_round(municipality, local=False, state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, round_id)
        survey_round.opens_on = date.today() - timedelta(days=closed_days_ago + 30)
        survey_round.closes_on = date.today() - timedelta(days=closed_days_ago)
        seed_responses(
            survey_round, responses, seed=7, positive_share=0.6, first_day=survey_round.opens_on
        )
        db.session.commit()
    return round_id


def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "rate_limits": "per-process"}


def test_request_log_names_the_route_never_the_token(app, make_round, invite, caplog):
    (token,) = invite(make_round())
    app.config["JSON_LOGS"] = True
    try:
        with caplog.at_level(logging.INFO, logger=app.logger.name):
            app.test_client().get(f"/s/{token}")
            app.test_client().get("/s/not-a-real-token-at-all-000000")
    finally:
        app.config["JSON_LOGS"] = False
    lines = [
        JsonFormatter().format(record)
        for record in caplog.records
        if record.getMessage() == "request"
    ]
    assert len(lines) == 2
    for line in lines:
        entry = json.loads(line)
        assert entry["route"] == "/s/<token>"
        assert token not in line and "not-a-real-token" not in line


def test_in_production_each_request_is_one_json_line_on_the_handler(
    production_app, make_round, invite
):
    """The request log's line written straight to the JSON handler (no LogRecord made) is
    the line the formatter makes of a record with the same fields, once per request; with
    another handler on the way (here one on the root logger) the record goes as usual and
    both see it."""
    (token,) = invite(make_round())
    (handler,) = production_app.logger.handlers
    log = io.StringIO()
    handler.setStream(log)
    client = production_app.test_client()
    client.get(f"/s/{token}", base_url="https://localhost")
    client.get("/s/not-a-real-token-at-all-000000", base_url="https://localhost")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2, lines
    entries = [json.loads(line) for line in lines]
    assert [(e["route"], e["method"], e["status"]) for e in entries] == [
        ("/s/<token>", "GET", 303),
        ("/s/<token>", "GET", 404),
    ]
    record = logging.makeLogRecord(
        {"name": production_app.logger.name, "msg": "request", "levelname": "INFO"}
    )
    record.__dict__.update(route="/s/<token>", method="GET", status=303, ms=entries[0]["ms"])
    assert lines[0] == JsonFormatter().format(record)
    assert token not in log.getvalue()

    seen = []
    other = logging.Handler()
    other.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(other)
    try:
        client.get("/s/not-a-real-token-at-all-000000", base_url="https://localhost")
    finally:
        logging.getLogger().removeHandler(other)
    assert len(log.getvalue().splitlines()) == 3
    assert [r.getMessage() for r in seen if r.name == production_app.logger.name] == ["request"]


TRIGGER_MESSAGE = "answer refused by the test trigger"
MARKER = "hemmelig-borgerkommentar-7f3a"  # in a citizen's comment, so in the SQL parameters


def refuse_marked_answers(is_postgres: bool) -> tuple[list[str], list[str]]:
    """SQL that makes the database itself refuse an answer containing MARKER, and undo it."""
    if is_postgres:
        create = [
            "CREATE FUNCTION refuse_marked_answer() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF NEW.value LIKE '%{MARKER}%' THEN RAISE EXCEPTION '{TRIGGER_MESSAGE}'; "
            "END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_marked_answer BEFORE INSERT OR UPDATE ON answer "
            "FOR EACH ROW EXECUTE FUNCTION refuse_marked_answer()",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS refuse_marked_answer ON answer",
            "DROP FUNCTION IF EXISTS refuse_marked_answer()",
        ]
    else:
        create = [
            "CREATE TRIGGER refuse_marked_answer BEFORE INSERT ON answer "
            f"WHEN NEW.value LIKE '%{MARKER}%' "
            f"BEGIN SELECT RAISE(ABORT, '{TRIGGER_MESSAGE}'); END"
        ]
        drop = ["DROP TRIGGER IF EXISTS refuse_marked_answer"]
    return create, drop


def test_a_failed_statement_is_logged_as_type_and_first_line_never_its_parameters(
    app, production_app, db_url, make_round, citizen
):
    """In production a database error on a citizen's answer is logged as one JSON line with
    the error's type and first line: SQLAlchemy's later lines carry the statement and its
    parameters, here the citizen's comment."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    round_id = make_round(local=False)
    with app.app_context():
        open_code = db.session.get(Round, round_id).open_code
    (handler,) = production_app.logger.handlers
    assert isinstance(handler.formatter, JsonFormatter)
    log = io.StringIO()
    handler.setStream(log)
    create, drop = refuse_marked_answers(db_url.startswith("postgres"))
    with app.app_context(), db.engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        citizen = type(citizen)(production_app.test_client())  # the same helper, in production
        citizen.open(f"/o/{open_code}")
        citizen.start()
        failed = None
        for _ in range(8):
            page = citizen.get().get_data(as_text=True)
            codes = set(re.findall(r'name="(kl\.[a-z_.]+)"', page))
            answers = {code: "2" if code == "kl.progress.internship" else "4" for code in codes}
            if "kl.overall.comment" in codes:
                answers["kl.overall.comment"] = f"Min sagsbehandler hedder {MARKER}"
            response = citizen.post_page(answers)
            if response.status_code == 500:
                failed = response
                break
            assert response.status_code == 302, response.get_data(as_text=True)
        assert failed is not None and "kl.overall.comment" in codes, "the comment never failed"
        assert "Fejlkode: 500" in failed.get_data(as_text=True)
        assert MARKER not in failed.get_data(as_text=True)

        # The same statement made here, to know the error the app met and that it carried
        # the comment (on a later line) and the response's id.
        with app.app_context():
            response_id = db.session.scalar(
                select(Response.id).where(Response.round_id == round_id)
            )
            try:
                db.session.execute(
                    insert(Answer).values(
                        response_id=response_id,
                        item_code="kl.overall.comment",
                        value=f"Min sagsbehandler hedder {MARKER}",
                    )
                )
            except SQLAlchemyError as error:
                met = error
            else:
                raise AssertionError("the trigger did not refuse the answer")
            finally:
                db.session.rollback()
    finally:
        with app.app_context(), db.engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))
    full = str(met)
    assert MARKER in full and response_id in full and TRIGGER_MESSAGE in full.splitlines()[0]

    output = log.getvalue()
    lines = output.splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    errors = [entry for entry in entries if "error" in entry]
    assert len(errors) == 1, output
    assert errors[0]["level"] == "ERROR" and errors[0]["message"] == "unhandled error"
    assert errors[0]["error"] == f"{type(met).__name__}: {full.splitlines()[0]}"
    assert any(entry.get("status") == 500 for entry in entries), output
    for secret in (MARKER, response_id, "[SQL:", "INSERT INTO", "[parameters:", "Traceback"):
        assert secret not in output, secret


LIKERT_VALUES = ("0", "1", "2", "3", "4", "5")  # "0" is "ved ikke": recorded, not valid
SUPPRESSED_ITEM = "kl.progress.closer"  # given only 4 valid answers below: nothing to keep


def designed_answers(items, sheets: int) -> list[dict[str, str]]:
    """Answers of `sheets` completed sheets, chosen here so the test knows every count:
    each scored item its own mix of values, one item with too few valid answers."""
    rng = random.Random(20260)
    answers = [{} for _ in range(sheets)]
    for item in items:
        for number, sheet in enumerate(answers):
            if item.type == "likert5":
                value = rng.choice(LIKERT_VALUES)
                if item.code == SUPPRESSED_ITEM:
                    value = rng.choice("12345") if number < 4 else "0"
            elif item.type == "yesno":
                value = rng.choice("12")
            elif item.type == "text":
                value = "Tak for hjælpen"
            else:
                value = str(item.options[0].value)
            sheet[item.code] = value
    return answers


def insert_sheets(round_id: int, sheets: list[dict[str, str]], completed: bool) -> None:
    for sheet in sheets:
        response_id = uuid.uuid4().hex
        db.session.execute(
            insert(Response).values(
                id=response_id,
                round_id=round_id,
                channel="open",
                ui_language="da",
                completed=completed,
                started_on=date.today() - timedelta(days=420),
                completed_on=date.today() - timedelta(days=420) if completed else None,
            )
        )
        db.session.execute(
            insert(Answer),
            [{"response_id": response_id, "item_code": c, "value": v} for c, v in sheet.items()],
        )


def test_retention_keeps_aggregates_and_deletes_raw_answers(app, make_round):
    due = make_round(461, local=False, state="closed")
    with app.app_context():
        survey_round = db.session.get(Round, due)
        survey_round.opens_on = date.today() - timedelta(days=430)
        survey_round.closes_on = date.today() - timedelta(days=400)
        items = round_definition(survey_round).items
        completed = designed_answers(items, 14)
        insert_sheets(due, completed, completed=True)
        # Unfinished sheets, all "helt enig" and "ja": they must not count.
        unfinished = [{item.code: ("1" if item.type == "yesno" else "5") for item in items}] * 3
        insert_sheets(due, unfinished, completed=False)
        opened = survey_round.opens_on
        db.session.commit()
    recent = seed_closed_round(app, make_round, responses=6, closed_days_ago=10)

    # What must be kept, counted here from the answers above: valid answers are 1-5 for a
    # statement ("ved ikke" left out) and 1-2 for yes/no; positive ones are 4 or 5, or yes.
    # An item with fewer than 5 valid answers is not kept at all.
    expected = {}
    for item in items:
        given = [sheet[item.code] for sheet in completed]
        if item.type == "likert5":
            n = sum(value in {"1", "2", "3", "4", "5"} for value in given)
            positive = sum(value in {"4", "5"} for value in given)
        elif item.type == "yesno":
            n = sum(value in {"1", "2"} for value in given)
            positive = sum(value == "1" for value in given)
        else:
            continue
        if n >= 5:
            expected[item.compare_key] = (n, positive)
    assert SUPPRESSED_ITEM not in expected and len(expected) == 17
    # The design tells a miscount apart: shares vary and are not simply half of n.
    assert len({positive / n for n, positive in expected.values()}) > 5
    assert sum(positive != n // 2 for n, positive in expected.values()) >= 8

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["data", "retention", "--older-than-days", "365", "--dry-run"])
    assert (
        dry.exit_code == 0 and f"round {due}" in dry.output and f"round {recent}" not in dry.output
    )
    with app.app_context():
        assert count(Response, Response.round_id == due) == 17
        assert count(HistoricalResult) == 0
    result = runner.invoke(args=["data", "retention", "--older-than-days", "365"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Response, Response.round_id == due) == 0
        assert (
            count(
                Answer, Answer.response_id.in_(select(Response.id).where(Response.round_id == due))
            )
            == 0
        )
        assert count(Response, Response.round_id == recent) == 6
        assert db.session.get(Round, due).raw_answers_deleted_on == date.today()
        kept = db.session.scalars(select(HistoricalResult)).all()
        assert {r.compare_key: (r.n, r.positive) for r in kept} == expected
        half = 1 if opened.month <= 6 else 2
        assert {(r.municipality_code, r.period, r.year) for r in kept} == {
            (461, f"{opened.year}H{half}", opened.year)
        }
        assert count(AuditEvent, AuditEvent.action == "round.raw_answers_deleted") == 1
    again = runner.invoke(args=["data", "retention", "--older-than-days", "365"])
    assert "no round is due" in again.output


def test_deleting_a_municipality_leaves_the_others_alone(app, make_round, invite):
    odense = seed_closed_round(app, make_round, 461, responses=8)
    rodovre = seed_closed_round(app, make_round, 175, responses=7)
    invite(odense, 3)
    from survey.accounts.service import create_user

    with app.app_context():
        create_user("a@odense.dk", "admin", 461, "a long enough password")
        create_user("a@rodovre.dk", "admin", 175, "a long enough password")
        db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["data", "delete-municipality", "461"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["data", "delete-municipality", "461", "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Round, Round.municipality_code == 461) == 0
        assert count(Invitation) == 0
        assert count(LocalQuestion, LocalQuestion.municipality_code == 461) == 0
        assert count(User, User.municipality_code == 461) == 0
        assert db.session.get(Municipality, 461) is not None
        assert count(Response, Response.round_id == rodovre) == 7
        assert count(User, User.municipality_code == 175) == 1
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "municipality.data_deleted")
        )
        assert event.details["municipality"] == 461 and event.details["responses"] == 8


def test_every_page_links_the_accessibility_statement(app, client, make_round, invite):
    (token,) = invite(make_round())
    for path in ("/login", "/tilgaengelighed", "/s/unknown-token-000000000000000"):
        html = client.get(path).get_data(as_text=True)
        assert '<a href="/was" lang="da">Tilgængelighedserklæring</a>' in html
    client.get(f"/s/{token}")
    assert "Tilgængelighedserklæring" in client.get("/svar").get_data(as_text=True)


def test_was_redirects_to_the_municipality_statement(app, client, make_round, invite):
    assert client.get("/was").headers["Location"] == "/tilgaengelighed"
    app.config["ACCESSIBILITY_STATEMENT_URL"] = "https://was.digst.dk/borgerblik-kl"
    try:
        assert client.get("/was").headers["Location"] == "https://was.digst.dk/borgerblik-kl"
        (token,) = invite(make_round())
        with app.app_context():
            db.session.get(Municipality, 461).accessibility_url = "https://was.digst.dk/odense-dk"
            db.session.commit()
        client.get(f"/s/{token}")
        assert client.get("/was").headers["Location"] == "https://was.digst.dk/odense-dk"
    finally:
        app.config["ACCESSIBILITY_STATEMENT_URL"] = ""
        with app.app_context():
            db.session.get(Municipality, 461).accessibility_url = None
            db.session.commit()


def test_accessibility_page_lists_the_automated_checks(client):
    html = client.get("/tilgaengelighed").get_data(as_text=True)
    assert "axe-core" in html and "320" in html and "JavaScript" in html


def test_deleting_a_municipality_takes_its_tokens_themes_reviews_and_publications(app, make_round):
    from survey.api_tokens.service import create_token
    from survey.comments.service import add_theme
    from survey.models import ApiToken, CommentReview, CommentTheme, Publication

    odense = seed_closed_round(app, make_round, 461, responses=8)
    with app.app_context():
        create_token(461, "BI")
        create_token(175, "BI")
        theme = add_theme(461, "Ventetid", "vente")
        answer = db.session.scalar(
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == odense)
        )
        review = CommentReview(
            round_id=odense,
            response_id=answer.response_id,
            item_code=answer.item_code,
            redacted="x",
            quote=True,
        )
        review.themes = [theme]
        db.session.add_all([review, Publication(round_id=odense)])
        db.session.get(Municipality, 461).embed_origins = "https://www.odense.dk"
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["data", "delete-municipality", "461", "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(ApiToken, ApiToken.municipality_code == 461) == 0
        assert count(ApiToken, ApiToken.municipality_code == 175) == 1
        assert count(CommentTheme) == 0 and count(CommentReview) == 0 and count(Publication) == 0
        assert db.session.get(Municipality, 461).embed_origins is None
