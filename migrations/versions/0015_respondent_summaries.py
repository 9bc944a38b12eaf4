"""respondent summaries: each completed respondent's theme sums and headline answer

A comparison's theme means are means of respondents' means, and its key drivers pair each
answer with the same respondent's headline answer. Both needed the database to add up
every respondent's answers again on every comparison. They are now kept once per
completed respondent (written by survey.comparison.summaries as a sheet is completed, or
at its round's next comparison): a table of (response, theme) sums with the response's
round and background, and the headline answer and the summary's digest on the response.
Existing responses get theirs at their round's next comparison.

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

# the response's background columns, copied (survey.models.background as of this revision)
BACKGROUND = {"benefit_group": 40, "age_band": 40, "gender": 40, "language": 40, "department": 80}


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headline_value", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("summary_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "respondent_theme_sum",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.String(length=n), nullable=True) for name, n in BACKGROUND.items()),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_respondent_theme_sum_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_respondent_theme_sum_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "theme", name=op.f("pk_respondent_theme_sum")),
    )
    op.create_index(op.f("ix_respondent_theme_sum_round_id"), "respondent_theme_sum", ["round_id"])


def downgrade():
    op.drop_index(op.f("ix_respondent_theme_sum_round_id"), table_name="respondent_theme_sum")
    op.drop_table("respondent_theme_sum")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("summary_digest")
        batch_op.drop_column("headline_value")
