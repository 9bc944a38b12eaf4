"""respondent summaries: each completed respondent's theme sums and headline answer

A comparison's theme means are means of respondents' means, and its key drivers pair each
answer with the same respondent's headline answer. Both needed the database to add up
every respondent's answers again on every comparison. They are now kept once per
completed respondent (written by survey.comparison.summaries when a round's results are
counted): a table of (response, theme) sums, and the headline answer and the summary's
digest on the response. Existing responses get theirs at their round's next comparison.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headline_value", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("summary_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "respondent_theme_sum",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_respondent_theme_sum_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "theme", name=op.f("pk_respondent_theme_sum")),
    )


def downgrade():
    op.drop_table("respondent_theme_sum")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("summary_digest")
        batch_op.drop_column("headline_value")
