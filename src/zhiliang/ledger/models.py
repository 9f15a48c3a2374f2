"""Tables of the ledger: stored Merkle hashes, logged entries, the sequencer's position, checkpoints, cosignatures.

Both bulk tables store what one append writes in a few rows rather than one row per hash or per entry: per-row
overhead, not bytes, bounds an append's speed (``benchmarks/ledger.py``, ``layout_*``).

``ledger_hash_block`` holds every stored hash of the tree (about two per leaf, indexed as in golang/mod
sumdb/tlog), :data:`HASH_BLOCK` consecutive hashes per row, so a proof is one indexed read of O(log n) rows.
``ledger_entry_run`` holds the logged entries as runs: consecutive leaves whose events have consecutive ``seq``,
never crossing an entry-bundle boundary (256 leaves, C2SP tlog-tiles), with each leaf's public bytes and,
privately, the salt of its commitment to the event's personal data; the salt is never served. ``zhiliang.ledger
.entries`` reads and writes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, UtcDateTime

# Hashes per ledger_hash_block row: 1,920 bytes, so two rows fill a 4 KiB SQLite page (a 2,048-byte row would
# take a page alone) and a PostgreSQL row stays under the 2 KB TOAST threshold (never moved out of line).
HASH_BLOCK = 60


class LedgerHashBlock(Base):
    """Stored hashes ``block * HASH_BLOCK`` … in ``hashes`` (32 bytes each); only the last block may be short."""

    __tablename__ = "ledger_hash_block"

    # BigId: on SQLite the key is the rowid itself, so a block costs no separate index.
    block: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerEntryRun(Base):
    """Leaves ``idx .. idx+count-1``, logging events ``seq .. seq+count-1``.

    ``lengths``: each leaf's byte length, big-endian uint32; ``data``: the leaves' bytes concatenated;
    ``salted``: one byte per leaf, 1 when it has a commitment; ``salts``: the 16-byte salts of those leaves.
    """

    __tablename__ = "ledger_entry_run"

    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    count: Mapped[int] = mapped_column(Integer)
    lengths: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    salted: Mapped[bytes] = mapped_column(LargeBinary)
    salts: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerState(Base):
    """The sequencer's position, one row (``id`` = 1), written in the transaction that appends the leaves.

    ``cursor_txid``/``cursor_seq``: the last event logged, in the order events are logged: (transaction id,
    seq) on PostgreSQL, where events may commit out of ``seq`` order; (0, seq) on SQLite, where they cannot.
    """

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor_txid: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note), one per tree size signed."""

    __tablename__ = "ledger_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LedgerCosignature(Base):
    """A witness's cosignature (C2SP tlog-cosignature) on one of our checkpoints, as the signature line given."""

    __tablename__ = "ledger_cosignature"

    checkpoint_size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_checkpoint.size"), primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
