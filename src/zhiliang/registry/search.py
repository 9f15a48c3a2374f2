"""Name search index: any substring of two or more characters, and pinyin initials, on SQLite and PostgreSQL.

Why our own index: neither database matches two-character Chinese substrings out of the box (FTS5's trigram
tokenizer and pg_trgm both need three characters; 食品 has two). Both back-ends index the same thing, the
overlapping bigrams of the name's search key (:func:`names.normalize`), and both answer "key contains query":

* SQLite: an FTS5 table over the bigrams, queried as a phrase of the query's bigrams. Consecutive positions in
  the phrase mean the bigrams are consecutive in the name, which is exactly substring containment.
* PostgreSQL: a posting table ``(gram, enterprise_id)``; candidates come from the intersection of the query's
  bigram postings and are confirmed with ``strpos`` on the stored key.

Results come in ``id`` order so keyset pagination works and the first page stops early. Initials are indexed the
same way in a second column/prefix (``~`` marks an initials gram in the posting table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

from zhiliang.registry import names

MIN_QUERY = 2


def _gram_text(key: str) -> str:
    return " ".join(names.bigrams(key))


def _phrase(key: str) -> str:
    # One quoted string is one FTS5 phrase: its tokens must sit at consecutive positions. Keys hold letters and
    # digits only, so nothing inside the quotes can be read as query syntax.
    return '"' + _gram_text(key) + '"'


def index(conn: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Add ``(enterprise_id, name_key, initials)`` rows to the index (ids must not be indexed yet)."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO enterprise_fts(rowid, grams, initials) VALUES (?, ?, ?)",
            [(i, _gram_text(k), _gram_text(p)) for i, k, p in rows],
        )
        return
    postings = {(g, i) for i, k, p in rows for g in names.bigrams(k)}
    postings |= {("~" + g, i) for i, k, p in rows for g in names.bigrams(p)}
    conn.execute(text("INSERT INTO enterprise_name_gram (gram, enterprise_id) VALUES (:g, :i)"),
                 [{"g": g, "i": i} for g, i in postings])


def unindex(conn: Connection, ids: Iterable[int]) -> None:
    """Remove enterprises from the index (before re-indexing a changed name)."""
    ids = list(ids)
    if not ids:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM enterprise_fts WHERE rowid = ?", [(i,) for i in ids])
        return
    conn.execute(text("DELETE FROM enterprise_name_gram WHERE enterprise_id = ANY(:ids)"), {"ids": ids})


def match_sql(dialect: str, query: str, initials: bool = False) -> tuple[str, dict[str, object]] | None:
    """An SQL condition on ``enterprise.id`` (with its parameters) for rows whose key contains ``query``.

    Returns None when the query has fewer than :data:`MIN_QUERY` searchable characters. The condition is
    meant to be ANDed with other filters and ``ORDER BY enterprise.id``.
    """
    key = names.normalize(query)
    if len(key) < MIN_QUERY:
        return None
    if dialect == "sqlite":
        columns = "{grams initials}" if initials else "grams"
        return ("enterprise.id IN (SELECT rowid FROM enterprise_fts WHERE enterprise_fts MATCH :fts)",
                {"fts": f"{columns} : {_phrase(key)}"})
    by_name = _postgres(key, "")
    if not initials:
        return by_name
    by_initials = _postgres(key, "~")
    return f"(({by_name[0]}) OR ({by_initials[0]}))", by_name[1] | by_initials[1]


def _postgres(key: str, prefix: str) -> tuple[str, dict[str, object]]:
    grams = sorted(set(names.bigrams(key)))
    tag = "i" if prefix else "n"
    params: dict[str, object] = {f"{tag}{n}": prefix + g for n, g in enumerate(grams)}
    joins = " ".join(
        f"JOIN enterprise_name_gram {tag}{n} ON {tag}{n}.enterprise_id = {tag}0.enterprise_id"
        f" AND {tag}{n}.gram = :{tag}{n}" for n in range(1, len(grams))
    )
    candidates = f"SELECT {tag}0.enterprise_id FROM enterprise_name_gram {tag}0 {joins} WHERE {tag}0.gram = :{tag}0"
    target = "enterprise.name_initials" if prefix else "enterprise.name_key"
    params[f"{tag}key"] = key
    return f"enterprise.id IN ({candidates}) AND strpos({target}, :{tag}key) > 0", params
