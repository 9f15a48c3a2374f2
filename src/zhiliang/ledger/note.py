"""Signed notes and checkpoints: the text formats a log's heads travel in (cosignatures: ``ledger.cosignature``;
proof bundles: ``ledger.proof``).

Pure and offline: stdlib plus ``cryptography`` (Ed25519, RFC 8032). Formats, with the section each rule comes from:

* C2SP signed-note (``c2sp.org/signed-note``): keys as ``<name>+<hex key ID>+<base64(type ‖ key)>`` text, notes as
  ``text`` ‖ blank line ‖ ``— <name> <base64(key ID ‖ signature)>`` lines. Key text forms and ``open_note``'s handling
  of unknown keys follow golang.org/x/mod ``sumdb/note``.
* C2SP tlog-checkpoint: the note text of a log's tree head (origin, size, root hash, extension lines).
* C2SP tlog-cosignature: a witness's timestamped Ed25519 signature (type 0x04) over a checkpoint.
* C2SP tlog-proof: one file holding an inclusion proof and the checkpoint it is proved against, here carrying the
  entry too (see ``ProofBundle``).

Every parser here is strict: base64 must be canonical (re-encoding gives the same text) and decimals have no leading
zeros, so one value has exactly one text form and a changed character is always detected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, Self, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG_ED25519 = 0x01  # signed-note §Signature types
ALG_COSIGNATURE_V1 = 0x04  # signed-note §Signature types, tlog-cosignature §Format
MAX_SIGNATURES = 100  # signed-note §Format: MUST accept 16; golang.org/x/mod/sumdb/note rejects past 100
MAX_INT64 = 2**63 - 1  # tree sizes, indexes and cosignature timestamps (tlog-cosignature §Format)
HASH_SIZE = 32
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, U+0020
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}", re.ASCII)
_ED25519_SIG_SIZE = 64
_BAD_CHAR = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")  # controls but newline; lone surrogates aren't UTF-8
V = TypeVar("V", bound="_PublicKey")


class NoteError(ValueError):
    """Base of every error here. ``zh`` and ``en`` name the failure, ``detail`` says where; ``code`` is stable."""

    code = "ledger.note.invalid"
    zh = "签名文本无效"
    en = "invalid signed note"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.zh} / {self.en}" + (f": {detail}" if detail else ""))


class MalformedKeyError(NoteError):
    code, zh, en = "ledger.key.malformed", "密钥格式错误", "malformed key"


class KeyIdMismatchError(MalformedKeyError):
    code, zh, en = "ledger.key.id_mismatch", "密钥标识与密钥不符", "key ID does not match the key"


class AmbiguousKeyError(NoteError):
    code, zh, en = "ledger.key.ambiguous", "多个密钥具有相同的名称和标识", "several keys share a name and key ID"


class MalformedNoteError(NoteError):
    code, zh, en = "ledger.note.malformed", "签名文本格式错误", "malformed signed note"


class InvalidSignatureError(NoteError):
    code, zh, en = "ledger.note.bad_signature", "签名无效", "invalid signature"


class UnverifiedNoteError(NoteError):
    """No signature by a known key: the text MUST then be ignored (signed-note §Signatures)."""

    code, zh, en = "ledger.note.unverified", "没有可验证的签名", "no signature by a known key"


class MalformedCheckpointError(NoteError):
    code, zh, en = "ledger.checkpoint.malformed", "检查点格式错误", "malformed checkpoint"


class MalformedBundleError(NoteError):
    code, zh, en = "ledger.proof.malformed", "证明文件格式错误", "malformed proof bundle"


class InclusionError(NoteError):
    code, zh, en = "ledger.proof.not_included", "包含证明无效", "inclusion proof does not verify"


# ---------------------------------------------------------------------------------------------------- keys


def _b64decode(text: str) -> bytes | None:
    """Canonical standard base64 (RFC 4648 §4) or None: padding required, unused bits zero."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if _b64(raw) == text else None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_text(text: str, error: type[NoteError]) -> None:
    """Valid UTF-8 with no ASCII control character but newline (signed-note §Format)."""
    if _BAD_CHAR.search(text):
        raise error("control character or invalid UTF-8 / 含控制字符或无效 UTF-8")


