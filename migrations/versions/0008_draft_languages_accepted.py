"""draft languages accepted: a round offers a draft translation only when accepted

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_languages_accepted", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("draft_languages_accepted")
