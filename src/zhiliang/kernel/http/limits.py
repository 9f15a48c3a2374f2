"""Refuse a request body over the upload limit before any of it is read (413, problem+json).

FastAPI parses a multipart body before route code runs, so without this an anonymous client could make the
server spool an upload of any size to disk before being told no.
"""

from __future__ import annotations

import json
from typing import Any

from zhiliang.kernel.errors import DomainError


class BodyLimit:
    """ASGI middleware: requests declaring a ``Content-Length`` above ``max_bytes`` get 413 at once."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or ()).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.max_bytes:
                await self._refuse(scope, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: dict[str, Any], send: Any) -> None:
        mb = self.max_bytes >> 20
        error = DomainError("upload.too_large", f"请求体超过 {mb} MB 上限", f"Request body exceeds the {mb} MB limit",
                            "file", 413)
        body = json.dumps(error.problem(scope.get("path")), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
