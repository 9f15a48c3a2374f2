"""credit: records for the credit evaluation of certification bodies and laboratories

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 19:00:00
"""
from alembic import op
import sqlalchemy as sa
import zhiliang.kernel.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('institution_credit_record',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('institution_id', sa.BigInteger(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('heavier', sa.Boolean(), nullable=False),
    sa.Column('decision_no', sa.String(length=80), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_credit_record'))
    )
    op.create_index('ix_institution_credit_record_kind_institution_id', 'institution_credit_record',
                    ['kind', 'institution_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_institution_credit_record_kind_institution_id', table_name='institution_credit_record')
    op.drop_table('institution_credit_record')
