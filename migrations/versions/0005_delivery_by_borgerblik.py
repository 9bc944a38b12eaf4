"""delivery by Borgerblik: send batches, the outbox, sealed contact data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "send_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("send_at", sa.DateTime(), nullable=False),
        sa.Column("reminder_days", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_send_batch_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_batch")),
    )
    with op.batch_alter_table("send_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_send_batch_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("send_batch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_erased_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_invitation_send_batch_id"), ["send_batch_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_send_batch_id_send_batch"),
            "send_batch",
            ["send_batch_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_outbox_message_channel")),
        sa.CheckConstraint(
            "state IN ('waiting', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled')",
            name=op.f("ck_outbox_message_state"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["send_batch.id"],
            name=op.f("fk_outbox_message_batch_id_send_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_outbox_message_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["state", "next_try_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_gateway_ref"), ["gateway_ref"], unique=False
        )

    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_texts", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("links_handed_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("may_download_links", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("may_download_links")
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("links_handed_out")
        batch_op.drop_column("message_texts")
    op.drop_table("outbox_message")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitation_send_batch_id_send_batch"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_invitation_send_batch_id"))
        batch_op.drop_column("contact_erased_on")
        batch_op.drop_column("send_batch_id")
        batch_op.drop_column("sealed")
    op.drop_table("send_batch")
