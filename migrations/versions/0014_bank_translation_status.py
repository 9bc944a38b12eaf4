"""bank translation status: draft or reviewed, and the Danish source each was made from

A local question's translations say, per language, whether a professional reviewed them
(who, when) and carry a fingerprint of the Danish texts they were made from, so a changed
Danish text shows them as stale. Existing translations get no entry: drafts of unknown
source (no review is claimed for them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("local_question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("local_question", schema=None) as batch_op:
        batch_op.drop_column("translations")
