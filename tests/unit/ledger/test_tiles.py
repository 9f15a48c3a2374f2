"""ledger.tiles: C2SP tlog-tiles paths, the tiles a growing tree publishes, tile data from stored hashes, entry
bundles, and TileHashReader auditing a log through its tiles (proofs agree, tampering is caught)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ledger_vectors_path

from zhiliang.ledger import merkle as m
from zhiliang.ledger import tiles as t
from zhiliang.ledger.tiles import EntriesTile, Tile, TileHashReader, TileVerificationError

V = json.loads(ledger_vectors_path().read_text(encoding="utf-8"))
SIZE = 70_000  # the C2SP example tree: three tile levels, full and partial tiles at each of the lower two


class MemoryHashes:
    def __init__(self, hashes: list[bytes], size: int | None = None) -> None:
        self.hashes, self.size = hashes, size
        self.calls: list[list[int]] = []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        self.calls.append(list(indexes))
        limit = len(self.hashes) if self.size is None else m.stored_hash_count(self.size)
        if any(not 0 <= i < limit for i in indexes):
            raise LookupError(f"index outside the stored hashes: {indexes[:5]}")
        return [self.hashes[i] for i in indexes]


def entry(i: int) -> bytes:
    return b"entry %d" % i


@cache
def log() -> MemoryHashes:
    store = MemoryHashes([])
    store.hashes.extend(m.append_hashes(0, [m.leaf_hash(entry(i)) for i in range(SIZE)], store))
    return store


class TileServer:
    """Serves the tiles a tree of ``size`` publishes, from the stored hashes; records and can tamper with them."""

    def __init__(self, size: int, tamper: tuple[Tile, int] | None = None) -> None:
        self.size, self.tamper, self.fetched = size, tamper, []

    def __call__(self, tile: Tile) -> bytes:
        assert t.tile_exists(tile, self.size), f"fetched {t.tile_path(tile)}, which a tree of {self.size} lacks"
        self.fetched.append(tile)
        data = t.read_tile_data(tile, log())
        if self.tamper and self.tamper[0] == tile:
            flipped = bytearray(data)
            flipped[self.tamper[1]] ^= 0x01
            return bytes(flipped)
        return data


def reader_for(size: int, tamper: tuple[Tile, int] | None = None) -> tuple[TileHashReader, TileServer]:
    server = TileServer(size, tamper)
    return TileHashReader(size, m.tree_hash(size, log()), server), server


# Paths.

@pytest.mark.parametrize("case", V["sumdb_tlog"]["tile_paths_c2sp"], ids=lambda v: v["path"])
def test_c2sp_tile_paths(case: dict) -> None:
    tile = EntriesTile(case["N"], case["W"]) if case.get("entries") else Tile(case["L"], case["N"], case["W"])
    assert t.tile_path(tile) == case["path"]
    assert t.parse_tile_path(case["path"]) == tile


@pytest.mark.parametrize("case", V["sumdb_tlog"]["tile_paths_sumdb"], ids=lambda v: v["path"])
def test_sumdb_tile_paths_share_the_number_encoding(case: dict) -> None:
    # sumdb paths carry the height, tile/<H>/<L>/<N>[.p/<W>]; ours fix H = 8, so compare the common part.
    full = case["W"] == 1 << case["H"]
    ours = t.tile_path(Tile(case["L"], case["N"], t.TILE_WIDTH if full else case["W"]))
    assert f"tile/{case['H']}/" + ours.removeprefix("tile/") == case["path"]


@pytest.mark.parametrize(("tile", "path"), [
    (Tile(0, 0), "tile/0/000"), (Tile(0, 999, 1), "tile/0/999.p/1"), (Tile(1, 1000), "tile/1/x001/000"),
    (Tile(63, 123456789, 255), "tile/63/x123/x456/789.p/255"), (EntriesTile(0, 7), "tile/entries/000.p/7"),
    (Tile(0, (1 << 64) - 1), "tile/0/x018/x446/x744/x073/x709/x551/615"),
])
def test_path_round_trip(tile: Tile | EntriesTile, path: str) -> None:
    assert t.tile_path(tile) == path
    assert t.parse_tile_path(path) == tile


@pytest.mark.parametrize("path", [
    "", "tile", "tile/", "tile/0", "tile/0/", "tile/0/1", "tile/0/01", "tile/0/0001", "tile/0/x001", "tile/0/001/",
    "/tile/0/001", "tile/0/001.p/0", "tile/0/001.p/256", "tile/0/001.p/300", "tile/0/001.p/01", "tile/0/001.p/",
    "tile/0/001.p", "tile/0/001.p/1/", "tile/00/001", "tile/01/001", "tile/64/001", "tile/-1/001", "tile/0/-01",
    "tile/0/x000/001", "tile/0/x001/x000", "tile/0/001/002", "tile/0/X001/002", "tile/0/x01/002", "tile/0/x0001/002",
    "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/x001/x001/x001/x001/x001/x001/x001/001",
    "tile/0/001\n", " tile/0/001", "tile/0/001.p/1\n", "tile/0/００１", "tile/0/٠٠١", "tile/0/0_1", "tile/0/+01",
    "tile/data/001", "tile/entries/001.p/256", "tile/entries/x000/001", "tile/entries/1", "tile/8/3/001",
    "tile/0/001.p/1.p/2", "tile//001", "tiles/0/001", "TILE/0/001",
])
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="瓦片路径无效 / invalid tile path"):
        t.parse_tile_path(path)


def test_tile_fields_are_checked() -> None:
    for bad in (lambda: Tile(0, 0, 0), lambda: Tile(0, 0, 257), lambda: Tile(-1, 0), lambda: Tile(64, 0),
                lambda: Tile(0, -1), lambda: EntriesTile(0, 0), lambda: EntriesTile(-1)):
        with pytest.raises(ValueError):
            bad()


@given(st.integers(0, 63), st.integers(0, (1 << 64) - 1), st.integers(1, 256))
def test_any_tile_path_round_trips(level: int, n: int, width: int) -> None:
    tile = Tile(level, n, width)
    assert t.parse_tile_path(t.tile_path(tile)) == tile
    entries = EntriesTile(n, width)
    assert t.parse_tile_path(t.tile_path(entries)) == entries


# Which tiles a tree publishes.

def test_c2sp_tree_of_70000() -> None:
    tiles = t.new_tiles(0, 70_000)
    by_level: dict[int, list[Tile]] = {}
    for tile in tiles:
        by_level.setdefault(tile.level, []).append(tile)
    assert sorted(by_level) == [0, 1, 2]
    full0 = [x for x in by_level[0] if x.width == 256]
    assert len(full0) == 273 and [x for x in by_level[0] if x.width < 256] == [Tile(0, 273, 112)]
    assert by_level[1] == [Tile(1, 0), Tile(1, 1, 17)]
    assert by_level[2] == [Tile(2, 0, 1)]
    assert V["sumdb_tlog"]["c2sp_tree_70000"]["level1"] == "1 full + 1 partial width 17"
    assert t.new_tiles(0, 256) == [Tile(0, 0), Tile(1, 0, 1)]  # C2SP: "a tree of size 256 …"
    assert t.new_tiles(0, 0) == [] and t.new_tiles(5, 5) == []
    assert t.new_entry_bundles(0, 70_000) == [EntriesTile(x.n, x.width) for x in by_level[0]]


@given(st.lists(st.integers(0, 200_000), min_size=1, max_size=5))
def test_growth_publishes_every_tile_once(sizes: list[int]) -> None:
    sizes = sorted(sizes)
    published: list[Tile] = []
    old = 0
    for new in sizes:
        published.extend(t.new_tiles(old, new))
        old = new
    full = [x for x in published if x.width == 256]
    assert len(full) == len(set(full))
    assert set(full) == {x for x in t.new_tiles(0, old) if x.width == 256}
    assert {x for x in t.new_tiles(0, old) if x.width < 256} <= set(published)
    for tile in t.new_tiles(0, old):
        assert t.tile_exists(tile, old)
    for tile in published:
        assert t.tile_exists(tile, old) or tile.width < 256  # older partial tiles are superseded


def test_tile_exists() -> None:
    assert t.tile_exists(Tile(0, 273, 112), 70_000) and not t.tile_exists(Tile(0, 273, 111), 70_000)
    assert t.tile_exists(Tile(0, 272), 70_000) and not t.tile_exists(Tile(0, 273), 70_000)
    assert not t.tile_exists(Tile(0, 274, 1), 70_000) and not t.tile_exists(Tile(3, 0, 1), 70_000)
    assert t.tile_exists(EntriesTile(273, 112), 70_000) and not t.tile_exists(EntriesTile(273), 70_000)
    assert t.tile_exists(Tile(1, 1, 17), 70_000) and t.tile_exists(Tile(2, 0, 1), 70_000)
    assert not t.tile_exists(Tile(0, 0, 1), 0)


# Tile data from stored hashes.

def test_tile_data_and_hash_from_tile() -> None:
    store = log()
    assert t.tile_hash_indexes(Tile(1, 0, 2)) == [m.stored_hash_index(8, 0), m.stored_hash_index(8, 1)]
    for index in range(0, m.stored_hash_count(SIZE), 37):
        tile = t.tile_for_index(index)
        data = t.read_tile_data(tile, store)
        assert len(data) == tile.width * m.HASH_SIZE
        assert t.hash_from_tile(tile, data, index) == store.hashes[index]
        wide = Tile(tile.level, tile.n, 256)
        if t.tile_exists(wide, SIZE):
            assert t.hash_from_tile(wide, t.read_tile_data(wide, store), index) == store.hashes[index]


def test_tile_for_index_examples() -> None:
    assert t.tile_for_index(m.stored_hash_index(0, 0)) == Tile(0, 0, 1)
    assert t.tile_for_index(m.stored_hash_index(3, 1)) == Tile(0, 0, 16)
    assert t.tile_for_index(m.stored_hash_index(8, 0)) == Tile(1, 0, 1)
    assert t.tile_for_index(m.stored_hash_index(7, 1)) == Tile(0, 0, 256)
    assert t.tile_for_index(m.stored_hash_index(16, 0)) == Tile(2, 0, 1)


def test_hash_from_tile_refuses_the_wrong_tile() -> None:
    store = log()
    data = t.read_tile_data(Tile(0, 1), store)
    with pytest.raises(ValueError, match="is in tile"):
        t.hash_from_tile(Tile(0, 1), data, m.stored_hash_index(0, 3))
    with pytest.raises(ValueError, match="too few"):
        t.hash_from_tile(Tile(0, 1), data[:-1], m.stored_hash_index(0, 300))
    narrow = Tile(0, 1, 4)
    with pytest.raises(ValueError, match="is in tile"):
        t.hash_from_tile(narrow, data[:128], m.stored_hash_index(0, 260))


def test_level0_tiles_hold_the_entry_hashes() -> None:
    tile = Tile(0, 273, 112)
    bundle = t.encode_entry_bundle(entry(i) for i in range(273 * 256, SIZE))
    entries = t.decode_entry_bundle(bundle, width=112)
    assert b"".join(m.leaf_hash(e) for e in entries) == t.read_tile_data(tile, log())


# TileHashReader: a mirror's view of the log through its tiles.

@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 3_000, 65_535, 65_536, 65_537, SIZE])
def test_tile_reader_agrees_with_the_store(size: int) -> None:
    store = MemoryHashes(log().hashes, size)
    tiled, server = reader_for(size)
    assert m.tree_hash(size, tiled) == m.tree_hash(size, store)
    for i in sorted({0, 1, size // 3, size // 2, size - 2, size - 1} & set(range(size))):
        assert m.inclusion_proof(i, size, tiled) == m.inclusion_proof(i, size, store)
    for n1 in sorted({1, 2, 255, 256, 257, size // 2, size - 1, size} & set(range(1, size + 1))):
        assert m.consistency_proof(n1, size, tiled) == m.consistency_proof(n1, size, store)
    assert server.fetched


@given(st.integers(1, SIZE), st.data())
@settings(max_examples=60, deadline=None)
def test_tile_reader_proofs_verify(size: int, data: st.DataObject) -> None:
    i, n1 = data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, size))
    tiled, server = reader_for(size)
    root = m.tree_hash(size, log())
    m.verify_inclusion(m.leaf_hash(entry(i)), i, size, m.inclusion_proof(i, size, tiled), root)
    m.verify_consistency(n1, size, m.consistency_proof(n1, size, tiled), m.tree_hash(n1, log()), root)
    assert len(server.fetched) <= 16  # two calls, each a few tiles (none when both proofs are empty)


def test_each_call_fetches_each_tile_once() -> None:
    tiled, server = reader_for(SIZE)
    m.inclusion_proof(12_345, SIZE, tiled)
    assert len(server.fetched) == len(set(server.fetched))
    assert set(server.fetched) == {Tile(2, 0, 1), Tile(1, 1, 17), Tile(0, 273, 112), Tile(1, 0), Tile(0, 48)}


def _fetched_for(size: int, operation) -> list[Tile]:
    tiled, server = reader_for(size)
    operation(tiled)
    return sorted(set(server.fetched), key=lambda x: (x.level, x.n))


TAMPER_CASES = [
    (SIZE, lambda r: m.inclusion_proof(12_345, SIZE, r)),
    (SIZE, lambda r: m.inclusion_proof(SIZE - 1, SIZE, r)),
    (SIZE, lambda r: m.consistency_proof(40_000, SIZE, r)),
    (SIZE, lambda r: m.tree_hash(SIZE, r)),
    (3_000, lambda r: m.inclusion_proof(7, 3_000, r)),
    (65_536, lambda r: m.inclusion_proof(65_535, 65_536, r)),
]


@pytest.mark.parametrize(("size", "operation"), TAMPER_CASES)
def test_a_tampered_byte_in_any_fetched_tile_is_caught(size: int, operation) -> None:
    for tile in _fetched_for(size, operation):
        length = tile.width * m.HASH_SIZE
        for offset in sorted({0, 31, 32, length // 2, length - 1, *range(5, length, 997)} & set(range(length))):
            tiled, _ = reader_for(size, (tile, offset))
            with pytest.raises(TileVerificationError):
                operation(tiled)


def test_wrong_root_and_wrong_lengths_are_caught() -> None:
    server = TileServer(SIZE)
    with pytest.raises(TileVerificationError, match="tree hash"):
        m.inclusion_proof(5, SIZE, TileHashReader(SIZE, m.tree_hash(SIZE - 1, log()), server))
    short = TileHashReader(SIZE, m.tree_hash(SIZE, log()), lambda tile: server(tile)[:-1])
    with pytest.raises(TileVerificationError, match="bytes, want"):
        m.tree_hash(SIZE, short)


def test_tile_reader_refuses_hashes_outside_the_tree() -> None:
    tiled, server = reader_for(3_000)
    with pytest.raises(ValueError, match="not in a tree of size 3000"):
        tiled.read_hashes([m.stored_hash_count(3_000)])
    assert tiled.read_hashes([]) == []
    empty = TileHashReader(0, m.EMPTY_ROOT, server)
    with pytest.raises(ValueError):
        empty.read_hashes([0])


# Entry bundles.

@given(st.lists(st.binary(max_size=300), max_size=256))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    bundle = t.encode_entry_bundle(entries)
    assert len(bundle) == sum(2 + len(e) for e in entries)
    assert t.decode_entry_bundle(bundle) == entries
    assert t.decode_entry_bundle(bundle, width=len(entries)) == entries


def test_entry_bundle_format() -> None:
    assert t.encode_entry_bundle([b"ab", b"", b"\x00" * 256]) == b"\x00\x02ab\x00\x00\x01\x00" + b"\x00" * 256
    assert t.decode_entry_bundle(b"\xff\xff" + b"x" * 0xFFFF) == [b"x" * 0xFFFF]


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x03ab", b"\x00\x01a\x00", b"\x01\x00" + b"x" * 255])
def test_malformed_entry_bundles_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="条目包无效 / invalid entry bundle"):
        t.decode_entry_bundle(data)


def test_entry_bundle_limits() -> None:
    with pytest.raises(ValueError, match="65535"):
        t.encode_entry_bundle([b"x" * 0x10000])
    with pytest.raises(ValueError, match="at most 256"):
        t.encode_entry_bundle([b""] * 257)
    with pytest.raises(ValueError, match="invalid entry bundle"):
        t.decode_entry_bundle(b"\x00\x00" * 257)
    with pytest.raises(ValueError, match="2 entries, want 3"):
        t.decode_entry_bundle(b"\x00\x00" * 2, width=3)
