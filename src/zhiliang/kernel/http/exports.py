"""CSV and XLSX downloads of any list: CSV streams row by row; XLSX is spooled to disk, then streamed."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from zhiliang.kernel import tabular
from zhiliang.kernel.errors import bad_request


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    tabular.write_csv(buffer, header, [])
    yield buffer.getvalue().encode("utf-8")
    batch = io.StringIO()
    writer_rows: list[Sequence[Any]] = []
    for row in rows:
        writer_rows.append(row)
        if len(writer_rows) == 1000:
            yield _encode(writer_rows, batch)
            writer_rows = []
    if writer_rows:
        yield _encode(writer_rows, batch)


def _encode(rows: list[Sequence[Any]], buffer: io.StringIO) -> bytes:
    buffer.seek(0)
    buffer.truncate()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([tabular.safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def download(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    """A download response of ``rows`` as ``fmt`` (csv or xlsx); 400 for any other format."""
    if fmt == "csv":
        return StreamingResponse(_csv_chunks(header, rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": _disposition(f"{filename}.csv")})
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
        tabular.write_xlsx(spool, header, rows, filename)
        spool.seek(0)
        return StreamingResponse(iter(lambda: spool.read(1 << 16), b""),
                                 media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 headers={"Content-Disposition": _disposition(f"{filename}.xlsx")})
    raise bad_request("export.format", "导出格式只能是 csv 或 xlsx", "Export format must be csv or xlsx", "format")
