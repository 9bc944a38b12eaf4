"""themes from the questionnaire file, published benchmark figures

A local question's placement is the key of a theme of the round's questionnaire (the file
declares its themes), so the fixed list of five themes goes. Published national or
regional figures (e.g. KL's 2025H2 category means) get a table of their own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD_PLACEMENTS = (
    "placement IN ('end', 'meeting', 'goals', 'conversation', 'progression', 'overall')"
)


def upgrade():
    with op.batch_alter_table("round_question", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_round_question_placement"), type_="check")
    op.create_table(
        "benchmark_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("mean", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sd", sa.Double(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("n > 0", name=op.f("ck_benchmark_figure_n_positive")),
        sa.CheckConstraint(
            "sd IS NULL OR sd >= 0", name=op.f("ck_benchmark_figure_sd_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_figure")),
        sa.UniqueConstraint(
            "source", "period", "category", name=op.f("uq_benchmark_figure_source_period_category")
        ),
    )


def downgrade():
    op.drop_table("benchmark_figure")
    with op.batch_alter_table("round_question", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_round_question_placement"), OLD_PLACEMENTS)
