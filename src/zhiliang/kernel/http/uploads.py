"""Uploaded files, kept: every import file a user sends is streamed to ``data_dir/uploads`` before it is read."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import Request, UploadFile

from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.http.context import runtime


async def save_upload(request: Request, upload: UploadFile) -> Path:
    """Stream an upload into ``data_dir/uploads`` (kept: nothing accepted is lost); 413 past the size limit."""
    rt = runtime(request)
    folder = rt.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.filename or "upload.csv").suffix.lower()[:8] or ".csv"
    limit, size = rt.settings.upload_max_mb << 20, 0
    with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False) as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                Path(out.name).unlink()
                raise DomainError("upload.too_large", f"文件超过 {rt.settings.upload_max_mb} MB 上限",
                                  f"File exceeds the {rt.settings.upload_max_mb} MB limit", "file", 413)
            out.write(chunk)
    return Path(out.name)
