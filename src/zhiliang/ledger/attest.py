"""Signed JSON documents: a platform answer (a certificate verification, later an inspection result) that anyone
can check offline with the platform's public key, however it was saved, printed or forwarded.

Form::

    {"document": {…}, "signature": {"alg": "Ed25519", "key": "<name+hexID+base64 verifier key>",
                                    "sig": "<base64 Ed25519 signature>"}}

The signature covers ``zhiliang-attestation/v1\\n`` followed by the canonical JSON of ``document`` (UTF-8, keys
sorted, no whitespace: :func:`zhiliang.ledger.domain.canonical_json`), so a verifier re-encodes the document it
parsed and any changed byte of content fails. The context line keeps these signatures from ever being valid as
signed notes (which the same key signs) and vice versa. The key is the ledger's, published at ``/ledger/key``.
"""

from __future__ import annotations

import base64
from typing import Any

from zhiliang.ledger import note
from zhiliang.ledger.domain import canonical_json

CONTEXT = b"zhiliang-attestation/v1\n"


class AttestationError(ValueError):
    """The document is malformed or its signature does not verify."""


def _message(document: dict[str, Any]) -> bytes:
    return CONTEXT + canonical_json(document)


def attest(document: dict[str, Any], signer: note.Signer) -> dict[str, Any]:
    """``document`` with its signature. ``document`` must be JSON data (no floats NaN/inf). Cost: one signature."""
    signature = base64.b64encode(signer.sign(_message(document))).decode()
    return {"document": document,
            "signature": {"alg": "Ed25519", "key": signer.verifier().key_text(), "sig": signature}}


def verify(signed: Any, verifier: note.Verifier) -> dict[str, Any]:
    """The document, if ``signed`` carries a valid signature by ``verifier``'s key; raises AttestationError.

    The key named inside the document is not trusted: only the verifier passed in counts.
    """
    if not isinstance(signed, dict) or not isinstance(signed.get("document"), dict):
        raise AttestationError("不是签名文档 / not a signed document (no 'document' object)")
    signature = signed.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != "Ed25519" or not isinstance(signature.get("sig"),
                                                                                               str):
        raise AttestationError("缺少 Ed25519 签名 / no Ed25519 signature")
    try:
        raw = base64.b64decode(signature["sig"], validate=True)
    except ValueError as error:
        raise AttestationError("签名不是有效的 base64 / the signature is not base64") from error
    try:
        message = _message(signed["document"])
    except (TypeError, ValueError) as error:
        raise AttestationError(f"文档无法规范编码 / the document cannot be encoded canonically: {error}") from error
    if len(raw) != 64 or not verifier.verify(message, raw):
        raise AttestationError("签名无效:文档被改动或不是由该公钥签发 / invalid signature: the document was changed "
                               "or not signed by this key")
    return signed["document"]
