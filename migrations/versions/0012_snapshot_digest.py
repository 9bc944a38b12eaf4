"""snapshot digest: the parsed questions of a round are cached per digest of its snapshot

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 11:00:00

"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _digest(snapshot):
    # The same canonical form as survey.models.round.snapshot_digest (kept here: a
    # migration must not change when the application code does).
    if snapshot is None:
        return None
    if isinstance(snapshot, str):
        snapshot = json.loads(snapshot)
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_digest", sa.String(length=64), nullable=True))
    rounds = sa.table(
        "survey_round",
        sa.column("id", sa.Integer),
        sa.column("snapshot", sa.JSON),
        sa.column("snapshot_digest", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(rounds.c.id, rounds.c.snapshot).where(rounds.c.snapshot.is_not(None))
    ).all()
    for round_id, snapshot in rows:
        connection.execute(
            rounds.update().where(rounds.c.id == round_id).values(snapshot_digest=_digest(snapshot))
        )


def downgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("snapshot_digest")
