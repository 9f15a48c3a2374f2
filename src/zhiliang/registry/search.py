"""Name search index: any substring of two or more characters, and pinyin initials, on SQLite and PostgreSQL.

Why our own index: neither database matches two-character Chinese substrings out of the box (FTS5's trigram
tokenizer and pg_trgm both need three characters, and SQLite 3.40's trigram index silently returns nothing for
食品). Both back-ends index grams of the name's search key (:func:`names.normalize`) and produce the matching
ids *exactly and in ascending id order*, so :mod:`queries` pages through them with a keyset and stops early:

* SQLite: an FTS5 table over each name's bigrams; the query is one phrase of its bigrams, and consecutive
  phrase positions mean consecutive bigrams, i.e. substring containment. FTS5 walks rowids in order.
* PostgreSQL: bigram postings ``(gram, enterprise_id)`` answer two-character queries; positional trigram
  postings ``(tri, enterprise_id, pos)`` answer longer ones: walk the rarest trigram's list in id order and
  check each other trigram at its relative position with a correlated ``EXISTS … OFFSET 0`` (which keeps the
  planner from hashing whole lists). Measured at 5M names in benchmarks/registry.py.

Pinyin initials are indexed the same way (a second FTS5 column; ``~``-prefixed grams in PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, text

from zhiliang.registry import names

MIN_QUERY = 2
PROBE = 20_000  # a posting list longer than this counts as "long" when choosing where to start


def _gram_text(key: str) -> str:
    return " ".join(names.bigrams(key))


def _postings(rows: Iterable[tuple[int, str, str]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Bigram postings ``(gram, id)`` and positional trigram postings ``(tri, id, pos)``, pos 0-based."""
    grams = {(g, i) for i, k, p in rows for g in names.bigrams(k)}
    grams |= {("~" + g, i) for i, k, p in rows for g in names.bigrams(p)}
    tris = {(t, i, n) for i, k, p in rows for n, t in enumerate(names.trigrams(k))}
    tris |= {("~" + t, i, n) for i, k, p in rows for n, t in enumerate(names.trigrams(p))}
    return sorted(grams), sorted(tris)


def index(conn: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Add ``(enterprise_id, name_key, initials)`` rows to the index (ids must not be indexed yet)."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO enterprise_fts(rowid, grams, initials) VALUES (?, ?, ?)",
                             sorted((i, _gram_text(k), _gram_text(p)) for i, k, p in rows))
        return
    _each_posting_table(conn, rows, "INSERT INTO {table} ({columns}) SELECT * FROM {postings}")


