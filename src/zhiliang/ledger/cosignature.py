"""Witness cosignatures (C2SP tlog-cosignature): a witness's timestamped Ed25519 signature (key type 0x04) over a
checkpoint it has checked. Pure, like ``ledger.note``, whose key and note machinery it extends."""

from __future__ import annotations

from dataclasses import dataclass

from zhiliang.ledger.note import (
    _ED25519_SIG_SIZE,
    ALG_COSIGNATURE_V1,
    MAX_INT64,
    SIGNATURE_PREFIX,
    Checkpoint,
    InvalidSignatureError,
    MalformedNoteError,
    NoteError,
    _b64,
    _b64decode,
    _ed25519_verify,
    _parse_signature_line,
    _PrivateKey,
    _PublicKey,
    _split_note,
)

COSIGNATURE_HEADER = "cosignature/v1"
_TIMESTAMP_SIZE = 8


def cosignature_message(checkpoint_body: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` ‖ checkpoint body: what an Ed25519 cosigner signs.

    Per tlog-cosignature §Ed25519 signed message. Raises MalformedCheckpointError if the body is not a checkpoint,
    NoteError if the timestamp is outside 0..2^63-1.
    """
    Checkpoint.parse(checkpoint_body)
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_INT64:
        raise NoteError(f"cosignature timestamp {timestamp!r} outside 0..2^63-1 / 时间戳超出范围")
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_body}".encode()


def _checkpoint_text(checkpoint_note: str) -> str:
    """The note text of a signed checkpoint; a bare body (which has no blank line) is returned as it is."""
    if "\n\n" not in checkpoint_note:
        return checkpoint_note
    return _split_note(checkpoint_note)[0]


@dataclass(frozen=True)
class CosignatureVerifier(_PublicKey):
    """A witness's Ed25519 cosignature/v1 key (type 0x04). Usable in ``open_note`` beside the log's Verifier."""

    key_type = ALG_COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Check ``timestamp(8, big-endian) ‖ Ed25519 signature(64)`` over ``message``, a checkpoint body."""
        if len(signature) != _TIMESTAMP_SIZE + _ED25519_SIG_SIZE:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP_SIZE], "big")
        try:
            signed = cosignature_message(message.decode("utf-8"), timestamp)
        except (NoteError, UnicodeDecodeError):
            return False
        return _ed25519_verify(self.public_key, signed, signature[_TIMESTAMP_SIZE:])


class Cosigner(_PrivateKey[CosignatureVerifier]):
    """A witness's Ed25519 cosignature/v1 signer (type 0x04), for tests and a witness tool.

    tlog-cosignature §Ed25519 signed message: one operator running several cosigners MUST use a distinct key for each.
    """

    key_type = ALG_COSIGNATURE_V1
    public_class = CosignatureVerifier

    def cosign(self, checkpoint_note: str, timestamp: int) -> str:
        """The signature line ``— <name> base64(key ID ‖ timestamp ‖ signature)\\n`` for a checkpoint at ``timestamp``.

        ``checkpoint_note`` is a signed checkpoint or its bare body; its signatures are not checked here (a witness
        checks the log's signature and consistency before cosigning). Raises MalformedCheckpointError, NoteError.
        """
        message = cosignature_message(_checkpoint_text(checkpoint_note), timestamp)
        payload = self.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + self._private.sign(message)
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(payload)}\n"


def generate_cosigner_key(name: str) -> tuple[str, str]:
    """A fresh cosignature/v1 key for ``name``: (signer key text, verifier key text), both of type 0x04."""
    cosigner = Cosigner.generate(name)
    return cosigner.key_text(), cosigner.verifier().key_text()


def _cosignature_payload(line_or_sig: str, verifier: CosignatureVerifier) -> bytes:
    """The bytes after the key ID, from a signature line (name must match) or its bare base64; key ID checked."""
    text = line_or_sig.removesuffix("\n")
    if text.startswith(SIGNATURE_PREFIX):
        sig, _ = _parse_signature_line(text)
        if sig.name != verifier.name:
            raise InvalidSignatureError(f"line is by {sig.name}, not {verifier.name} / 签名者名称不符")
        text = sig.base64
    raw = _b64decode(text)
    if raw is None or len(raw) != 4 + _TIMESTAMP_SIZE + _ED25519_SIG_SIZE:
        raise MalformedNoteError("cosignature must be base64 of 76 bytes / 副署签名须为 76 字节的 base64")
    if int.from_bytes(raw[:4], "big") != verifier.key_id:
        raise InvalidSignatureError(f"key ID {raw[:4].hex()} is not {verifier.key_id:08x} / 密钥标识不符")
    return raw[4:]


def verify_cosignature(checkpoint_note: str, line_or_sig: str, cosigner_vkey: str | CosignatureVerifier) -> int:
    """Verify a witness cosignature on a checkpoint and return its timestamp (POSIX seconds).

    ``checkpoint_note`` is the signed checkpoint (its signatures are not checked here: use ``open_note``) or its bare
    body; ``line_or_sig`` is a ``— name base64`` line or the base64 alone. Per tlog-cosignature §Format and §Ed25519
    signed message. Raises MalformedKeyError, MalformedCheckpointError, MalformedNoteError, InvalidSignatureError.
    Timestamps in the future are not rejected here; the caller knows the clock.
    """
    if isinstance(cosigner_vkey, str):
        cosigner_vkey = CosignatureVerifier.from_key(cosigner_vkey)
    payload = _cosignature_payload(line_or_sig, cosigner_vkey)
    body = _checkpoint_text(checkpoint_note)
    Checkpoint.parse(body)
    if not cosigner_vkey.verify(body.encode("utf-8"), payload):
        raise InvalidSignatureError(f"cosignature by {cosigner_vkey.name}+{cosigner_vkey.key_id:08x}")
    return int.from_bytes(payload[:_TIMESTAMP_SIZE], "big")
