"""ledger: hashes in blocks of 60 (ledger_hash_block), entries in runs (ledger_entry_run)

Per-row overhead bounded the append rate when each stored hash and each entry was a row; the same bytes now go
in a few rows per batch. Existing rows are moved, in index order, then the old tables are dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 14:00:00
"""
import struct

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
HASH_BLOCK = 60  # as zhiliang.ledger.models.HASH_BLOCK when this migration was written
_WIDTH = HASH_BLOCK * 32
RUN_WIDTH = 256
_READ = 100_000


def upgrade() -> None:
    op.create_table('ledger_hash_block',
    sa.Column('block', BigId, autoincrement=False, nullable=False),
    sa.Column('hashes', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('block', name=op.f('pk_ledger_hash_block'))
    )
    op.create_table('ledger_entry_run',
    sa.Column('idx', BigId, autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('lengths', sa.LargeBinary(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('salted', sa.LargeBinary(), nullable=False),
    sa.Column('salts', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('idx', name=op.f('pk_ledger_entry_run'))
    )
    op.create_index(op.f('ix_ledger_entry_run_seq'), 'ledger_entry_run', ['seq'], unique=False)
    _move_hashes(op.get_bind())
    _move_entries(op.get_bind())
    op.drop_table('ledger_hash')
    op.drop_table('ledger_entry')


def _move_hashes(bind) -> None:
    blocks = sa.table('ledger_hash_block', sa.column('block'), sa.column('hashes'))
    last, pending = -1, bytearray()
    block = 0
    while rows := bind.execute(sa.text("SELECT idx, hash FROM ledger_hash WHERE idx > :last ORDER BY idx LIMIT :n"),
                               {"last": last, "n": _READ}).all():
        for idx, value in rows:
            if idx != last + 1:
                raise RuntimeError(f"ledger_hash is missing stored hash {last + 1}; repair before migrating")
            pending += bytes(value)
            last = idx
        full = len(pending) // _WIDTH
        if full:
            bind.execute(blocks.insert(), [{"block": block + k, "hashes": bytes(pending[k * _WIDTH:(k + 1) * _WIDTH])}
                                           for k in range(full)])
            block += full
            del pending[:full * _WIDTH]
    if pending:
        bind.execute(blocks.insert(), [{"block": block, "hashes": bytes(pending)}])


def _move_entries(bind) -> None:
    runs = sa.table('ledger_entry_run', *(sa.column(c) for c in
                                          ('idx', 'seq', 'count', 'lengths', 'data', 'salted', 'salts')))
    last, current = -1, []
    while rows := bind.execute(sa.text("SELECT idx, event_seq, data, salt FROM ledger_entry WHERE idx > :last "
                                       "ORDER BY idx LIMIT :n"), {"last": last, "n": _READ}).all():
        out = []
        for idx, seq, data, salt in rows:
            if current and (idx % RUN_WIDTH == 0 or seq != current[0][1] + len(current)):
                out.append(_run(current))
                current = []
            current.append((idx, seq, bytes(data), None if salt is None else bytes(salt)))
            last = idx
        if out:
            bind.execute(runs.insert(), out)
    if current:
        bind.execute(runs.insert(), [_run(current)])


def _run(entries) -> dict:
    return {"idx": entries[0][0], "seq": entries[0][1], "count": len(entries),
            "lengths": struct.pack(f">{len(entries)}I", *(len(e[2]) for e in entries)),
            "data": b"".join(e[2] for e in entries), "salted": bytes(e[3] is not None for e in entries),
            "salts": b"".join(e[3] for e in entries if e[3] is not None)}


def downgrade() -> None:
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
    bind = op.get_bind()
    for block, hashes in bind.execute(sa.text("SELECT block, hashes FROM ledger_hash_block ORDER BY block")).all():
        hashes = bytes(hashes)
        bind.execute(sa.text("INSERT INTO ledger_hash (idx, hash) VALUES (:i, :h)"),
                     [{"i": block * HASH_BLOCK + k, "h": hashes[k * 32:(k + 1) * 32]} for k in range(len(hashes) // 32)])
    for idx, seq, count, lengths, data, salted, salts in bind.execute(sa.text(
            "SELECT idx, seq, count, lengths, data, salted, salts FROM ledger_entry_run ORDER BY idx")).all():
        data, salts, at, salt_at, rows = bytes(data), bytes(salts), 0, 0, []
        for k, (length, flag) in enumerate(zip(struct.unpack(f">{count}I", bytes(lengths)), bytes(salted), strict=True)):
            salt = salts[salt_at:salt_at + 16] if flag else None
            salt_at += 16 if flag else 0
            rows.append({"i": idx + k, "s": seq + k, "d": data[at:at + length], "t": salt})
            at += length
        bind.execute(sa.text("INSERT INTO ledger_entry (idx, event_seq, data, salt) VALUES (:i, :s, :d, :t)"), rows)
    op.drop_index(op.f('ix_ledger_entry_run_seq'), table_name='ledger_entry_run')
    op.drop_table('ledger_entry_run')
    op.drop_table('ledger_hash_block')
