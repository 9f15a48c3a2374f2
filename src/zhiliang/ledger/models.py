"""Tables of the ledger: stored Merkle hashes, logged entries, the sequencer's position, checkpoints, cosignatures.

``ledger_hash`` holds every stored hash of the tree (about two per leaf, indexed as in golang/mod sumdb/tlog), so a
proof is one indexed read of O(log n) rows. ``ledger_entry`` holds each leaf's public bytes (served in entry
bundles) and, privately, the salt of its commitment to the event's personal data; the salt is never served.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, UtcDateTime


class LedgerHash(Base):
    __tablename__ = "ledger_hash"

    # BigId: on SQLite the key is the rowid itself, so a hash costs no separate index.
    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerEntry(Base):
    __tablename__ = "ledger_entry"

    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    event_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))


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
