"""C2SP tlog-tiles: the log's hashes and entries as static, immutable, cacheable files for mirrors and witnesses.

Pure; written after C2SP ``tlog-tiles.md`` and golang/mod ``sumdb/tlog/tile.go``, with the C2SP parameters fixed:
tile height 8, so a full tile is 256 hashes (8,192 bytes). Tile ``n`` at level ``L`` lists the hashes of the tree
nodes ``(8L, 256n + i)`` for ``i < width``; the levels between are recomputed by hashing the tile. Paths are
``tile/<L>/<N>[.p/<W>]`` for hashes and ``tile/entries/<N>[.p/<W>]`` for entry bundles (big-endian uint16
length-prefixed entries). :class:`TileHashReader` serves stored hashes from fetched tiles after authenticating every
tile it uses against a trusted tree hash, so a mirror can audit a remote log with the functions of :mod:`.merkle`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from zhiliang.ledger.merkle import HASH_SIZE, HashReader, node_hash, split_stored_hash_index, stored_hash_index

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63  # C2SP: <L> is 0..63
MAX_ENTRY_SIZE = 0xFFFF  # a uint16 length prefix
_MAX_N = (1 << 64) - 1
_PATH = re.compile(r"tile/(entries|[0-9]{1,2})/((?:x[0-9]{3}/){0,6}[0-9]{3})(?:\.p/([0-9]{1,3}))?")


class TileVerificationError(ValueError):
    """Fetched tile data is malformed or does not hash to the trusted tree hash (or to its parent tile)."""


@dataclass(frozen=True, slots=True)
class Tile:
    """Hash tile ``n`` at tile level ``level`` holding ``width`` hashes (1 ≤ width ≤ 256; 256 is a full tile)."""

    level: int
    n: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise ValueError(f"瓦片层级须为 0–{MAX_LEVEL} / tile level must be 0..{MAX_LEVEL}, got {self.level}")
        _check_n_width(self.n, self.width)


@dataclass(frozen=True, slots=True)
class EntriesTile:
    """Entry bundle ``n``: entries ``256n .. 256n + width - 1``, the data behind level-0 hash tile ``n``."""

    n: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_n_width(self.n, self.width)


def _check_n_width(n: int, width: int) -> None:
    if not 0 <= n <= _MAX_N:
        raise ValueError(f"瓦片编号须为 0–2⁶⁴−1 / tile number must be 0..2**64-1, got {n}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"瓦片宽度须为 1–{TILE_WIDTH} / tile width must be 1..{TILE_WIDTH}, got {width}")


def _encode_n(n: int) -> str:
    # Three digits per path element, all but the last prefixed "x": 1234067 -> x001/x234/067 (C2SP tlog-tiles).
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(tile: Tile | EntriesTile) -> str:
    """The C2SP path of a tile: ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``, ``.p/<W>`` if partial."""
    level = "entries" if isinstance(tile, EntriesTile) else str(tile.level)
    partial = f".p/{tile.width}" if tile.width < TILE_WIDTH else ""
    return f"tile/{level}/{_encode_n(tile.n)}{partial}"


def parse_tile_path(path: str) -> Tile | EntriesTile:
    """Parse a C2SP tile path; the inverse of :func:`tile_path`, accepting canonical paths only.

    Raises ValueError ("瓦片路径无效 / invalid tile path …") for anything else: non-decimal or zero-padded numbers,
    a level above 63, groups of other than three digits or a leading ``x000``, a width of 0 or ≥ 256 after ``.p/``,
    a number of 2⁶⁴ or more, a trailing slash or newline.
    """
    m = _PATH.fullmatch(path) if isinstance(path, str) and len(path) <= 64 else None
    if m is None:
        raise _bad_path(path, "格式不符", "does not match tile/<L>/<N>[.p/<W>]")
    level, digits, width = m.groups()
    n = int(digits.replace("x", "").replace("/", ""))
    w = TILE_WIDTH if width is None else int(width)
    if width is not None and not (w < TILE_WIDTH and width == str(w)):
        raise _bad_path(path, "部分瓦片宽度须为 1–255 且无前导零", "partial width must be 1..255 without leading zeros")
    try:
        tile = EntriesTile(n, w) if level == "entries" else Tile(int(level), n, w)
    except ValueError as exc:
        raise _bad_path(path, "数值超出范围", str(exc)) from None
    if tile_path(tile) != path:
        raise _bad_path(path, "非规范写法(前导零)", "not canonical (leading zeros)")
    return tile


def _bad_path(path: object, zh: str, en: str) -> ValueError:
    return ValueError(f"瓦片路径无效 / invalid tile path {path!r}: {zh} / {en}")


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """The hash tiles to publish when the tree grows from ``old_size`` to ``new_size`` leaves (C2SP tlog-tiles).

    Every tile that became full, plus the partial tile of each level at ``new_size`` if its width changed;
    partial widths in between are never published (C2SP serves partial tiles for checkpointed sizes only). A tree
    of 70,000 leaves gives 273 full + one 112-wide tile at level 0, one full + one 17-wide at level 1 and one
    1-wide at level 2. Raises ValueError unless 0 ≤ old_size ≤ new_size. Cost: O(tiles returned).
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"need 0 ≤ old_size ≤ new_size, got {old_size}, {new_size}")
    tiles: list[Tile] = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        old_n, new_n = old_size >> (TILE_HEIGHT * level), new_size >> (TILE_HEIGHT * level)
        if old_n != new_n:
            tiles.extend(Tile(level, n) for n in range(old_n >> TILE_HEIGHT, new_n >> TILE_HEIGHT))
            if new_n % TILE_WIDTH:
                tiles.append(Tile(level, new_n >> TILE_HEIGHT, new_n % TILE_WIDTH))
        level += 1
    return tiles


