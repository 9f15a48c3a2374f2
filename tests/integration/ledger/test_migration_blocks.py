"""Migration 0006 moves a log stored one row per hash and per entry into hash blocks and entry runs, and back,
without changing a byte: same entries by index and event, same stored hashes, same root."""

from __future__ import annotations

import os

from alembic import command
from sqlalchemy import text
from support import fresh_database_url

from zhiliang.kernel.db import make_engine
from zhiliang.kernel.migrate import alembic_config, upgrade
from zhiliang.ledger import merkle
from zhiliang.ledger.entries import Entry, iter_entries
from zhiliang.ledger.store import MemoryHashStore, SqlHashStore


def test_0006_moves_hashes_and_entries_and_downgrade_restores_them(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    try:
        upgrade(engine, "0005")
        seqs = list(range(1, 200)) + [250, 251, 240] + list(range(300, 420))  # gaps and a jump back
        old = [(i, seq, os.urandom(i % 5) + b"leaf %d" % seq, os.urandom(16) if seq % 2 else None)
               for i, seq in enumerate(seqs)]
        hashes = merkle.append_hashes(0, [merkle.leaf_hash(e[2]) for e in old], MemoryHashStore())
        with engine.begin() as c:
            c.execute(text("INSERT INTO ledger_entry (idx, event_seq, data, salt) VALUES (:i, :s, :d, :t)"),
                      [{"i": i, "s": s, "d": d, "t": t} for i, s, d, t in old])
            c.execute(text("INSERT INTO ledger_hash (idx, hash) VALUES (:i, :h)"),
                      [{"i": i, "h": h} for i, h in enumerate(hashes)])
        upgrade(engine)
        with engine.connect() as c:
            assert list(iter_entries(c)) == [Entry(*e) for e in old]
            store = SqlHashStore(c)
            assert store.count() == len(hashes) == merkle.stored_hash_count(len(old))
            assert store.read_hashes(list(range(len(hashes)))) == hashes
            assert merkle.tree_hash(len(old), store) == merkle.root_from_leaf_hashes(
                [merkle.leaf_hash(e[2]) for e in old])
        command.downgrade(alembic_config(engine), "0005")
        with engine.connect() as c:
            back = [(r[0], r[1], bytes(r[2]), None if r[3] is None else bytes(r[3])) for r in
                    c.execute(text("SELECT idx, event_seq, data, salt FROM ledger_entry ORDER BY idx"))]
            assert back == old
            assert [bytes(r[0]) for r in c.execute(text("SELECT hash FROM ledger_hash ORDER BY idx"))] == hashes
    finally:
        engine.dispose()
        drop()

