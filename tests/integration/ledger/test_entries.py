"""Entries stored as runs (``ledger/entries.py``): what is written reads back the same by index and by event,
whatever the split into runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest

from zhiliang.ledger import entries
from zhiliang.ledger.tiles import TILE_WIDTH


def rows_for(first_idx: int, seqs: list[int]) -> list[tuple[int, int, bytes, bytes | None]]:
    # Varied lengths (empty too) and salts on some entries only, as events with and without personal data.
    return [(first_idx + k, seq, os.urandom(k % 7) + f"leaf {seq}".encode(), os.urandom(16) if seq % 3 else None)
            for k, seq in enumerate(seqs)]


def append(conn, rows) -> None:
    entries.append_entries(conn, rows[0][0], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])


@pytest.fixture
def conn(db):
    with db.begin() as session:
        yield session.connection()


def test_runs_split_at_bundle_boundaries_and_seq_jumps():
    seqs = list(range(10, 260)) + [400, 401, 300] + list(range(500, 520))
    rows = rows_for(250, seqs)
    runs = list(entries._runs(250, seqs, [r[2] for r in rows], [r[3] for r in rows]))
    # 250..255 (bundle 0), then 256.. until seq 259, then 400-401, 300, 500.. in bundle 1 (no bundle crossing)
    assert [(r[0], r[1], r[2]) for r in runs] == [(250, 10, 6), (256, 16, 244), (500, 400, 2), (502, 300, 1),
                                                 (503, 500, 9), (512, 509, 11)]
    assert all(r[0] // TILE_WIDTH == (r[0] + r[2] - 1) // TILE_WIDTH for r in runs)


def test_entries_read_back_by_index_by_event_and_in_order(conn):
    first = rows_for(0, list(range(1, 301)))          # one batch crossing a bundle boundary
    second = rows_for(300, [305, 303, 304, 900, 901])  # PostgreSQL commit order: seq jumps back and forth
    third = rows_for(305, [902])                       # a batch of one
    for batch in (first, second, third):
        append(conn, batch)
    written = [entries.Entry(*row) for row in first + second + third]
    assert list(entries.iter_entries(conn, runs_per_read=2)) == written
    assert entries.read_entries(conn, 250, 303) == written[250:303]
    assert entries.read_entries(conn, 300, 1000) == written[300:]
    assert entries.read_entries(conn, 5, 5) == []
    for entry in written:
        assert entries.entry_for_event(conn, entry.event_seq) == entry
    for never_logged in (0, 301, 302, 306, 899, 903):
        assert entries.entry_for_event(conn, never_logged) is None
    assert entries.recent_entries(conn, 3) == written[::-1][:3]


def test_a_batch_whose_columns_differ_in_length_is_refused_whole(conn):
    with pytest.raises(ValueError, match="differ in length"):
        entries.append_entries(conn, 0, [1, 2], [b"a", b"b"], [None])
    assert entries.read_entries(conn, 0, 10) == []
