"""inspections: an external beacon as a plan's seed (inspection_plan.beacon)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 16:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beacon', JsonDoc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.drop_column('beacon')
