"""Files the platform keeps (uploads, imports): their SHA-256, read in 1 MiB chunks (flat memory for any size)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


EVIDENCE_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
"""Files accepted as evidence (inspection findings, test reports), recognised by content: neither the name nor the
browser's claim is trusted."""


def evidence_type(head: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG file from its first bytes, or None."""
    return next((kind for magic, kind in EVIDENCE_TYPES.items() if head.startswith(magic)), None)


def keep(store: Path, data: bytes) -> str:
    """Write ``data`` under ``store`` by its SHA-256 (``ab/abcdef…``; atomically: a temporary file renamed; once per
    content) and return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = store / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest
