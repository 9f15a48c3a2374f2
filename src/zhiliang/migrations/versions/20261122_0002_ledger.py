"""ledger: stored hashes, entries, sequencer state, checkpoints, cosignatures; event.txid

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import zhiliang.kernel.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('ledger_checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('signed_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_ledger_checkpoint'))
    )
    op.create_index(op.f('ix_ledger_checkpoint_signed_at'), 'ledger_checkpoint', ['signed_at'], unique=False)
    op.create_table('ledger_entry',
    sa.Column('idx', BigId, autoincrement=False, nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('salt', sa.LargeBinary(length=16), nullable=True),
    sa.PrimaryKeyConstraint('idx', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('event_seq', name=op.f('uq_ledger_entry_event_seq'))
    )
    op.create_table('ledger_hash',
    sa.Column('idx', BigId, autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('idx', name=op.f('pk_ledger_hash'))
    )
    op.create_table('ledger_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('cursor_txid', sa.BigInteger(), nullable=False),
    sa.Column('cursor_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_state'))
    )
    op.create_table('ledger_cosignature',
    sa.Column('checkpoint_size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('witness', sa.String(length=200), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('received_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_size'], ['ledger_checkpoint.size'], name=op.f('fk_ledger_cosignature_checkpoint_size_ledger_checkpoint')),
    sa.PrimaryKeyConstraint('checkpoint_size', 'witness', name=op.f('pk_ledger_cosignature'))
    )
    op.add_column('event', sa.Column('txid', sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        # Events written before this migration are older than any running transaction: log them first, by seq.
        op.execute("UPDATE event SET txid = 0")
        op.execute("ALTER TABLE event ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text)::bigint")
        op.create_index('ix_event_txid_seq', 'event', ['txid', 'seq'], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_event_txid_seq', table_name='event')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('txid')
    op.drop_table('ledger_cosignature')
    op.drop_table('ledger_state')
    op.drop_table('ledger_hash')
    op.drop_table('ledger_entry')
    op.drop_index(op.f('ix_ledger_checkpoint_signed_at'), table_name='ledger_checkpoint')
    op.drop_table('ledger_checkpoint')
