"""Proof bundles (C2SP tlog-proof, carrying the entry): one file a certificate holder or an inspected enterprise
keeps and checks offline with nothing but the log's key. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from zhiliang.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from zhiliang.ledger.note import (
    HASH_SIZE,
    MAX_INT64,
    Checkpoint,
    InclusionError,
    MalformedBundleError,
    NoteVerifier,
    _b64,
    _b64decode,
    _parse_decimal,
    open_note,
)

PROOF_HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class ProofBundle:
    """One self-contained ``.tlog-proof`` file: entry, index, inclusion proof and the signed checkpoint.

    Text form per C2SP tlog-proof §Format::

        c2sp.org/tlog-proof@v1
        extra <base64(leaf_data)>
        index <index>
        <base64 proof hash, leaf's sibling first>   (zero or more lines)
        <empty line>
        <signed checkpoint note, verbatim>

    Departure from tlog-proof: there the proof is detached and the verifier brings the entry; ``extra`` is optional,
    opaque and unauthenticated. Here ``extra`` is REQUIRED and is the logged entry itself, so a certificate holder
    keeps one file and checks it offline with nothing else but the log's key. This stays within the grammar (any
    tlog-proof reader parses it) and honours "MUST NOT implicitly trust the extra data": ``verify_bundle`` trusts the
    entry only because SHA-256(0x00 ‖ entry) is proved included under the signed root.
    """

    index: int
    leaf_data: bytes
    proof: list[bytes]
    checkpoint_note: str

    def __post_init__(self) -> None:
        if type(self.index) is not int or not 0 <= self.index <= MAX_INT64:
            raise MalformedBundleError(f"index {self.index!r} / 序号无效")
        if not isinstance(self.leaf_data, bytes):
            raise MalformedBundleError("leaf data must be bytes / 条目数据须为字节串")
        if len(self.proof) > 63 or any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in self.proof):
            raise MalformedBundleError("proof must be at most 63 hashes of 32 bytes / 证明哈希无效")
        if not isinstance(self.checkpoint_note, str) or not self.checkpoint_note.endswith("\n"):
            raise MalformedBundleError("checkpoint note must end in a newline / 检查点须以换行结尾")

    def format(self) -> str:
        """The ``.tlog-proof`` text; ``ProofBundle.parse(b.format()) == b``."""
        head = [PROOF_HEADER, f"extra {_b64(self.leaf_data)}", f"index {self.index}", *map(_b64, self.proof)]
        return "".join(line + "\n" for line in head) + "\n" + self.checkpoint_note

    @classmethod
    def parse(cls, text: str | bytes) -> ProofBundle:
        """Parse strictly (canonical base64, no leading zeros). Raises MalformedBundleError; the note is not opened."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedBundleError("not UTF-8 / 非 UTF-8 编码") from exc
        head, sep, note = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or len(lines) < 3 or lines[0] != PROOF_HEADER:
            raise MalformedBundleError(f"expected {PROOF_HEADER}, extra, index lines and a blank line / 缺少文件头")
        return cls(_parse_index(lines[2]), _parse_extra(lines[1]), [_parse_hash(h) for h in lines[3:]], note)


def _parse_extra(line: str) -> bytes:
    raw = _b64decode(line.removeprefix("extra ")) if line.startswith("extra ") else None
    if raw is None:
        raise MalformedBundleError("second line must be 'extra <base64 entry>' / 第二行须为 extra 与条目的 base64")
    return raw


def _parse_index(line: str) -> int:
    index = _parse_decimal(line.removeprefix("index "), MAX_INT64) if line.startswith("index ") else None
    if index is None:
        raise MalformedBundleError("third line must be 'index <decimal>' / 第三行须为 index 与十进制序号")
    return index


def _parse_hash(line: str) -> bytes:
    raw = _b64decode(line)
    if raw is None or len(raw) != HASH_SIZE:
        raise MalformedBundleError(f"proof line {line[:60]!r} is not base64 of 32 bytes / 证明行无效")
    return raw


def verify_bundle(bundle: ProofBundle | str | bytes, verifier: NoteVerifier) -> Checkpoint:
    """Check a proof bundle offline against the log's key and return the checkpoint it is proved under.

    Opens the note (the log's signature must verify; other signatures, such as witness cosignatures, are kept
    unchecked), parses the checkpoint (tlog-checkpoint), and proves SHA-256(0x00 ‖ leaf_data) is leaf ``index`` of
    the tree of that size and root (RFC 9162 §2.1.3.2). Raises a NoteError subclass: MalformedBundleError,
    MalformedNoteError, InvalidSignatureError, UnverifiedNoteError, MalformedCheckpointError, InclusionError.
    Cost: one Ed25519 verification and about log2(size) hashes.
    """
    if not isinstance(bundle, ProofBundle):
        bundle = ProofBundle.parse(bundle)
    note = open_note(bundle.checkpoint_note, [verifier])
    checkpoint = Checkpoint.parse(note.text)
    try:
        verify_inclusion(leaf_hash(bundle.leaf_data), bundle.index, checkpoint.size, bundle.proof, checkpoint.root_hash)
    except ProofError as exc:
        raise InclusionError(f"entry {bundle.index} in tree of size {checkpoint.size}: {exc}") from exc
    return checkpoint
