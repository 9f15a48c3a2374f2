"""credit: records, serious-violation listings, repair applications; event_cursor.last_txid

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 18:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import zhiliang.kernel.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('event_cursor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_txid', sa.BigInteger(), server_default='0', nullable=False))
    op.create_table('credit_record',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('heavier', sa.Boolean(), nullable=False),
    sa.Column('decision_no', sa.String(length=80), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('heavier_penalty', sa.String(length=32), nullable=True),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('special_field', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('source_event_seq', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record')),
    sa.UniqueConstraint('source_event_seq', name=op.f('uq_credit_record_source_event_seq'))
    )
    op.create_index('ix_credit_record_scoring', 'credit_record',
                    ['enterprise_id', 'status', 'indicator', 'occurred_on', 'ended_on', 'heavier'], unique=False)
    op.create_table('serious_listing',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('removal', sa.String(length=16), nullable=True),
    sa.Column('listed_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_serious_listing_record_id_credit_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_serious_listing')),
    sa.UniqueConstraint('record_id', name=op.f('uq_serious_listing_record_id'))
    )
    op.create_index(op.f('ix_serious_listing_enterprise_id'), 'serious_listing', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_serious_listing_status'), 'serious_listing', ['status'], unique=False)
    op.create_table('credit_repair_application',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('listing_id', sa.BigInteger(), nullable=True),
    sa.Column('record_id', sa.BigInteger(), nullable=True),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('conditions', JsonDoc, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', JsonDoc, nullable=True),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=120), nullable=True),
    sa.Column('reviewed_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['serious_listing.id'], name=op.f('fk_credit_repair_application_listing_id_serious_listing')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_credit_repair_application_record_id_credit_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_repair_application'))
    )
    op.create_index(op.f('ix_credit_repair_application_enterprise_id'), 'credit_repair_application', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_credit_repair_application_listing_id'), 'credit_repair_application', ['listing_id'], unique=False)
    op.create_index(op.f('ix_credit_repair_application_record_id'), 'credit_repair_application', ['record_id'], unique=False)
    op.create_index(op.f('ix_credit_repair_application_status'), 'credit_repair_application', ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('credit_repair_application')
    op.drop_table('serious_listing')
    op.drop_index('ix_credit_record_scoring', table_name='credit_record')
    op.drop_table('credit_record')
    with op.batch_alter_table('event_cursor', schema=None) as batch_op:
        batch_op.drop_column('last_txid')
