"""Hash storage behind one port: ``read_hashes(indexes)`` (the ``HashReader`` of ``merkle``) and an append.

Two implementations pass the same conformance suite (``tests/conformance/test_hash_store.py``, after golang/mod
``sumdb/storage/test.go``): :class:`MemoryHashStore` for tests and tools, :class:`SqlHashStore` on the platform's
database (SQLite or PostgreSQL) inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection

from zhiliang.ledger.models import HASH_BLOCK

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
    """The ``ledger_hash_block`` table (:data:`HASH_BLOCK` hashes a row), read and written in the caller's
    transaction through the driver itself.

    Proof latency is dominated by per-statement overhead, so reads go straight to the DB-API cursor (one
    statement per proof, for the O(log n) blocks holding the hashes asked). An append rewrites the last block if
    it was short and inserts the rest: PostgreSQL with ``COPY``, SQLite with ``executemany`` into its rowid table.
    """

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._postgres = connection.dialect.name == "postgresql"

    def _cursor(self):  # noqa: ANN202 - a DB-API cursor of whichever driver is in use
        return self._conn.connection.dbapi_connection.cursor()

    def _blocks(self, cursor, blocks: list[int]) -> dict[int, bytes]:  # noqa: ANN001 - a DB-API cursor
        found: dict[int, bytes] = {}
        for at in range(0, len(blocks), _CHUNK):
            chunk = blocks[at:at + _CHUNK]
            if self._postgres:
                cursor.execute("SELECT block, hashes FROM ledger_hash_block WHERE block = ANY(%s)", (chunk,))
            else:
                marks = ",".join("?" * len(chunk))
                cursor.execute(f"SELECT block, hashes FROM ledger_hash_block WHERE block IN ({marks})", chunk)
            found.update((b, bytes(h)) for b, h in cursor.fetchall())
        return found

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        if not indexes:
            return []
        cursor = self._cursor()
        try:
            blocks = self._blocks(cursor, sorted({i // HASH_BLOCK for i in indexes if i >= 0}))
        finally:
            cursor.close()
        out = []
        for i in indexes:
            at = (i % HASH_BLOCK) * HASH_SIZE
            value = blocks.get(i // HASH_BLOCK, b"")[at:at + HASH_SIZE] if i >= 0 else b""
            if len(value) != HASH_SIZE:
                raise MissingHash(i)
            out.append(value)
        return out

    def _last(self, cursor) -> tuple[int, bytes]:  # noqa: ANN001 - a DB-API cursor
        cursor.execute("SELECT block, hashes FROM ledger_hash_block ORDER BY block DESC LIMIT 1")
        row = cursor.fetchone()
        return (0, b"") if row is None else (row[0], bytes(row[1]))

    def append_hashes(self, start: int, hashes: Sequence[bytes]) -> None:
        _check_sizes(hashes)
        cursor = self._cursor()
        try:
            block, tail = self._last(cursor)
            count = block * HASH_BLOCK + len(tail) // HASH_SIZE
            if start != count:
                raise AppendOutOfOrder(start, count)
            if not hashes:
                return
            if len(tail) == HASH_BLOCK * HASH_SIZE:
                block, tail = block + 1, b""
            packed = tail + b"".join(hashes)
            width = HASH_BLOCK * HASH_SIZE
            rows = [(block + k, packed[at:at + width]) for k, at in enumerate(range(0, len(packed), width))]
            if tail:
                cursor.execute(f"DELETE FROM ledger_hash_block WHERE block = {'%s' if self._postgres else '?'}",
                               (block,))
            if self._postgres:
                with cursor.copy("COPY ledger_hash_block (block, hashes) FROM STDIN") as copy:
                    copy.set_types(["int8", "bytea"])
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany("INSERT INTO ledger_hash_block (block, hashes) VALUES (?, ?)", rows)
        finally:
            cursor.close()

    def count(self) -> int:
        cursor = self._cursor()
        try:
            block, tail = self._last(cursor)
        finally:
            cursor.close()
        return block * HASH_BLOCK + len(tail) // HASH_SIZE


def _check_sizes(hashes: Sequence[bytes]) -> None:
    wrong = set(map(len, hashes)) - {HASH_SIZE}
    if wrong:
        raise ValueError(f"哈希必须是 32 字节 / a hash is 32 bytes, not {min(wrong)}")
