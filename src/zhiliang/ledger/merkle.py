"""Merkle-tree math of the ledger: RFC 9162 hashing, the stored-hash layout, proofs and their verification.

Pure and stdlib-only; written after golang/mod ``sumdb/tlog/tlog.go``. The log stores the hash of every *complete*
subtree once, in one dense sequence (the stored-hash index of Crosby and Wallach, "Efficient Data Structures for
Tamper-Evident Logging", §3.3): leaf ``n`` is written, followed by the hashes of the subtrees it completes. The only
storage port is :class:`HashReader`, and every operation here works out the stored indexes it needs, reads them in
one batch and assembles the answer, so a proof costs one round trip whatever the store.

Conventions: leaf indexes are 0-based; a tree of size ``n`` holds leaves ``0 .. n-1``; a node ``(level, k)`` is the
complete subtree of ``2**level`` leaves starting at leaf ``k << level``; proof hashes are ordered bottom-up (the
leaf's sibling first, a child of the root last), as RFC 9162 §2.1.3 and §2.1.4 produce and consume them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) of RFC 9162 §2.1.1

_sha256 = hashlib.sha256
# Hashing state after the leaf prefix: copying it and feeding the data is about a third cheaper for a ~300-byte
# leaf than hashing 0x00 ‖ data, which first copies the data (benchmarks/ledger.py appends 2 hashes per leaf).
_LEAF_PREFIX = _sha256(b"\x00")


class ProofError(ValueError):
    """A proof, hash or tree size does not verify; the message says which check failed."""


@runtime_checkable
class HashReader(Protocol):
    """The one storage port: stored hashes by stored-hash index (see :func:`stored_hash_index`)."""

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """Return the 32-byte hashes at ``indexes``, in the order asked, as a list the caller may keep.

        Raises (``LookupError`` or the store's own error) if any is missing; never returns fewer. Callers here ask
        once per operation, with indexes in increasing order except where a proof needs otherwise.
        """
        ...


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the hash of a log entry (RFC 9162 §2.1.1). Cost: one SHA-256 over the data."""
    h = _LEAF_PREFIX.copy()
    h.update(data)
    return h.digest()


def leaf_hashes(datas: Sequence[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of each of ``datas``, in order (the batch form the sequencer uses)."""
    out = []
    for data in datas:
        h = _LEAF_PREFIX.copy()
        h.update(data)
        out.append(h.digest())
    return out


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an interior node (RFC 9162 §2.1.1)."""
    return _sha256(b"\x01" + left + right).digest()


def _shi(level: int, n: int) -> int:
    # Node (level, n) is written right after its last leaf m and the level hashes below it; leaf m sits at
    # m + m//2 + m//4 + ... = 2m - popcount(m).
    m = ((n + 1) << level) - 1
    return 2 * m - m.bit_count() + level


def stored_hash_index(level: int, n: int) -> int:
    """The stored-hash index of node ``(level, n)``, as tlog.go ``StoredHashIndex``. O(1).

    Raises ValueError for a negative level or n.
    """
    if level < 0 or n < 0:
        raise ValueError(f"level and n must be ≥ 0, got ({level}, {n})")
    return _shi(level, n)


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Inverse of :func:`stored_hash_index`: the ``(level, n)`` stored at ``index``. O(log index)."""
    if index < 0:
        raise ValueError(f"stored hash index must be ≥ 0, got {index}")
    n = index // 2  # stored_hash_index(0, n) < 2n, so the leaf written before index is in [index/2, index/2 + log]
    at = _shi(0, n)
    while True:
        after = at + 1 + _trailing_zeros(n + 1)  # leaf n+1's index: leaf n plus the subtrees n completes
        if after > index:
            break
        n, at = n + 1, after
    level = index - at
    return level, n >> level


def stored_hash_count(n: int) -> int:
    """How many hashes a tree of ``n`` leaves stores (about 2n): 2n − popcount(n). O(1)."""
    if n < 0:
        raise ValueError(f"tree size must be ≥ 0, got {n}")
    return 2 * n - n.bit_count()


def _trailing_zeros(x: int) -> int:
    return (x & -x).bit_length() - 1


def _read(reader: HashReader, indexes: list[int]) -> list[bytes]:
    if not indexes:
        return []
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise ValueError(f"read_hashes returned {len(hashes)} hashes for {len(indexes)} indexes")
    return hashes


def stored_hashes(n: int, data: bytes, reader: HashReader) -> list[bytes]:
    """The hashes to store when appending entry ``n`` with ``data``, to write from ``stored_hash_count(n)`` on.

    See :func:`stored_hashes_for_leaf_hash`.
    """
    return stored_hashes_for_leaf_hash(n, leaf_hash(data), reader)


def stored_hashes_for_leaf_hash(n: int, leaf: bytes, reader: HashReader) -> list[bytes]:
    """Like :func:`stored_hashes` but given the leaf hash: the leaf, then every subtree leaf ``n`` completes.

    Returns 1 + t hashes where t is the number of trailing 1 bits of n (two on average). Reads those t earlier
    hashes, the left siblings, in one ``read_hashes`` call (none when t = 0).
    """
    _check_append(n, (leaf,))
    t = _trailing_zeros(~n)  # trailing ones of n
    old = _read(reader, [_shi(i, (n >> i) - 1) for i in range(t - 1, -1, -1)])
    hashes = [leaf]
    for left in reversed(old):
        leaf = node_hash(left, leaf)
        hashes.append(leaf)
    return hashes


def append_hashes(n: int, leaf_hashes: Sequence[bytes], reader: HashReader) -> list[bytes]:
    """All hashes to store when appending leaves ``n .. n+k-1`` to a tree of size ``n``, in stored-index order.

    The result is exactly what belongs at indexes ``stored_hash_count(n) .. stored_hash_count(n+k) - 1`` and equals
    the concatenation of :func:`stored_hashes_for_leaf_hash` for each leaf in turn. Reads, in one ``read_hashes``
    call, only the old tree's complete subtrees that the new leaves complete a parent for (at most log₂ n; none
    for k = 0 or when no parent completes). Cost: about 2k node hashes.
    """
    _check_append(n, leaf_hashes)
    end = n + len(leaf_hashes)
    needed = [_shi(lv, (n >> lv) - 1) for lv in range(n.bit_length() - 1, -1, -1)
              if n >> lv & 1 and ((n >> lv) + 1) << lv <= end]
    # Peaks of the growing tree, highest level first; old peaks never merged are never read nor pushed.
    stack = list(_read(reader, needed))
    out: list[bytes] = []
    push, pop, sha = out.append, stack.pop, _sha256
    for i, h in enumerate(leaf_hashes, n):
        push(h)
        while i & 1:
            h = sha(b"\x01" + pop() + h).digest()  # node_hash, inlined: this loop is most of an append's hashing
            push(h)
            i >>= 1
        stack.append(h)
    return out


def _check_append(n: int, leaf_hashes: Sequence[bytes]) -> None:
    if n < 0:
        raise ValueError(f"tree size must be ≥ 0, got {n}")
    for h in leaf_hashes:
        if len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(h)}")


def _append_range(lo: int, hi: int, out: list[int]) -> None:
    # Complete subtrees covering leaves [lo, hi), left to right, largest first (the RFC 9162 §2.1.1 split);
    # callers pass an lo aligned to the first subtree.
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        out.append(_shi(level, lo >> level))
        lo += 1 << level


def _fold(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    # MTH of consecutive subtrees listed left to right, largest first: hash from the right.
    h = hashes[end - 1]
    for i in range(end - 2, start - 1, -1):
        h = node_hash(hashes[i], h)
    return h


def tree_hash(n: int, reader: HashReader) -> bytes:
    """MTH of the first ``n`` leaves (RFC 9162 §2.1.1); :data:`EMPTY_ROOT` for n = 0.

    One ``read_hashes`` call for popcount(n) ≤ log₂ n + 1 hashes (none for n = 0), then popcount(n) − 1 node hashes.
    """
    if n < 0:
        raise ValueError(f"tree size must be ≥ 0, got {n}")
    if n == 0:
        return EMPTY_ROOT
    indexes: list[int] = []
    _append_range(0, n, indexes)
    hashes = _read(reader, indexes)
    return _fold(hashes, 0, len(hashes))


def _path_indexes(f: int, level: int, size: int, out: list[int]) -> tuple[int, int]:
    """Append the stored indexes for the audit path of node ``(level, f)`` in the tree of ``size`` leaves.

    The path is bottom-up: siblings below the level where the paths to f and to the last leaf part, then the
    subtree right of that point (possibly incomplete, so several stored hashes), then left siblings above.
    Returns the positions ``[a, b)`` in ``out`` of the stored hashes that fold into that one right subtree.
    """
    s = (size - 1) >> level
    inner = (f ^ s).bit_length()
    for j in range(inner - 1):
        out.append(_shi(level + j, (f >> j) ^ 1))
    a = len(out)
    if inner:
        top = level + inner - 1
        _append_range(((f >> (inner - 1)) + 1) << top, size, out)
    b = len(out)
    f >>= inner
    level += inner
    while f:
        if f & 1:
            out.append(_shi(level, f - 1))
        f >>= 1
        level += 1
    return a, b


def _assemble(hashes: Sequence[bytes], a: int, b: int) -> list[bytes]:
    if b - a <= 1:
        return list(hashes)
    proof = list(hashes[:a])
    proof.append(_fold(hashes, a, b))
    proof.extend(hashes[b:])
    return proof


def inclusion_proof(index: int, n: int, reader: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of size ``n`` (RFC 9162 §2.1.3.1, PATH of RFC 6962 §2.1.1).

    Bottom-up; empty for n = 1. One ``read_hashes`` call for at most 2·log₂ n hashes (none if the path is empty),
    then at most log₂ n node hashes for the incomplete right subtree. Raises ValueError unless 0 ≤ index < n.
    """
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is not in a tree of size {n}")
    indexes: list[int] = []
    a, b = _path_indexes(index, 0, n, indexes)
    return _assemble(_read(reader, indexes), a, b)


def consistency_proof(n1: int, n2: int, reader: HashReader) -> list[bytes]:
    """The proof that the tree of size ``n1`` is a prefix of the tree of size ``n2`` (RFC 9162 §2.1.4.1).

    Bottom-up; empty when n1 = n2. It is the audit path, in tree n2, of the largest complete subtree ending at
    leaf n1 − 1, preceded by that subtree's hash unless it is the whole old tree (n1 a power of two). One
    ``read_hashes`` call for at most 2·log₂ n2 + 1 hashes. Raises ValueError unless 0 < n1 ≤ n2.
    """
    if not 0 < n1 <= n2:
        raise ValueError(f"no consistency proof from size {n1} to size {n2}; need 0 < size1 ≤ size2")
    if n1 == n2:
        return []
    level = _trailing_zeros(n1)
    f = (n1 - 1) >> level
    indexes = [_shi(level, f)] if f else []
    a, b = _path_indexes(f, level, n2, indexes)
    return _assemble(_read(reader, indexes), a, b)


def _path_size(f: int, s: int) -> int:
    inner = (f ^ s).bit_length()
    return inner + (f >> inner).bit_count()


def _check_hashes(proof: Sequence[bytes], want: int) -> None:
    if len(proof) != want:
        raise ProofError(f"proof has {len(proof)} hashes, want {want}")
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise ProofError(f"proof hash {i} is {len(p)} bytes, want {HASH_SIZE}")


def _check_root(name: str, root: bytes) -> None:
    if len(root) != HASH_SIZE:
        raise ProofError(f"{name} is {len(root)} bytes, want {HASH_SIZE}")


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` leaves with hash ``root``.

    Runs RFC 9162 §2.1.3.2 step by step, after the input checks of transparency-dev/merkle ``VerifyInclusion``
    (index < size, a 32-byte leaf hash, exactly the expected number of proof hashes). Returns None; raises
    :class:`ProofError` saying which check failed. Cost: len(proof) ≤ 2·log₂ size node hashes.
    """
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf index {index} is not in a tree of size {tree_size}")
    _check_root("leaf hash", leaf_hash)
    _check_root("root", root)
    _check_hashes(proof, _path_size(index, tree_size - 1))
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:  # step 4.b.ii: skip the levels where this node has no right sibling
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if r != root:
        raise ProofError("calculated root does not match the given root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size1`` leaves with hash ``root1`` is a prefix of the one of ``size2``, ``root2``.

    Runs RFC 9162 §2.1.4.2 step by step (step 2's prepending included), after the input checks of
    transparency-dev/merkle ``VerifyConsistency``: size1 ≤ size2; size1 = 0 proves nothing and is refused; equal
    sizes need an empty proof and byte-equal roots; otherwise the proof must be non-empty and of exactly the
    expected length. Returns None; raises :class:`ProofError`. Cost: ≤ 2·len(proof) node hashes.
    """
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree (size1 = 0) proves nothing")
    if size1 == size2:
        _verify_same_size(proof, root1, root2)
        return
    if not proof:
        raise ProofError("empty proof for size1 < size2")  # step 1
    _check_root("root1", root1)
    _check_root("root2", root2)
    level = _trailing_zeros(size1)
    f = (size1 - 1) >> level
    _check_hashes(proof, _path_size(f, (size2 - 1) >> level) + (1 if f else 0))
    fr, sr = _run_consistency(size1, size2, proof, root1)
    if fr != root1:
        raise ProofError("calculated root1 does not match the given root1")
    if sr != root2:
        raise ProofError("calculated root2 does not match the given root2")


def _verify_same_size(proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    if proof:
        raise ProofError("size1 = size2 but the proof is not empty")
    if root1 != root2:
        raise ProofError("size1 = size2 but the roots differ")


def _run_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes) -> tuple[bytes, bytes]:
    # RFC 9162 §2.1.4.2 steps 2-6; the caller does step 7's comparisons.
    pow2 = size1 & (size1 - 1) == 0
    first, rest = (root1, 0) if pow2 else (proof[0], 1)  # step 2: prepend first_hash when size1 is 2**k
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = first
    for i in range(rest, len(proof)):
        c = proof[i]
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    return fr, sr


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (RFC 9162 §2.1.1), iteratively; for tests and audits.

    O(n) node hashes, O(log n) memory beyond the input; :data:`EMPTY_ROOT` for an empty list.
    """
    stack: list[bytes] = []
    for i, h in enumerate(hashes):
        while i & 1:
            h = node_hash(stack.pop(), h)
            i >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    return _fold(stack, 0, len(stack))
