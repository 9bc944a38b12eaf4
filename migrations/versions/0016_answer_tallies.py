"""answer tallies: a round's frequency pass kept, so a comparison need not count every answer

A comparison counted every answer of both rounds on every look (a GROUP BY over the
answers joined to the responses), which at 100,000 responses a round took 1.5 times a
bare GROUP BY's seconds, and every download of the June report paid it again. The counts
per (item, value, headline answer, group of each background variable) are now kept per
round (written by survey.comparison.tallies at the round's next comparison, then only
for sheets completed since), with a digest of the counting rule and the number of sheets
counted on the round, and on each response which tally counts it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 00:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "answer_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("variable", sa.String(length=40), nullable=False),
        sa.Column("grp", sa.String(length=80), nullable=True),
        sa.Column("item_code", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("headline_value", sa.Text(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_answer_tally_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_tally")),
    )
    op.create_index(op.f("ix_answer_tally_round_id"), "answer_tally", ["round_id"])
    op.create_table(
        "round_tally",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_round_tally_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_tally")),
    )


def downgrade():
    op.drop_table("round_tally")
    op.drop_index(op.f("ix_answer_tally_round_id"), table_name="answer_tally")
    op.drop_table("answer_tally")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("tally_digest")