def new_entry_bundles(old_size: int, new_size: int) -> list[EntriesTile]:
    """The entry bundles to publish for the same growth: one per level-0 tile of :func:`new_tiles`."""
    return [EntriesTile(t.n, t.width) for t in new_tiles(old_size, new_size) if t.level == 0]


def tile_exists(tile: Tile | EntriesTile, tree_size: int) -> bool:
    """Whether a tree of ``tree_size`` leaves has exactly this tile: full, or partial at the width that size fixes.

    An entry bundle exists when the level-0 hash tile of the same number and width does. O(1).
    """
    level = tile.level if isinstance(tile, Tile) else 0
    available = (tree_size >> (TILE_HEIGHT * level)) - (tile.n << TILE_HEIGHT)  # hashes from this tile's start on
    return tile.width == TILE_WIDTH <= available or tile.width == available


def _locate(index: int) -> tuple[Tile, int, int]:
    # The narrowest tile holding stored hash `index`, and the byte range of tile data that hashes to it.
    level, n = split_stored_hash_index(index)
    tile_level, inside = divmod(level, TILE_HEIGHT)
    tile_n = (n << inside) >> TILE_HEIGHT
    n -= (tile_n << TILE_HEIGHT) >> inside  # now n within the tile, at `inside` levels above its hashes
    width = (n + 1) << inside
    return Tile(tile_level, tile_n, width), (n << inside) * HASH_SIZE, width * HASH_SIZE


def tile_for_index(index: int) -> Tile:
    """The narrowest tile from whose data the stored hash ``index`` can be computed (tile.go ``TileForIndex``)."""
    return _locate(index)[0]


def tile_hash_indexes(tile: Tile) -> list[int]:
    """The stored-hash indexes whose hashes, concatenated in this order, are ``tile``'s data."""
    start = tile.n << TILE_HEIGHT
    return [stored_hash_index(TILE_HEIGHT * tile.level, start + i) for i in range(tile.width)]


def read_tile_data(tile: Tile, reader: HashReader) -> bytes:
    """``tile``'s data: its ``width`` hashes concatenated (32·width bytes), read in one ``read_hashes`` call."""
    hashes = reader.read_hashes(tile_hash_indexes(tile))
    if len(hashes) != tile.width:
        raise ValueError(f"read_hashes returned {len(hashes)} hashes for {tile.width} indexes")
    return b"".join(hashes)


