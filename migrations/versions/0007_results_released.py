"""results released: a closed round whose results were seen is not reopened

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("results_released_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("results_released_on")
