"""registry: enterprise licences and tags, and enterprise_label for the inspection pool's filters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 15:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('licences', JsonDoc, server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('tags', JsonDoc, server_default='[]', nullable=False))
    op.create_table('enterprise_label',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_label_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'value', 'enterprise_id', name=op.f('pk_enterprise_label'))
    )
    op.create_index(op.f('ix_enterprise_label_enterprise_id'), 'enterprise_label', ['enterprise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_enterprise_label_enterprise_id'), table_name='enterprise_label')
    op.drop_table('enterprise_label')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('tags')
        batch_op.drop_column('licences')
