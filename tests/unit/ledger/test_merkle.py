"""ledger.merkle against the published vectors (RFC 6962 reference tree, transparency-dev probes, sumdb tlog tables)
and against an independent RFC 6962 §2.1 reference, with Hypothesis properties for proofs and storage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ledger_vectors_path

from zhiliang.ledger import merkle as m
from zhiliang.ledger.merkle import ProofError

V = json.loads(ledger_vectors_path().read_text(encoding="utf-8"))
H = bytes.fromhex


class MemoryHashes:
    """Stored hashes in a list; a reader for a tree of ``size`` leaves refuses indexes that tree has not stored."""

    def __init__(self, hashes: list[bytes] | None = None, size: int | None = None) -> None:
        self.hashes = [] if hashes is None else hashes
        self.size = size
        self.calls: list[list[int]] = []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        self.calls.append(list(indexes))
        limit = len(self.hashes) if self.size is None else m.stored_hash_count(self.size)
        if any(not 0 <= i < limit for i in indexes):
            raise LookupError(f"index outside the stored hashes: {indexes}")
        return [self.hashes[i] for i in indexes]

    def append(self, n: int, leaf_hashes: Sequence[bytes]) -> None:
        assert len(self.hashes) == m.stored_hash_count(n)
        self.hashes.extend(m.append_hashes(n, leaf_hashes, self.at(n)))

    def at(self, size: int) -> MemoryHashes:
        return MemoryHashes(self.hashes, size)


def leaf_hashes(count: int) -> list[bytes]:
    return [m.leaf_hash(b"leaf %d" % i) for i in range(count)]


@cache
def big_store(count: int = 300) -> MemoryHashes:
    store = MemoryHashes()
    store.append(0, leaf_hashes(count))
    return store


# Independent reference: the recursive definitions of RFC 6962 §2.1, §2.1.1 and §2.1.2, written from the text.

def _k(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n (n > 1)


def ref_mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return m.EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return m.node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(i: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if i < k:
        return ref_path(i, d[:k]) + [ref_mth(d[k:])]
    return ref_path(i - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(size1: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if size1 == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if size1 <= k:
        return ref_subproof(size1, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(size1 - k, d[k:], False) + [ref_mth(d[:k])]


# Published vectors.

def _vector_store() -> MemoryHashes:
    store = MemoryHashes()
    store.append(0, [H(leaf["leaf_hash"]) for leaf in V["leaves"]])
    return store


def test_constants() -> None:
    assert m.HASH_SIZE == 32
    assert m.EMPTY_ROOT.hex() == V["meta"]["empty_tree_root"].split("= ")[1]


@pytest.mark.parametrize("leaf", V["leaves"], ids=lambda v: str(v["index"]))
def test_leaf_hash(leaf: dict) -> None:
    assert m.leaf_hash(H(leaf["input_hex"])).hex() == leaf["leaf_hash"]


@pytest.mark.parametrize("case", V["roots"], ids=lambda v: str(v["tree_size"]))
def test_roots(case: dict) -> None:
    n = case["tree_size"]
    leaves = [H(leaf["leaf_hash"]) for leaf in V["leaves"][:n]]
    assert m.root_from_leaf_hashes(leaves).hex() == case["root"]
    assert m.tree_hash(n, _vector_store().at(n)).hex() == case["root"]


@pytest.mark.parametrize("case", V["perfect_subtree_hashes"], ids=lambda v: f"{v['level']}-{v['index']}")
def test_perfect_subtree_hashes(case: dict) -> None:
    store = _vector_store()
    assert store.hashes[m.stored_hash_index(case["level"], case["index"])].hex() == case["hash"]
    lo, hi = case["covers"]
    assert m.root_from_leaf_hashes([H(leaf["leaf_hash"]) for leaf in V["leaves"][lo:hi]]).hex() == case["hash"]


@pytest.mark.parametrize("case", V["inclusion_proofs"], ids=lambda v: f"{v['leaf_index']}-{v['tree_size']}")
def test_inclusion_proofs(case: dict) -> None:
    i, n = case["leaf_index"], case["tree_size"]
    proof = m.inclusion_proof(i, n, _vector_store().at(n))
    assert [p.hex() for p in proof] == case["proof"]
    m.verify_inclusion(H(case["leaf_hash"]), i, n, proof, H(case["root"]))


@pytest.mark.parametrize("case", V["consistency_proofs"], ids=lambda v: f"{v['size1']}-{v['size2']}")
def test_consistency_proofs(case: dict) -> None:
    n1, n2 = case["size1"], case["size2"]
    proof = m.consistency_proof(n1, n2, _vector_store().at(n2))
    assert [p.hex() for p in proof] == case["proof"]
    m.verify_consistency(n1, n2, proof, H(case["root1"]), H(case["root2"]))


def test_rfc6962_section_2_1_3_example() -> None:
    ex = V["rfc6962_section_2_1_3_example"]
    store = _vector_store().at(7)
    root = m.tree_hash(7, store)
    assert root.hex() == ex["root7"]
    for name, path in ex["audit_paths"].items():
        index = int(name[1:])
        proof = m.inclusion_proof(index, 7, store)
        assert [p.hex() for p in proof] == path
        m.verify_inclusion(H(V["leaves"][index]["leaf_hash"]), index, 7, proof, root)
    for size1, path in ex["consistency"].items():
        proof = m.consistency_proof(int(size1), 7, store)
        assert [p.hex() for p in proof] == path
        m.verify_consistency(int(size1), 7, proof, m.tree_hash(int(size1), store), root)


def _run_inclusion_probe(v: dict) -> None:
    m.verify_inclusion(H(v["leafHash"]), v["leafIdx"], v["treeSize"], [H(p) for p in v["proof"]], H(v["root"]))


def _run_consistency_probe(v: dict) -> None:
    m.verify_consistency(v["size1"], v["size2"], [H(p) for p in v["proof"]], H(v["root1"]), H(v["root2"]))


@pytest.mark.parametrize("probe", V["transparency_dev_probes"]["inclusion"], ids=lambda v: v["file"])
def test_transparency_dev_inclusion_probe(probe: dict) -> None:
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            _run_inclusion_probe(probe)
    else:
        _run_inclusion_probe(probe)


@pytest.mark.parametrize("probe", V["transparency_dev_probes"]["consistency"], ids=lambda v: v["file"])
def test_transparency_dev_consistency_probe(probe: dict) -> None:
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            _run_consistency_probe(probe)
    else:
        _run_consistency_probe(probe)


def test_probe_counts() -> None:
    probes = V["transparency_dev_probes"]
    assert len(probes["inclusion"]) == 98 and len(probes["consistency"]) == 98


@pytest.mark.parametrize("case", V["sumdb_tlog"]["stored_hash_index"], ids=lambda v: str(v["index"]))
def test_stored_hash_index(case: dict) -> None:
    assert m.stored_hash_index(case["level"], case["n"]) == case["index"]
    assert m.split_stored_hash_index(case["index"]) == (case["level"], case["n"])


@pytest.mark.parametrize("case", V["sumdb_tlog"]["stored_hash_count"], ids=lambda v: str(v["n"]))
def test_stored_hash_count(case: dict) -> None:
    assert m.stored_hash_count(case["n"]) == case["count"]


def test_stored_hash_index_round_trip_and_density() -> None:
    seen = sorted(m.stored_hash_index(level, n) for level in range(13) for n in range(4096 >> level))
    assert seen == list(range(m.stored_hash_count(4096)))  # dense: every complete node once, nothing else
    for index in range(20000):
        assert m.stored_hash_index(*m.split_stored_hash_index(index)) == index


@given(st.integers(0, 40), st.integers(0, 1 << 62))
def test_split_inverts_stored_hash_index_at_scale(level: int, n: int) -> None:
    assert m.split_stored_hash_index(m.stored_hash_index(level, n)) == (level, n)


def test_index_functions_refuse_negatives() -> None:
    for call in (lambda: m.stored_hash_index(-1, 0), lambda: m.stored_hash_index(0, -1),
                 lambda: m.split_stored_hash_index(-1), lambda: m.stored_hash_count(-1)):
        with pytest.raises(ValueError):
            call()


# Bug detectors: each listed proof is valid; a verifier missing the named RFC 9162 step rejects it.

def _inclusion_without_shift(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        r = m.node_hash(p, r) if fn & 1 or fn == sn else m.node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def _consistency_without_prepend(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> bool:
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = m.node_hash(c, fr), m.node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = m.node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


def test_bug_detector_inclusion_missing_shift_step() -> None:
    cases = {(v["leaf_index"], v["tree_size"]): v for v in V["inclusion_proofs"]}
    listed = V["bug_detectors"]["inclusion_missing_shift_step"]["valid_proofs_wrongly_rejected"]
    assert listed
    for item in listed:
        v = cases[item["leaf_index"], item["tree_size"]]
        args = (H(v["leaf_hash"]), v["leaf_index"], v["tree_size"], [H(p) for p in v["proof"]], H(v["root"]))
        m.verify_inclusion(*args)
        assert not _inclusion_without_shift(*args)


def test_bug_detector_consistency_missing_prepend_step() -> None:
    cases = {(v["size1"], v["size2"]): v for v in V["consistency_proofs"]}
    listed = V["bug_detectors"]["consistency_missing_prepend_step"]["valid_proofs_wrongly_rejected"]
    assert listed
    for item in listed:
        v = cases[item["size1"], item["size2"]]
        args = (v["size1"], v["size2"], [H(p) for p in v["proof"]], H(v["root1"]), H(v["root2"]))
        m.verify_consistency(*args)
        assert not _consistency_without_prepend(*args)


# Agreement with the RFC 6962 reference, exhaustively for small trees.

def test_tree_hash_every_size_matches_reference() -> None:
    leaves, store = leaf_hashes(300), big_store()
    for n in range(301):
        reader = store.at(n)
        assert m.tree_hash(n, reader) == m.root_from_leaf_hashes(leaves[:n])
        if n <= 70:
            assert m.root_from_leaf_hashes(leaves[:n]) == ref_mth(leaves[:n])
        assert len(reader.calls) == (1 if n else 0)


def test_proofs_match_reference_up_to_64_leaves() -> None:
    leaves, store = leaf_hashes(64), big_store()
    for n in range(1, 65):
        for i in range(n):
            assert m.inclusion_proof(i, n, store.at(n)) == ref_path(i, leaves[:n])
        for n1 in range(1, n + 1):
            assert m.consistency_proof(n1, n, store.at(n)) == ref_subproof(n1, leaves[:n], True)


def test_every_proof_up_to_256_leaves_verifies() -> None:
    leaves, store = leaf_hashes(256), big_store()
    roots = [m.tree_hash(n, store) for n in range(257)]
    for n in range(1, 257):
        reader = store.at(n)
        for i in range(n):
            m.verify_inclusion(leaves[i], i, n, m.inclusion_proof(i, n, reader), roots[n])
        for n1 in range(1, n + 1):
            m.verify_consistency(n1, n, m.consistency_proof(n1, n, reader), roots[n1], roots[n])


# Hypothesis properties.

def _flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


sizes = st.integers(1, 300)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(0, n - 1)), n


@st.composite
def size_pair(draw: st.DrawFn) -> tuple[int, int]:
    n2 = draw(sizes)
    return draw(st.integers(1, n2)), n2


@given(index_and_size(), st.data())
@settings(max_examples=300)
def test_inclusion_tampering_is_detected(case: tuple[int, int], data: st.DataObject) -> None:
    i, n = case
    store, leaves = big_store(), leaf_hashes(n)
    proof, root = m.inclusion_proof(i, n, store.at(n)), m.tree_hash(n, store)
    m.verify_inclusion(leaves[i], i, n, proof, root)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        m.verify_inclusion(_flip(leaves[i], bit), i, n, proof, root)
    with pytest.raises(ProofError):
        m.verify_inclusion(leaves[i], i, n, proof, _flip(root, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = proof[:k] + [_flip(proof[k], bit)] + proof[k + 1:]
        with pytest.raises(ProofError):
            m.verify_inclusion(leaves[i], i, n, bad, root)
    for other in {i - 1, i + 1, n}:
        if 0 <= other != i:
            with pytest.raises(ProofError):
                m.verify_inclusion(leaves[i], other, n, proof, root)


@given(size_pair(), st.data())
@settings(max_examples=300)
def test_consistency_tampering_is_detected(case: tuple[int, int], data: st.DataObject) -> None:
    n1, n2 = case
    store = big_store()
    proof, root1, root2 = m.consistency_proof(n1, n2, store.at(n2)), m.tree_hash(n1, store), m.tree_hash(n2, store)
    m.verify_consistency(n1, n2, proof, root1, root2)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        m.verify_consistency(n1, n2, proof, _flip(root1, bit), root2)
    with pytest.raises(ProofError):
        m.verify_consistency(n1, n2, proof, root1, _flip(root2, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = proof[:k] + [_flip(proof[k], bit)] + proof[k + 1:]
        with pytest.raises(ProofError):
            m.verify_consistency(n1, n2, bad, root1, root2)
        with pytest.raises(ProofError):
            m.verify_consistency(n1, n2, proof[:-1], root1, root2)
        with pytest.raises(ProofError):
            m.verify_consistency(n1, n2, [*proof, proof[-1]], root1, root2)


def test_every_bit_of_one_proof_matters() -> None:
    store, leaves = big_store(), leaf_hashes(300)
    i, n, n1 = 5, 13, 6
    proof, root = m.inclusion_proof(i, n, store.at(n)), m.tree_hash(n, store)
    cproof, root1 = m.consistency_proof(n1, n, store.at(n)), m.tree_hash(n1, store)
    for k in range(len(proof)):
        for bit in range(256):
            with pytest.raises(ProofError):
                m.verify_inclusion(leaves[i], i, n, [*proof[:k], _flip(proof[k], bit), *proof[k + 1:]], root)
    for k in range(len(cproof)):
        for bit in range(256):
            with pytest.raises(ProofError):
                m.verify_consistency(n1, n, [*cproof[:k], _flip(cproof[k], bit), *cproof[k + 1:]], root1, root)
    for bit in range(256):
        with pytest.raises(ProofError):
            m.verify_inclusion(_flip(leaves[i], bit), i, n, proof, root)
        with pytest.raises(ProofError):
            m.verify_inclusion(leaves[i], i, n, proof, _flip(root, bit))
        with pytest.raises(ProofError):
            m.verify_consistency(n1, n, cproof, _flip(root1, bit), root)
        with pytest.raises(ProofError):
            m.verify_consistency(n1, n, cproof, root1, _flip(root, bit))


@given(st.lists(st.integers(0, 40), max_size=20))
def test_append_in_batches_equals_one_by_one(batches: list[int]) -> None:
    total = sum(batches)
    leaves = leaf_hashes(total)
    one_by_one = MemoryHashes()
    for n, leaf in enumerate(leaves):
        reader = one_by_one.at(n)
        one_by_one.hashes.extend(m.stored_hashes_for_leaf_hash(n, leaf, reader))
        assert len(reader.calls) <= 1 and all(len(c) == len(set(c)) for c in reader.calls)
    batched, n = MemoryHashes(), 0
    for k in batches:
        reader = batched.at(n)
        batched.hashes.extend(m.append_hashes(n, leaves[n:n + k], reader))
        assert len(reader.calls) <= 1 and all(len(c) <= max(n.bit_length(), 1) for c in reader.calls)
        n += k
        assert len(batched.hashes) == m.stored_hash_count(n)
    assert batched.hashes == one_by_one.hashes


def test_stored_hashes_from_data() -> None:
    store = MemoryHashes()
    for n, leaf in enumerate(V["leaves"]):
        store.hashes.extend(m.stored_hashes(n, H(leaf["input_hex"]), store.at(n)))
    assert store.hashes == _vector_store().hashes


@given(index_and_size(), size_pair())
def test_one_read_per_operation_with_few_indexes(inclusion: tuple[int, int], consistency: tuple[int, int]) -> None:
    store = big_store()
    i, n = inclusion
    reader = store.at(n)
    proof = m.inclusion_proof(i, n, reader)
    assert len(reader.calls) == (1 if proof else 0)
    assert sum(map(len, reader.calls)) <= 2 * n.bit_length()
    n1, n2 = consistency
    reader = store.at(n2)
    proof = m.consistency_proof(n1, n2, reader)
    assert len(reader.calls) == (1 if proof else 0)
    assert sum(map(len, reader.calls)) <= 2 * n2.bit_length() + 1


# Very large trees: with every leaf equal, a complete subtree's hash depends only on its level, so a reader can
# answer any stored index at once and proofs can be checked at sizes up to 2**62.

LEVEL_HASHES = [m.leaf_hash(b"same")]
for _ in range(64):
    LEVEL_HASHES.append(m.node_hash(LEVEL_HASHES[-1], LEVEL_HASHES[-1]))


class UniformTree:
    def __init__(self, size: int) -> None:
        self.size, self.calls = size, []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        self.calls.append(list(indexes))
        out = []
        for index in indexes:
            level, n = m.split_stored_hash_index(index)
            assert (n + 1) << level <= self.size, "read a node the tree has not completed"
            out.append(LEVEL_HASHES[level])
        return out


@given(st.integers(1, 1 << 62), st.data())
def test_proofs_at_huge_sizes(n: int, data: st.DataObject) -> None:
    i, n1 = data.draw(st.integers(0, n - 1)), data.draw(st.integers(1, n))
    root = m.tree_hash(n, UniformTree(n))
    reader = UniformTree(n)
    proof = m.inclusion_proof(i, n, reader)
    m.verify_inclusion(LEVEL_HASHES[0], i, n, proof, root)
    assert len(reader.calls) <= 1 and sum(map(len, reader.calls)) <= 2 * n.bit_length()
    reader = UniformTree(n)
    cproof = m.consistency_proof(n1, n, reader)
    m.verify_consistency(n1, n, cproof, m.tree_hash(n1, UniformTree(n1)), root)
    assert len(reader.calls) <= 1 and sum(map(len, reader.calls)) <= 2 * n.bit_length() + 1
    if proof:
        with pytest.raises(ProofError):
            m.verify_inclusion(LEVEL_HASHES[0], i, n, proof, _flip(root, 0))


def test_invalid_proof_requests() -> None:
    store = big_store()
    for i, n in ((0, 0), (-1, 5), (5, 5)):
        with pytest.raises(ValueError):
            m.inclusion_proof(i, n, store)
    for n1, n2 in ((0, 0), (0, 5), (6, 5), (-1, 3)):
        with pytest.raises(ValueError):
            m.consistency_proof(n1, n2, store)
    with pytest.raises(ValueError):
        m.tree_hash(-1, store)
    with pytest.raises(ValueError):
        m.append_hashes(0, [b"short"], store)
    assert m.tree_hash(0, store) == m.EMPTY_ROOT
    assert m.consistency_proof(7, 7, store) == []
    assert m.root_from_leaf_hashes([]) == m.EMPTY_ROOT


def test_short_reader_is_refused() -> None:
    class Short:
        def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
            return [bytes(32)] * (len(indexes) - 1)

    with pytest.raises(ValueError, match="read_hashes returned"):
        m.tree_hash(3, Short())
    assert isinstance(big_store(), m.HashReader)


def test_verify_messages_name_the_failure() -> None:
    store, leaves = big_store(), leaf_hashes(10)
    proof, root = m.inclusion_proof(3, 10, store.at(10)), m.tree_hash(10, store)
    with pytest.raises(ProofError, match="proof has 3 hashes, want 4"):
        m.verify_inclusion(leaves[3], 3, 10, proof[:-1], root)
    with pytest.raises(ProofError, match="calculated root"):
        m.verify_inclusion(leaves[4], 3, 10, proof, root)
    with pytest.raises(ProofError, match="not in a tree of size 10"):
        m.verify_inclusion(leaves[3], 10, 10, proof, root)
    with pytest.raises(ProofError, match="proof hash 1 is 31 bytes"):
        m.verify_inclusion(leaves[3], 3, 10, [proof[0], proof[1][:31], *proof[2:]], root)
    with pytest.raises(ProofError, match="leaf hash is 31 bytes"):
        m.verify_inclusion(leaves[3][:31], 3, 10, proof, root)
    with pytest.raises(ProofError, match="empty tree"):
        m.verify_consistency(0, 0, [], m.EMPTY_ROOT, m.EMPTY_ROOT)
