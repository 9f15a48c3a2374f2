"""One conformance suite for every hash store (after golang/mod sumdb/storage/test.go): memory, SQLite, PostgreSQL.

The SQL store runs on whichever database the suite runs on (SQLite by default, PostgreSQL in .ci/run's second pass).
"""

from __future__ import annotations

import hashlib

import pytest

from zhiliang.ledger.models import HASH_BLOCK
from zhiliang.ledger.store import AppendOutOfOrder, MemoryHashStore, MissingHash, SqlHashStore


def h(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()


@pytest.fixture(params=["memory", "sql"])
def store(request):
    if request.param == "memory":
        yield MemoryHashStore()
        return
    db = request.getfixturevalue("db")
    with db.begin() as session:
        yield SqlHashStore(session.connection())


def test_empty_store(store):
    assert store.count() == 0
    assert store.read_hashes([]) == []
    with pytest.raises(MissingHash) as caught:
        store.read_hashes([0])
    assert caught.value.index == 0


def test_reads_return_what_was_appended_in_the_order_asked(store):
    store.append_hashes(0, [h(i) for i in range(5)])
    store.append_hashes(5, [h(i) for i in range(5, 12)])
    assert store.count() == 12
    assert store.read_hashes([3, 0, 11, 3]) == [h(3), h(0), h(11), h(3)]
    assert store.read_hashes(list(range(12))) == [h(i) for i in range(12)]


def test_a_read_larger_than_one_statement_allows(store):
    store.append_hashes(0, [h(i) for i in range(2500)])
    wanted = list(range(2499, -1, -3))
    assert store.read_hashes(wanted) == [h(i) for i in wanted]


def test_missing_hash_is_named(store):
    store.append_hashes(0, [h(0), h(1)])
    with pytest.raises(MissingHash) as caught:
        store.read_hashes([1, 7, 0])
    assert caught.value.index == 7
    assert "7" in str(caught.value)


@pytest.mark.parametrize("start", [0, 1, 3])
def test_appends_only_at_the_end(store, start):
    store.append_hashes(0, [h(0), h(1)])
    with pytest.raises(AppendOutOfOrder):
        store.append_hashes(start, [h(9)])
    assert store.count() == 2
    assert store.read_hashes([0, 1]) == [h(0), h(1)]


def test_rejects_hashes_of_the_wrong_size(store):
    with pytest.raises(ValueError, match="32"):
        store.append_hashes(0, [b"short"])
    assert store.count() == 0


def test_bytes_round_trip_exactly(store):
    odd = [bytes([0] * 32), bytes([255] * 32), bytes(range(32)), b"\\" * 32]
    store.append_hashes(0, odd)
    assert store.read_hashes([3, 2, 1, 0]) == odd[::-1]


B = HASH_BLOCK


@pytest.mark.parametrize("sizes", [[1] * (B + 6), [B - 1, 1, 1, B, B + 1, 2], [3 * B + 20], [B, B, 0, 2 * B + 1],
                                   [2 * B - 1, 1, 2 * B]])
def test_appends_of_any_size_read_back_across_storage_boundaries(store, sizes):
    # The SQL store packs HASH_BLOCK hashes a row and rewrites a short last row on the next append: every split of
    # the same hashes into appends must read back the same, and the count must follow each append.
    total = 0
    for size in sizes:
        store.append_hashes(total, [h(i) for i in range(total, total + size)])
        total += size
        assert store.count() == total
    assert store.read_hashes(list(range(total))) == [h(i) for i in range(total)]
    assert store.read_hashes([total - 1, 0, B - 1, B, total - 1]) == [h(total - 1), h(0), h(B - 1), h(B),
                                                                      h(total - 1)]
    with pytest.raises(MissingHash) as caught:
        store.read_hashes([total])
    assert caught.value.index == total
