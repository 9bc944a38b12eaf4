"""devices and open-link hours: a sheet remembers the browser that started it; open-link
completions and refusals counted per hour

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_hash", sa.String(length=64), nullable=True))

    op.create_table(
        "open_link_hour",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_open_link_hour_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "hour", name=op.f("pk_open_link_hour")),
    )


def downgrade():
    op.drop_table("open_link_hour")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("device_hash")
