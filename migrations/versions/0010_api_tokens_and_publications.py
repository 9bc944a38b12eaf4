"""api tokens, publications and embedding origins

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 11:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_code', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['municipality_code'], ['municipality.code'],
            name=op.f('fk_api_token_municipality_code_municipality'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_api_token_municipality_code'), ['municipality_code'], unique=False
        )
    op.create_table(
        'publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('against_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'], ['survey_round.id'],
            name=op.f('fk_publication_round_id_survey_round'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['against_id'], ['survey_round.id'],
            name=op.f('fk_publication_against_id_survey_round'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
        sa.UniqueConstraint('round_id', name=op.f('uq_publication_round_id')),
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embed_origins', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('embed_origins')
    op.drop_table('publication')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_municipality_code'))
    op.drop_table('api_token')