def is_valid_name(name: str) -> bool:
    """A key name: non-empty UTF-8 with no Unicode space, no '+' and no control character (signed-note §Format)."""
    valid = isinstance(name, str) and name != "" and "+" not in name and not _BAD_CHAR.search(name)
    return valid and not any(c.isspace() for c in name)


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`` as a big-endian uint32 (signed-note §Signatures)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _decode_key(text: str, key_type: int) -> tuple[str, int, bytes]:
    """Split ``<name>+<hex ID>+<base64(type ‖ 32 bytes)>`` into (name, claimed ID, key bytes); type must match."""
    parts = text.split("+", 2) if isinstance(text, str) else []
    if len(parts) != 3 or not is_valid_name(parts[0]) or not _KEY_ID.fullmatch(parts[1]):
        raise MalformedKeyError("expected <name>+<8 hex digits>+<base64> / 应为 名称+8位十六进制+base64")
    raw = _b64decode(parts[2])
    if raw is None or len(raw) != 33:
        raise MalformedKeyError("key data must be base64 of 1 type byte and 32 key bytes / 密钥数据长度错误")
    if raw[0] != key_type:
        raise MalformedKeyError(f"key type 0x{raw[0]:02x}, expected 0x{key_type:02x} / 密钥类型不符")
    return parts[0], int(parts[1], 16), raw[1:]


def _encode_key(name: str, key_type: int, public_key: bytes, material: bytes, prefix: str = "") -> str:
    return f"{prefix}{name}+{key_id(name, key_type, public_key):08x}+{_b64(bytes([key_type]) + material)}"


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


class NoteVerifier(Protocol):
    """What ``open_note`` needs of a key: its name, its key ID, and a check of the signature bytes after the ID."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def verify(self, message: bytes, signature: bytes) -> bool: ...


class NoteSigner(Protocol):
    """What ``sign`` needs of a key (an HSM-backed signer fits too)."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class _PublicKey:
    """An Ed25519 public key with its note name and key ID; subclasses fix the signature type byte."""

    key_type: ClassVar[int]
    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_key(cls, vkey: str) -> Self:
        """Parse ``<name>+<hex ID>+<base64(type ‖ public key)>``. Raises MalformedKeyError, KeyIdMismatchError."""
        name, claimed, public = _decode_key(vkey, cls.key_type)
        if key_id(name, cls.key_type, public) != claimed:
            raise KeyIdMismatchError(f"{name}+{claimed:08x}")
        return cls(name, claimed, public)

    def key_text(self) -> str:
        """The verifier key text, ``<name>+<hex ID>+<base64(type ‖ public key)>``."""
        return _encode_key(self.name, self.key_type, self.public_key, self.public_key)


@dataclass(frozen=True)
class Verifier(_PublicKey):
    """An Ed25519 (type 0x01) note verifier key. ``verify`` never raises; it says whether the signature holds."""

    key_type = ALG_ED25519

    def verify(self, message: bytes, signature: bytes) -> bool:
        return len(signature) == _ED25519_SIG_SIZE and _ed25519_verify(self.public_key, message, signature)


