"""Hash storage behind one port: ``read_hashes(indexes)`` (the ``HashReader`` of ``merkle``) and an append.

Two implementations pass the same conformance suite (``tests/conformance/test_hash_store.py``, after golang/mod
``sumdb/storage/test.go``): :class:`MemoryHashStore` for tests and tools, :class:`SqlHashStore` on the platform's
database (SQLite or PostgreSQL) inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection

HASH_SIZE = 32
# SQLite allows 32,766 host parameters per statement (since 3.32); stay well below it.
_CHUNK = 900


class MissingHash(LookupError):
    """A stored hash that was asked for is not there: the tree is shorter than the caller believes."""

    def __init__(self, index: int) -> None:
        super().__init__(f"账本缺少存储的哈希 {index} / stored hash {index} is missing")
        self.index = index


class AppendOutOfOrder(ValueError):
    """Hashes must be appended exactly at the end of the store."""

    def __init__(self, start: int, count: int) -> None:
        super().__init__(f"只能在末尾({count})追加哈希,不能从 {start} 写入 / "
                         f"hashes append at the end ({count}), not at {start}")


class HashStore(Protocol):
    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """The hashes at ``indexes``, in the order asked (repeats allowed). Raises :class:`MissingHash`."""
        ...

    def append_hashes(self, start: int, hashes: Sequence[bytes]) -> None:
        """Store ``hashes`` at ``start``, ``start + 1``, …; ``start`` must be the current count."""
        ...

    def count(self) -> int:
        """How many hashes are stored."""
        ...


class MemoryHashStore:
    """A list in memory: for tests, the mirror and benchmarks' baselines."""

    def __init__(self) -> None:
        self._hashes: list[bytes] = []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        hashes, n = self._hashes, len(self._hashes)
        for index in indexes:
            if not 0 <= index < n:
                raise MissingHash(index)
        return [hashes[i] for i in indexes]

    def append_hashes(self, start: int, hashes: Sequence[bytes]) -> None:
        if start != len(self._hashes):
            raise AppendOutOfOrder(start, len(self._hashes))
        _check_sizes(hashes)
        self._hashes.extend(hashes)

    def count(self) -> int:
        return len(self._hashes)


class SqlHashStore:
    """The ``ledger_hash`` table, read and written in the caller's transaction through the driver itself.

    Proof latency is dominated by per-statement overhead, so reads go straight to the DB-API cursor (one
    statement per proof); PostgreSQL appends with ``COPY``, SQLite with ``executemany`` into its rowid table.
    """

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._postgres = connection.dialect.name == "postgresql"

    def _cursor(self):  # noqa: ANN202 - a DB-API cursor of whichever driver is in use
        return self._conn.connection.dbapi_connection.cursor()

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        if not indexes:
            return []
        found: dict[int, bytes] = {}
        cursor = self._cursor()
        try:
            for at in range(0, len(indexes), _CHUNK):
                chunk = list(indexes[at:at + _CHUNK])
                if self._postgres:
                    cursor.execute("SELECT idx, hash FROM ledger_hash WHERE idx = ANY(%s)", (chunk,))
                else:
                    marks = ",".join("?" * len(chunk))
                    cursor.execute(f"SELECT idx, hash FROM ledger_hash WHERE idx IN ({marks})", chunk)
                found.update((i, bytes(h)) for i, h in cursor.fetchall())
        finally:
            cursor.close()
        try:
            return [found[i] for i in indexes]
        except KeyError as missing:
            raise MissingHash(missing.args[0]) from None

    def append_hashes(self, start: int, hashes: Sequence[bytes]) -> None:
        count = self.count()
        if start != count:
            raise AppendOutOfOrder(start, count)
        _check_sizes(hashes)
        cursor = self._cursor()
        try:
            if self._postgres:
                with cursor.copy("COPY ledger_hash (idx, hash) FROM STDIN") as copy:
                    copy.set_types(["int8", "bytea"])
                    for offset, value in enumerate(hashes):
                        copy.write_row((start + offset, value))
            else:
                cursor.executemany("INSERT INTO ledger_hash (idx, hash) VALUES (?, ?)",
                                   ((start + offset, value) for offset, value in enumerate(hashes)))
        finally:
            cursor.close()

    def count(self) -> int:
        cursor = self._cursor()
        try:
            cursor.execute("SELECT max(idx) FROM ledger_hash")
            top = cursor.fetchone()[0]
        finally:
            cursor.close()
        return 0 if top is None else top + 1


def _check_sizes(hashes: Sequence[bytes]) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise ValueError(f"哈希必须是 32 字节 / a hash is 32 bytes, not {len(value)}")


def append_entries(connection: Connection, rows: Sequence[tuple[int, int, bytes, bytes | None]]) -> None:
    """Insert ``ledger_entry`` rows ``(idx, event_seq, data, salt)`` through the driver in the caller's transaction:
    ``COPY`` on PostgreSQL, ``executemany`` on SQLite. The ORM's per-row work cost a third of an append."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy("COPY ledger_entry (idx, event_seq, data, salt) FROM STDIN") as copy:
                copy.set_types(["int8", "int8", "bytea", "bytea"])
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany("INSERT INTO ledger_entry (idx, event_seq, data, salt) VALUES (?, ?, ?, ?)", rows)
    finally:
        cursor.close()