def unindex(conn: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Remove ``(enterprise_id, old_key, old_initials)`` from the index, before re-indexing a changed name.

    PostgreSQL deletes by the old grams, because the posting keys lead with the gram (deleting by id alone
    would scan the whole table).
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM enterprise_fts WHERE rowid = ?", [(i,) for i, _, _ in rows])
        return
    _each_posting_table(conn, rows, "DELETE FROM {table} WHERE ({columns}) IN (SELECT * FROM {postings})")


def _each_posting_table(conn: Connection, rows: Sequence[tuple[int, str, str]], template: str) -> None:
    # One statement per table and batch, the postings passed as arrays unnested server-side: ~50x faster than
    # a statement per posting.
    grams, tris = _postings(rows)
    for table, columns, postings in (("enterprise_name_gram", "gram, enterprise_id", grams),
                                     ("enterprise_name_tri", "tri, enterprise_id, pos", tris)):
        if postings:
            arrays = list(zip(*postings, strict=True))
            types = ("text", "bigint", "smallint")[: len(arrays)]
            unnest = "unnest(" + ", ".join(f"CAST(:a{n} AS {t}[])" for n, t in enumerate(types)) + ")"
            conn.execute(text(template.format(table=table, columns=columns, postings=unnest)),
                         {f"a{n}": list(a) for n, a in enumerate(arrays)})


def search_key(query: str) -> str | None:
    """The normalised key of a name query, or None when it has fewer than :data:`MIN_QUERY` characters."""
    key = names.normalize(query)
    return key if len(key) >= MIN_QUERY else None


def candidates(conn: Connection, key: str, initials: bool, after: int, limit: int) -> list[int]:
    """Up to ``limit`` ids after ``after``, ascending, whose name (or, with ``initials``, whose initials)
    contains ``key``. Exact on both back-ends: an FTS5 phrase; one bigram list; or trigrams at their positions."""
    streams = [_stream(conn, key, "", after, limit)]
    if initials:
        streams.append(_stream(conn, key, "~", after, limit))
    if len(streams) == 1:
        return streams[0]
    # Merge two ordered streams without skipping: only ids up to the smaller "last id" of a full stream are
    # known to be complete.
    # The full stream with the smaller last id contributes ``limit`` ids up to the cutoff, so the merge never
    # comes back short while ids remain.
    cutoff = min((s[-1] for s in streams if len(s) == limit), default=None)
    merged = sorted(set(streams[0]) | set(streams[1]))
    return [i for i in merged if cutoff is None or i <= cutoff][:limit]


def _stream(conn: Connection, key: str, prefix: str, after: int, limit: int) -> list[int]:
    if conn.dialect.name == "sqlite":
        column = "initials" if prefix else "grams"
        phrase = '"' + _gram_text(key) + '"'  # keys hold letters and digits only: nothing reads as syntax
        sql = ("SELECT rowid FROM enterprise_fts WHERE enterprise_fts MATCH :m AND rowid > :after "
               "ORDER BY rowid LIMIT :n")
        return list(conn.execute(text(sql), {"m": f"{column} : {phrase}", "after": after, "n": limit}).scalars())
    if len(key) == 2:
        sql = ("SELECT enterprise_id FROM enterprise_name_gram WHERE gram = :g AND enterprise_id > :after "
               "ORDER BY enterprise_id LIMIT :n")
        return list(conn.execute(text(sql), {"g": prefix + key, "after": after, "n": limit}).scalars())
    return _tri_stream(conn, [prefix + t for t in names.trigrams(key)], after, limit)


def _tri_stream(conn: Connection, tris: list[str], after: int, limit: int) -> list[int]:
    """Ids whose name holds every trigram of the key at the key's relative positions: exactly the names that
    contain the key. Walks the rarest trigram's postings in id order; the others are checked by position."""
    start = min(range(len(tris)), key=lambda n: _probe(conn, tris[n]))
    others = [n for n in range(len(tris)) if n != start]
    checks = " ".join(
        f"AND EXISTS (SELECT 1 FROM enterprise_name_tri o{n} WHERE o{n}.tri = :t{n} "
        f"AND o{n}.enterprise_id = s.enterprise_id AND o{n}.pos = s.pos + {n - start} OFFSET 0)" for n in others)
    sql = (f"SELECT DISTINCT s.enterprise_id FROM enterprise_name_tri s WHERE s.tri = :start "
           f"AND s.enterprise_id > :after {checks} ORDER BY s.enterprise_id LIMIT :n")
    params = {"start": tris[start], "after": after, "n": limit, **{f"t{n}": tris[n] for n in others}}
    return list(conn.execute(text(sql), params).scalars())


_PROBES: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()


def _probe(conn: Connection, tri: str) -> int:
    """Length of a trigram's posting list, counted no further than :data:`PROBE` (an index-only scan).

    Remembered per engine: it only picks where a walk starts, so a slightly stale length costs a little speed,
    never a wrong result, and a query's page and count walks do not pay for it again.
    """
    cache = _PROBES.setdefault(conn.engine, {})
    if tri not in cache:
        if len(cache) > 100_000:
            cache.clear()
        sql = "SELECT count(*) FROM (SELECT 1 FROM enterprise_name_tri WHERE tri = :t LIMIT :cap) p"
        cache[tri] = conn.execute(text(sql), {"t": tri, "cap": PROBE}).scalar_one()
    return cache[tri]


def _rebuild_postings(conn: Connection, table: str, column: str, width: int) -> None:
    # Bulk build: drop the key, insert every posting of names and initials sorted once, add the key back (a
    # sorted index build is far cheaper than tens of millions of random B-tree inserts).
    position = ", i - 1 AS pos" if width == 3 else ""  # trigram positions, 0-based as in _postings
    grams = " UNION ALL ".join(
        f"SELECT {prefix} || substr(e.{source}, i, {width}) AS g, e.id{position} FROM enterprise e, "
        f"generate_series(1, length(e.{source}) - {width - 1}) AS i"
        for source, prefix in (("name_key", "''"), ("name_initials", "'~'")))
    columns = f"{column}, enterprise_id" + (", pos" if width == 3 else "")
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}"))
    conn.execute(text(f"TRUNCATE {table}"))
    conn.execute(text(f"INSERT INTO {table} ({columns}) SELECT DISTINCT * FROM ({grams}) p"))
    conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})"))


def rebuild(conn: Connection, batch: int = 20_000) -> int:
    """Rebuild the whole index from the ``enterprise`` table; returns the number of enterprises indexed.

    For restores, bulk loads done outside the importer, or a change of the key functions. PostgreSQL builds
    the posting tables in SQL (no rows travel to Python); SQLite streams names through :func:`index`.
    Runs in the caller's transaction: searches see the old index until it commits.
    """
    if conn.dialect.name == "postgresql":
        for table, column, width in (("enterprise_name_gram", "gram", 2), ("enterprise_name_tri", "tri", 3)):
            _rebuild_postings(conn, table, column, width)
        return conn.execute(text("SELECT count(*) FROM enterprise")).scalar_one()
    conn.exec_driver_sql("DELETE FROM enterprise_fts")
    done, after = 0, 0
    while rows := conn.execute(text("SELECT id, name_key, name_initials FROM enterprise WHERE id > :after "
                                    "ORDER BY id LIMIT :n"), {"after": after, "n": batch}).all():
        index(conn, [tuple(r) for r in rows])
        done, after = done + len(rows), rows[-1][0]
    return done
