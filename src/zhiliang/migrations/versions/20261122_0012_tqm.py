"""tqm: enterprises' process datasets and their analyses

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 21:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import zhiliang.kernel.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('tqm_dataset',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('column_count', sa.Integer(), nullable=False),
    sa.Column('columns', JsonDoc, nullable=False),
    sa.Column('data', JsonDoc, nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tqm_dataset'))
    )
    op.create_index(op.f('ix_tqm_dataset_enterprise_id'), 'tqm_dataset', ['enterprise_id'], unique=False)
    op.create_table('tqm_analysis',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('dataset_id', sa.BigInteger(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('chart', sa.String(length=16), nullable=False),
    sa.Column('params', JsonDoc, nullable=False),
    sa.Column('result', JsonDoc, nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['tqm_dataset.id'], name=op.f('fk_tqm_analysis_dataset_id_tqm_dataset')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tqm_analysis'))
    )
    op.create_index(op.f('ix_tqm_analysis_dataset_id'), 'tqm_analysis', ['dataset_id'], unique=False)
    op.create_index(op.f('ix_tqm_analysis_enterprise_id'), 'tqm_analysis', ['enterprise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tqm_analysis_enterprise_id'), table_name='tqm_analysis')
    op.drop_index(op.f('ix_tqm_analysis_dataset_id'), table_name='tqm_analysis')
    op.drop_table('tqm_analysis')
    op.drop_index(op.f('ix_tqm_dataset_enterprise_id'), table_name='tqm_dataset')
    op.drop_table('tqm_dataset')
