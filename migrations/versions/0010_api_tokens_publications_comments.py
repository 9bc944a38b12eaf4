"""api tokens, publications, embedding origins and comment reviews

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 11:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_api_token_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_token_municipality_code"), ["municipality_code"], unique=False
        )
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("against_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_publication_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["against_id"],
            ["survey_round.id"],
            name=op.f("fk_publication_against_id_survey_round"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
        sa.UniqueConstraint("round_id", name=op.f("uq_publication_round_id")),
    )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embed_origins", sa.String(length=500), nullable=True))
    op.create_table(
        "comment_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_comment_theme_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_theme")),
        sa.UniqueConstraint(
            "municipality_code", "name", name=op.f("uq_comment_theme_municipality_code_name")
        ),
    )
    with op.batch_alter_table("comment_theme", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_theme_municipality_code"), ["municipality_code"], unique=False
        )
    op.create_table(
        "comment_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("item_code", sa.String(length=120), nullable=False),
        sa.Column("redacted", sa.Text(), nullable=False),
        sa.Column("quote", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id", "item_code"],
            ["answer.response_id", "answer.item_code"],
            name=op.f("fk_comment_review_response_id_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_comment_review_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_review")),
        sa.UniqueConstraint(
            "response_id", "item_code", name=op.f("uq_comment_review_response_id_item_code")
        ),
    )
    with op.batch_alter_table("comment_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_review_round_id"), ["round_id"], unique=False)
    op.create_table(
        "comment_tag",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["comment_review.id"],
            name=op.f("fk_comment_tag_review_id_comment_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["comment_theme.id"],
            name=op.f("fk_comment_tag_theme_id_comment_theme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "theme_id", name=op.f("pk_comment_tag")),
    )


def downgrade():
    op.drop_table("comment_tag")
    with op.batch_alter_table("comment_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_review_round_id"))
    op.drop_table("comment_review")
    with op.batch_alter_table("comment_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_theme_municipality_code"))
    op.drop_table("comment_theme")
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("embed_origins")
    op.drop_table("publication")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_municipality_code"))
    op.drop_table("api_token")
