"""Tables in files: read .csv (UTF-8 with or without BOM, GBK/GB18030) and .xlsx; write CSV and XLSX.

Staff exchange tables as Excel files and as CSV exported by Chinese software, which is often GBK. Reading is two
passes: :func:`inspect` decodes and parses the whole file first (cheap, in C) so that a wrong encoding or a
truncated file is refused before anything is written; :func:`rows` then streams it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from zhiliang.kernel.errors import DomainError, bad_request

SNIFF_BYTES = 1 << 20
MAX_LINE = 1 << 20  # characters; a longer line is a broken file (no newlines, a quote that never closes)
XLSX_MAGIC = b"PK\x03\x04"
XLSX_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class TableFile:
    """What :func:`inspect` learnt: format, encoding, header and number of data rows."""

    path: Path
    format: str
    encoding: str
    header: tuple[str, ...]
    row_count: int


def _file_error(path: Path, code: str, zh: str, en: str) -> DomainError:
    return bad_request(f"file.{code}", f"文件 {path.name}:{zh}", f"File {path.name}: {en}", "file")


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` (a superset of GBK), checked over the whole file.

    Raises a 400 naming the byte offset when the file is none of these (UTF-16, Big5 with invalid sequences,
    binary data).
    """
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return _check_decodes(path, "utf-8-sig")
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise _file_error(path, "encoding", "是 UTF-16 编码,请另存为 UTF-8 或 GBK 的 CSV",
                          "is UTF-16 encoded; save it as UTF-8 or GBK CSV")
    try:
        return _check_decodes(path, "utf-8")
    except DomainError:
        return _check_decodes(path, "gb18030")


def _check_decodes(path: Path, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(SNIFF_BYTES):
                text = decoder.decode(chunk)
                if "\x00" in text:
                    raise UnicodeDecodeError(encoding, b"\x00", 0, 1, "NUL character")
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _file_error(
                path, "encoding",
                f"无法识别的编码(在第 {offset + exc.start} 字节附近),只接受 UTF-8 或 GBK/GB18030",
                f"unrecognised encoding (near byte {offset + exc.start}); only UTF-8 and GBK/GB18030 are accepted",
            ) from exc
    return encoding


def _lines(fh: io.TextIOBase, path: Path) -> Iterator[str]:
    """The file's lines, refusing any longer than :data:`MAX_LINE`: iterating a text file reads a whole line into
    memory, and a 100 MB file without newlines must not become a 100 MB string."""
    number = 0
    while line := fh.readline(MAX_LINE):
        number += 1
        if len(line) >= MAX_LINE and not line.endswith("\n"):
            raise _file_error(path, "csv", f"第 {number} 行超过 {MAX_LINE:,} 个字符,文件可能已损坏",
                              f"line {number} is longer than {MAX_LINE:,} characters; the file looks broken")
        yield line


def inspect(path: Path) -> TableFile:
    """Check the whole file and return its header and row count; raises 400 for anything unreadable."""
    if path.stat().st_size == 0:
        raise _file_error(path, "empty", "文件为空", "the file is empty")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == XLSX_MAGIC:
        return _inspect_xlsx(path)
    if path.suffix.lower() in (".xls",):
        raise _file_error(path, "format", "不支持 .xls,请另存为 .xlsx 或 .csv", "not .xls; save as .xlsx or .csv")
    encoding = detect_encoding(path)
    csv.field_size_limit(MAX_LINE)  # the module default (128 KiB) is below what a line may legally hold
    count, header = 0, None
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(_lines(fh, path), strict=True)
        try:
            header = next(reader, None)
            for _ in reader:
                count += 1
        except csv.Error as exc:
            raise _file_error(path, "csv", f"CSV 格式错误(第 {reader.line_num} 行):{exc}",
                              f"malformed CSV at line {reader.line_num}: {exc}") from exc
    return TableFile(path, "csv", encoding, _clean_header(path, header), count)


def _clean_header(path: Path, header: Sequence[Any] | None) -> tuple[str, ...]:
    cells = tuple("" if c is None else str(c).strip().lstrip("\ufeff") for c in (header or ()))
    if not any(cells):
        raise _file_error(path, "header", "缺少表头行", "the header row is missing")
    return cells


def _open_sheet(path: Path) -> Any:
    from python_calamine import CalamineWorkbook  # imported here: only Excel uploads pay for it

    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own types for every flavour of broken zip/xml
        raise _file_error(path, "xlsx", f"不是有效的 .xlsx 文件({exc})", f"not a valid .xlsx file ({exc})") from exc


def _inspect_xlsx(path: Path) -> TableFile:
    sheet = _open_sheet(path)
    header = next(iter(sheet.iter_rows()), None)
    return TableFile(path, "xlsx", "xlsx", _clean_header(path, header), max(sheet.height - 1, 0))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return "、".join(_cell(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rows(table: TableFile, start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(row_number, cells)`` after the header, row numbers as Excel shows them (header = 1).

    Rows before data row ``start`` (0-based) are skipped without being converted, for resuming an import.
    """
    if table.format == "xlsx":
        it: Iterator[Sequence[Any]] = iter(_open_sheet(table.path).iter_rows())
        next(it, None)
        for index, raw in enumerate(it):
            if index >= start:
                yield index + 2, [_cell(v) for v in raw]
        return
    with table.path.open(encoding=table.encoding, newline="") as fh:
        reader = csv.reader(_lines(fh, table.path))
        next(reader, None)
        for index, raw in enumerate(reader):
            if index >= start:
                yield index + 2, raw


def write_csv(fh: io.TextIOBase, header: Sequence[str], data: Iterable[Sequence[Any]]) -> None:
    """CSV with a UTF-8 BOM, so Excel opens Chinese text correctly; cells that start a formula are quoted off."""
    fh.write("\ufeff")
    writer = csv.writer(fh)
    writer.writerow(header)
    for row in data:
        writer.writerow([safe_cell(v) for v in row])


def safe_cell(value: Any) -> str:
    """A value as CSV text, with formula injection defused."""
    return _safe(_cell(value))


def _safe(text: str) -> str:
    # A cell beginning with = + - @ is run as a formula by spreadsheet programs (CSV injection); prefix a quote.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _numeric(text) else text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _xlsx_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (int, float, Decimal, date)) and not isinstance(value, bool):
        return value
    # XML 1.0 forbids most control characters; a name pasted with one must not break the whole export.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", _safe(_cell(value)))


def write_xlsx(fh: BinaryIO, header: Sequence[str], data: Iterable[Sequence[Any]], title: str = "data") -> None:
    """A one-sheet workbook, written row by row (openpyxl write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for count, row in enumerate(data, start=1):
        if count >= XLSX_MAX_ROWS:
            raise bad_request("export.too_many_rows", "超过 Excel 行数上限,请导出 CSV",
                              "Too many rows for Excel; export CSV instead")
        sheet.append([_xlsx_value(v) for v in row])
    book.save(fh)