def _tile_hash(data: bytes) -> bytes:
    # Root of the complete subtree whose 2**k level hashes are `data`.
    level = [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def hash_from_tile(tile: Tile, data: bytes, stored_index: int) -> bytes:
    """The stored hash ``stored_index``, computed from ``tile``'s ``data`` (tile.go ``HashFromTile``).

    ``tile`` must be :func:`tile_for_index` of the index or a wider version of it, and ``data`` at least
    32·width bytes; raises ValueError otherwise. Cost: up to 255 node hashes.
    """
    if len(data) < tile.width * HASH_SIZE:
        raise ValueError(f"{len(data)} bytes of data are too few for tile {tile_path(tile)}")
    want, start, end = _locate(stored_index)
    if (want.level, want.n) != (tile.level, tile.n) or tile.width < want.width:
        raise ValueError(f"stored hash {stored_index} is in tile {tile_path(want)}, not {tile_path(tile)}")
    return _tile_hash(data[start:end])


def _parent(tile: Tile, k: int, size: int) -> Tile | None:
    # The tile k levels above `tile`, as wide as a tree of `size` leaves makes it; None if that tree lacks it.
    level, n = tile.level + k, tile.n >> (k * TILE_HEIGHT)
    available = size >> (level * TILE_HEIGHT)  # hashes at this tile level
    start = n << TILE_HEIGHT
    if start >= available:
        return None
    return Tile(level, n, min(TILE_WIDTH, available - start))


class TileHashReader:
    """A :class:`~zhiliang.ledger.merkle.HashReader` over the tiles of a tree of known size and root hash.

    ``fetch_tile(tile)`` returns that tile's data (from HTTP, a cache, anything); nothing it returns is trusted.
    Each ``read_hashes`` call fetches every tile it needs once, authenticates the tiles holding the tree's
    complete subtrees against ``root`` and each other tile against its parent tile (tile.go ``TileHashReader``),
    and only then answers; on any mismatch it raises :class:`TileVerificationError`, so every hash it returns is
    proven to be in the tree. Raises ValueError for an index outside the tree. Cost per call: the tiles on the
    paths up from the requested hashes (typically 2-4 fetches) and up to 255 node hashes per full tile.
    """

    def __init__(self, tree_size: int, root: bytes, fetch_tile: Callable[[Tile], bytes]) -> None:
        if tree_size < 0:
            raise ValueError(f"tree size must be ≥ 0, got {tree_size}")
        self.tree_size = tree_size
        self.root = root
        self._fetch = fetch_tile

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        size = self.tree_size
        roots = [stored_hash_index(lv, (size >> lv) - 1) for lv in range(size.bit_length() - 1, -1, -1)
                 if size >> lv & 1]
        plan: dict[Tile, int] = {}  # tile -> position; parents are always planned before their children
        root_tiles = [self._widest(_locate(x)[0], 0) for x in roots]
        for tile in root_tiles:
            plan.setdefault(tile, len(plan))
        by_root = len(plan)
        located = [self._plan_index(plan, x) for x in indexes]
        tiles = list(plan)
        data = [self._fetch_checked(tile) for tile in tiles]
        self._check_root([hash_from_tile(t, data[plan[t]], x) for t, x in zip(root_tiles, roots, strict=True)])
        for tile, blob in zip(tiles[by_root:], data[by_root:], strict=True):
            self._check_child(tile, blob, plan, data)
        return [_tile_hash(data[plan[tile]][start:end]) for tile, start, end in located]

    def _widest(self, tile: Tile, k: int) -> Tile:
        parent = _parent(tile, k, self.tree_size)
        if parent is None:
            raise AssertionError(f"no tile {k} levels above {tile_path(tile)} in a tree of size {self.tree_size}")
        return parent

    def _plan_index(self, plan: dict[Tile, int], index: int) -> tuple[Tile, int, int]:
        # Plan the tile holding `index` and every full tile between it and an already planned ancestor,
        # parents first, so that each is authenticated by the one above it.
        if not 0 <= index < stored_hash_index(0, self.tree_size):
            raise ValueError(f"stored hash {index} is not in a tree of size {self.tree_size}")
        narrow, start, end = _locate(index)
        k = 0
        while (ancestor := _parent(narrow, k, self.tree_size)) not in plan:
            if ancestor is None:
                raise AssertionError(f"no planned ancestor tile for stored hash {index}")
            k += 1
        for j in range(k - 1, -1, -1):
            plan[self._widest(narrow, j)] = len(plan)
        return self._widest(narrow, 0), start, end

    def _fetch_checked(self, tile: Tile) -> bytes:
        data = bytes(self._fetch(tile))
        if len(data) != tile.width * HASH_SIZE:
            raise TileVerificationError(f"tile {tile_path(tile)} has {len(data)} bytes, want {tile.width * HASH_SIZE}")
        return data

    def _check_root(self, subtree_hashes: list[bytes]) -> None:
        if not subtree_hashes:
            return
        h = subtree_hashes[-1]
        for left in reversed(subtree_hashes[:-1]):
            h = node_hash(left, h)
        if h != self.root:
            raise TileVerificationError("下载的瓦片与树根不符 / downloaded tiles do not match the tree hash")

    def _check_child(self, tile: Tile, blob: bytes, plan: dict[Tile, int], data: list[bytes]) -> None:
        parent = self._widest(tile, 1)
        if tile.width != TILE_WIDTH or parent not in plan:
            raise AssertionError(f"tile {tile_path(tile)} has no planned parent")
        want = hash_from_tile(parent, data[plan[parent]], stored_hash_index(TILE_HEIGHT * parent.level, tile.n))
        if _tile_hash(blob) != want:
            raise TileVerificationError(
                f"下载的瓦片 {tile_path(tile)} 与上层瓦片不符 / tile {tile_path(tile)} does not match its parent tile")


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length then its bytes (C2SP tlog-tiles "Log entries").

    Raises ValueError for an entry over 65,535 bytes or more than 256 entries.
    """
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"条目过长 / entry of {len(entry)} bytes exceeds {MAX_ENTRY_SIZE}")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(bytes(entry))
    if len(parts) > 2 * TILE_WIDTH:
        raise ValueError(f"条目过多 / a bundle holds at most {TILE_WIDTH} entries, got {len(parts) // 2}")
    return b"".join(parts)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """The entries of a bundle; with ``width``, also checks there are exactly that many.

    Raises ValueError ("条目包无效 / invalid entry bundle …") on a truncated length or entry, more than 256
    entries, or a count other than ``width``. Cost: O(len(data)).
    """
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data) or len(entries) == TILE_WIDTH:
            raise _bad_bundle(f"trailing {len(data) - at} bytes at offset {at}")
        size = int.from_bytes(data[at:at + 2], "big")
        at += 2
        if at + size > len(data):
            raise _bad_bundle(f"entry {len(entries)} needs {size} bytes, {len(data) - at} left")
        entries.append(bytes(data[at:at + size]))
        at += size
    if width is not None and len(entries) != width:
        raise _bad_bundle(f"{len(entries)} entries, want {width}")
    return entries


def _bad_bundle(detail: str) -> ValueError:
    return ValueError(f"条目包无效 / invalid entry bundle: {detail}")
