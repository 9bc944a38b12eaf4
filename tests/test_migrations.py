"""Schema only through Alembic: an empty database upgraded to head equals the models."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text

from survey import create_app
from survey.core.config import normalise_database_url
from survey.core.extensions import db
from survey.models import Municipality

ROOT = Path(__file__).resolve().parent.parent
SUITE_URL = os.environ.get("DATABASE_URL", "")
# Always an empty SQLite file; in the PostgreSQL run also an empty PostgreSQL schema.
KINDS = ["sqlite"] + (["postgresql"] if SUITE_URL.startswith("postgres") else [])
REGIONS = {
    "Region Hovedstaden",
    "Region Sjælland",
    "Region Syddanmark",
    "Region Midtjylland",
    "Region Nordjylland",
}


@pytest.fixture(params=KINDS)
def empty_app(request, tmp_path):
    """An app on a database with no tables at all."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "migration-secret",
        "TOKEN_KEY": "migration-token-key",
        "PUBLIC_BASE_URL": "http://localhost",
    }
    schema = None
    if request.param == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/empty.sqlite"
    else:
        schema = "bb_migr_" + uuid.uuid4().hex[:8]
        admin = create_engine(normalise_database_url(SUITE_URL))
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        config["SQLALCHEMY_DATABASE_URI"] = SUITE_URL
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-c search_path={schema}"}
        }
    application = create_app(config)
    with application.app_context():
        assert inspect(db.engine).get_table_names() == []  # really empty
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_of_an_empty_database_gives_exactly_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = schema_differences(connection)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert tables == set(db.metadata.tables) | {"alembic_version"}


def test_first_migration_knows_the_98_municipalities(empty_app):
    with empty_app.app_context():
        upgrade(revision="0001")  # the first migration alone, before any later column
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT code, name, region FROM municipality")).all()
        assert len(rows) == 98
        names = {code: name for code, name, _region in rows}
        regions = {code: region for code, _name, region in rows}
        assert names[101] == "København"
        assert names[175] == "Rødovre"
        assert names[461] == "Odense"
        assert names[851] == "Aalborg"
        assert regions[101] == regions[175] == "Region Hovedstaden"
        assert regions[461] == "Region Syddanmark"
        assert set(regions.values()) == REGIONS
        assert len(set(names.values())) == 98
        assert all(101 <= code <= 860 for code in names)
        upgrade()  # and the later migrations keep them
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 98
        assert db.session.get(Municipality, 461).name == "Odense"
        db.session.remove()


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []
            count = connection.execute(text("SELECT count(*) FROM municipality")).scalar()
        assert count == 98


def test_migrations_form_one_line_of_history(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        scripts = ScriptDirectory.from_config(config)
        assert len(scripts.get_heads()) == 1
        assert len(scripts.get_bases()) == 1


def test_the_suite_database_is_at_head(app):
    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        config = app.extensions["migrate"].migrate.get_config()
        assert set(current) == set(ScriptDirectory.from_config(config).get_heads())
        assert schema_differences(connection) == []


def test_application_code_never_creates_tables_itself():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("survey", "questionnaires", "analysis")
        for path in (ROOT / folder).rglob("*.py")
        if "create_all(" in path.read_text(encoding="utf-8")
    ]
    offenders += ["wsgi.py"] if "create_all(" in (ROOT / "wsgi.py").read_text() else []
    assert offenders == []
