"""Logged entries in ``ledger_entry_run`` rows: writing a batch, reading by leaf index and by event.

A run is consecutive leaves whose events have consecutive ``seq`` and that stay inside one entry bundle (256
leaves, C2SP tlog-tiles), so a batch of 2,000 events is about nine rows, an entry bundle is the runs of one
index range, and an event's leaf is found by one indexed lookup of the run whose first ``seq`` is the greatest
not above it (the runs' ``seq`` ranges never overlap, since each event is logged once). On PostgreSQL events are
logged in commit order, so ``seq`` may jump inside a batch; a jump just starts a new run.

Writes go through the DB-API cursor (``COPY`` on PostgreSQL, ``executemany`` on SQLite) in the caller's
transaction; the ORM's per-row work cost a third of an append when each entry was a row.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import is_not

from sqlalchemy import Connection, select

from zhiliang.ledger.models import LedgerEntryRun
from zhiliang.ledger.tiles import TILE_WIDTH

_COLUMNS = ("idx", "seq", "count", "lengths", "data", "salted", "salts")


@dataclass(frozen=True, slots=True)
class Entry:
    """One logged leaf: its index, the event it logs, its public bytes and the private salt (None: no commitment)."""

    idx: int
    event_seq: int
    data: bytes
    salt: bytes | None


def _runs(first_idx: int, seqs: Sequence[int], datas: Sequence[bytes],
          salts: Sequence[bytes | None]) -> Iterator[tuple]:
    """Split a batch (leaf ``first_idx + k`` logs event ``seqs[k]``) into ``ledger_entry_run`` rows."""
    start = 0
    while start < len(datas):
        idx, seq = first_idx + start, seqs[start]
        end = min(len(datas), start + TILE_WIDTH - idx % TILE_WIDTH)
        if list(seqs[start:end]) != list(range(seq, seq + end - start)):  # a jump in seq: the run ends there
            end = next(k for k in range(start + 1, end) if seqs[k] != seq + (k - start))
        part, salted = datas[start:end], salts[start:end]
        # map/filter keep the per-leaf work in C: this runs for every leaf the log appends.
        yield (idx, seq, len(part), struct.pack(f">{len(part)}I", *map(len, part)), b"".join(part),
               bytes(map(is_not, salted, repeat(None))), b"".join(filter(None, salted)))
        start = end


def append_entries(connection: Connection, first_idx: int, seqs: Sequence[int], datas: Sequence[bytes],
                   salts: Sequence[bytes | None]) -> None:
    """Store a batch as runs: leaf ``first_idx + k`` (``first_idx`` = the log's size) is ``datas[k]``, logging
    event ``seqs[k]``, with commitment salt ``salts[k]`` (None: the event had nothing to commit to)."""
    if not len(seqs) == len(datas) == len(salts):
        raise ValueError(f"seqs, datas and salts differ in length: {len(seqs)}, {len(datas)}, {len(salts)}")
    runs = list(_runs(first_idx, seqs, datas, salts))
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY ledger_entry_run ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                copy.set_types(["int8", "int8", "int4", "bytea", "bytea", "bytea", "bytea"])
                for run in runs:
                    copy.write_row(run)
        else:
            marks = ", ".join("?" * len(_COLUMNS))
            cursor.executemany(f"INSERT INTO ledger_entry_run ({', '.join(_COLUMNS)}) VALUES ({marks})", runs)
    finally:
        cursor.close()


def _decode(row: Sequence) -> list[Entry]:
    """The entries of one ``ledger_entry_run`` row, given as a tuple of :data:`_COLUMNS`."""
    idx, seq, count, lengths, data, salted, salts = row
    data, salts = bytes(data), bytes(salts)
    out, at, salt_at = [], 0, 0
    for k, (length, flag) in enumerate(zip(struct.unpack(f">{count}I", bytes(lengths)), bytes(salted),
                                           strict=True)):
        salt = None
        if flag:
            salt, salt_at = salts[salt_at:salt_at + 16], salt_at + 16
        out.append(Entry(idx + k, seq + k, data[at:at + length], salt))
        at += length
    return out


_SELECT = select(*(getattr(LedgerEntryRun, c) for c in _COLUMNS))


def read_entries(connection: Connection, start: int, stop: int) -> list[Entry]:
    """Entries ``start .. stop-1`` (fewer if the log is shorter), in order. Cost: one indexed range read."""
    if stop <= start:
        return []
    first = connection.execute(select(LedgerEntryRun.idx).where(LedgerEntryRun.idx <= start)
                               .order_by(LedgerEntryRun.idx.desc()).limit(1)).scalar()
    rows = connection.execute(_SELECT.where(LedgerEntryRun.idx >= (start if first is None else first),
                                            LedgerEntryRun.idx < stop).order_by(LedgerEntryRun.idx)).all()
    return [e for row in rows for e in _decode(tuple(row)) if start <= e.idx < stop]


def iter_entries(connection: Connection, runs_per_read: int = 64) -> Iterator[Entry]:
    """Every entry in leaf order, read ``runs_per_read`` runs at a time (the audit's stream)."""
    last = -1
    while True:
        rows = connection.execute(_SELECT.where(LedgerEntryRun.idx > last).order_by(LedgerEntryRun.idx)
                                  .limit(runs_per_read)).all()
        if not rows:
            return
        for row in rows:
            yield from _decode(tuple(row))
        last = rows[-1][0]


def entry_for_event(connection: Connection, seq: int) -> Entry | None:
    """The entry logging event ``seq``, or None if it is not logged. Cost: one indexed lookup."""
    row = connection.execute(_SELECT.where(LedgerEntryRun.seq <= seq).order_by(LedgerEntryRun.seq.desc())
                             .limit(1)).first()
    if row is None or seq >= row.seq + row.count:
        return None
    return _decode(tuple(row))[seq - row.seq]


def recent_entries(connection: Connection, limit: int) -> list[Entry]:
    """The last ``limit`` entries, newest first."""
    rows = connection.execute(_SELECT.order_by(LedgerEntryRun.idx.desc()).limit(limit)).all()
    entries = [e for row in rows for e in reversed(_decode(tuple(row)))]
    return entries[:limit]