class _PrivateKey(Generic[V]):
    """An Ed25519 private key with its note name; subclasses fix the type byte and the matching public class."""

    key_type: ClassVar[int]
    public_class: type[V]

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_name(name):
            raise MalformedKeyError(f"invalid key name {name!r} / 密钥名称无效")
        self.name = name
        self._private = private_key
        self._public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.key_type, self._public)

    @classmethod
    def from_key(cls, skey: str) -> Self:
        """Parse ``PRIVATE+KEY+<name>+<hex ID>+<base64(type ‖ seed)>``; the ID must match the derived public key.

        Raises MalformedKeyError, KeyIdMismatchError.
        """
        if not isinstance(skey, str) or not skey.startswith(_PRIVATE_PREFIX):
            raise MalformedKeyError("a signer key starts with PRIVATE+KEY+ / 私钥应以 PRIVATE+KEY+ 开头")
        name, claimed, seed = _decode_key(skey[len(_PRIVATE_PREFIX) :], cls.key_type)
        key = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if key.key_id != claimed:
            raise KeyIdMismatchError(f"{name}+{claimed:08x}")
        return key

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    def verifier(self) -> V:
        return self.public_class(self.name, self.key_id, self._public)

    def key_text(self) -> str:
        """The secret signer key text; whoever holds it can sign as this key."""
        seed = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return _encode_key(self.name, self.key_type, self._public, seed, _PRIVATE_PREFIX)

    def __repr__(self) -> str:  # never show the seed
        return f"{type(self).__name__}({self.name!r}, key_id={self.key_id:08x})"


class Signer(_PrivateKey[Verifier]):
    """An Ed25519 (type 0x01) note signer. Signing is deterministic (RFC 8032 §5.1.6)."""

    key_type = ALG_ED25519
    public_class = Verifier

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def generate_key(name: str) -> tuple[str, str]:
    """A fresh Ed25519 key for ``name``: (signer key text, verifier key text). Raises MalformedKeyError."""
    signer = Signer.generate(name)
    return signer.key_text(), signer.verifier().key_text()


# ---------------------------------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID, and ``base64(key ID ‖ signature)`` exactly as it appeared."""

    name: str
    key_id: int
    base64: str

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {self.base64}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text (with final newline), signatures that verified, and signatures by unknown keys."""

    text: str
    signatures: tuple[Signature, ...]
    unverified_signatures: tuple[Signature, ...] = ()


def sign(text: str, *signers: NoteSigner) -> str:
    """Sign ``text`` with each signer in order and return the signed note (signed-note §Format).

    Raises MalformedNoteError if the text does not end in a newline, holds a control character, or if there are no
    signers or more than MAX_SIGNATURES. Cost: one signature per signer.
    """
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedNoteError("text must end in a newline / 文本须以换行结尾")
    _check_text(text, MalformedNoteError)
    if not 1 <= len(signers) <= MAX_SIGNATURES:
        raise MalformedNoteError(f"need 1 to {MAX_SIGNATURES} signers / 签名者数量应为 1 至 {MAX_SIGNATURES}")
    message = text.encode("utf-8")
    lines = [_signature_line(s, message) for s in signers]
    return text + "\n" + "".join(lines)


def _signature_line(signer: NoteSigner, message: bytes) -> str:
    if not is_valid_name(signer.name):
        raise MalformedKeyError(f"invalid key name {signer.name!r} / 密钥名称无效")
    payload = signer.key_id.to_bytes(4, "big") + signer.sign(message)
    return f"{SIGNATURE_PREFIX}{signer.name} {_b64(payload)}\n"


def _split_note(note_text: str | bytes) -> tuple[str, list[str]]:
    """(text, signature lines without newline), split at the last blank line (signed-note §Format)."""
    if isinstance(note_text, bytes):
        try:
            note_text = note_text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError("not UTF-8 / 非 UTF-8 编码") from exc
    _check_text(note_text, MalformedNoteError)
    split = note_text.rfind("\n\n")
    block = note_text[split + 2 :]
    if split < 0 or not block.endswith("\n"):
        raise MalformedNoteError("no blank line followed by signature lines / 缺少空行及其后的签名行")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures / 签名超过 {MAX_SIGNATURES} 个")
    return note_text[: split + 1], lines


def _parse_signature_line(line: str) -> tuple[Signature, bytes]:
    """(Signature, signature bytes after the key ID) from ``— <name> <base64(key ID ‖ signature)>``."""
    name, _, b64 = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    raw = _b64decode(b64)
    if not line.startswith(SIGNATURE_PREFIX) or not is_valid_name(name) or raw is None or len(raw) < 5:
        raise MalformedNoteError(f"bad signature line {line[:80]!r} / 签名行格式错误")
    return Signature(name, int.from_bytes(raw[:4], "big"), b64), raw[4:]


def _index_verifiers(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        if known.setdefault((v.name, v.key_id), v) != v:
            raise AmbiguousKeyError(f"{v.name}+{v.key_id:08x}")
    return known


def open_note(note_text: str | bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse a signed note and check each signature by a known key (signed-note §Format, §Signatures).

    A signature whose (name, key ID) matches no verifier is kept, unchecked, in ``unverified_signatures``; repeated
    lines are kept once. Raises MalformedNoteError (format, over MAX_SIGNATURES lines), InvalidSignatureError (a
    known key's signature fails), UnverifiedNoteError (no known key signed), AmbiguousKeyError (two different
    verifiers share a name and ID). Cost: one Ed25519 verification per known signature.
    """
    text, lines = _split_note(note_text)
    known = _index_verifiers(verifiers)
    message = text.encode("utf-8")
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[str, Signature] = {}
    for line in lines:
        sig, raw = _parse_signature_line(line)
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.setdefault(line, sig)
        elif (sig.name, sig.key_id) not in verified:
            if not verifier.verify(message, raw):
                raise InvalidSignatureError(f"key {sig.name}+{sig.key_id:08x}")
            verified[(sig.name, sig.key_id)] = sig
    if not verified:
        raise UnverifiedNoteError("none of the signatures is by a known key / 无已知密钥的签名")
    return Note(text, tuple(verified.values()), tuple(unverified.values()))


# ---------------------------------------------------------------------------------------------------- checkpoints


def _parse_decimal(text: str, limit: int) -> int | None:
    """ASCII decimal, no sign, no leading zeros (except ``0``), at most ``limit``; else None."""
    if not _DECIMAL.fullmatch(text) or len(text) > len(str(limit)) or int(text) > limit:
        return None
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head as note text (tlog-checkpoint §Note text).

    Invariants, checked on construction: origin non-empty without newline or control characters; 0 <= size <= 2^63-1;
    root_hash is 32 bytes; each extension line non-empty without newline. The origin is not required to be a URL:
    clients MUST NOT assume it is.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for label, line in [("origin", self.origin), *(("extension", e) for e in self.extensions)]:
            if not isinstance(line, str) or not line or "\n" in line or _BAD_CHAR.search(line):
                raise MalformedCheckpointError(f"{label} line {line!r} must be non-empty text / {label} 行无效")
        if type(self.size) is not int or not 0 <= self.size <= MAX_INT64:
            raise MalformedCheckpointError(f"tree size {self.size!r} / 树大小无效")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpointError("root hash must be 32 bytes / 根哈希须为 32 字节")

    def body(self) -> str:
        """The note text: origin, size, base64 root hash, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse note text (not a signed note) strictly. Raises MalformedCheckpointError; ``parse(c.body()) == c``."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise MalformedCheckpointError("text must end in a newline / 须以换行结尾")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError("need origin, size and root hash lines / 须有来源、大小、根哈希三行")
        size = _parse_decimal(lines[1], MAX_INT64)
        if size is None:
            raise MalformedCheckpointError(f"tree size {lines[1][:40]!r}: decimal, no leading zeros / 树大小格式错误")
        root = _b64decode(lines[2])
        if root is None or len(root) != HASH_SIZE:
            raise MalformedCheckpointError("root hash must be base64 of 32 bytes / 根哈希须为 32 字节的 base64")
        return cls(lines[0], size, root, tuple(lines[3:]))
