"""Process data from an uploaded .csv (UTF-8 or GBK) or .xlsx file: a header row of characteristic names, then one row
per measurement (one column per characteristic) or per subgroup (one column per unit of the subgroup), optionally
with a subgroup column, sample sizes, dates or categories.

The whole file is read and checked before anything is stored (``kernel.tabular`` refuses a wrong encoding or a
broken file). A column holding any number is a numeric column, and every other non-blank cell in it must be a number
too: ``7O.2`` or ``N/A`` among measurements is refused naming the cell (第 12 行 C 列 / row 12, column C), since the
file does not say what was meant. Columns with no number at all (operator, batch, defect type) are text columns.
Blank cells stay blank (columns of different lengths; smaller subgroups in the one-row-per-subgroup layout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhiliang.kernel import tabular
from zhiliang.kernel.errors import DomainError, invalid

MAX_CELLS = 1_000_000  # a stored dataset: about 20 MB of JSON; the CLI reads files of any size


def letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index: 0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_name(row: int, column: str) -> tuple[str, str]:
    """The cell as people name it, in Chinese and English."""
    return f"第 {row} 行 {column} 列", f"row {row}, column {column}"


def cell_error(code: str, row: int, column: str, zh: str, en: str) -> DomainError:
    """422 naming the file cell: ``field`` is ``file/<row>/<column>`` and the body carries ``row`` and ``column``."""
    where_zh, where_en = cell_name(row, column)
    return invalid(code, f"{where_zh}:{zh}", f"{where_en}: {en}", f"file/{row}/{column}", row=row, column=column)


@dataclass(frozen=True)
class Column:
    name: str
    letter: str
    kind: str  # number | text


@dataclass(frozen=True)
class Table:
    """A parsed upload: ``values[c][i]`` is the cell of column ``c`` on file row ``rows[i]`` (a float or None for a
    numeric column, a string or None for a text column). Wholly blank rows are skipped, so rows may have gaps."""

    columns: tuple[Column, ...]
    rows: tuple[int, ...]
    values: tuple[tuple[Any, ...], ...]

    def column(self, ref: str) -> int:
        """The index of the column named ``ref`` (its header, or its letter A, B …); 422 naming ``ref`` if none."""
        key = (ref or "").strip()
        for i, c in enumerate(self.columns):
            if c.name == key:
                return i
        for i, c in enumerate(self.columns):
            if c.letter == key.upper():
                return i
        names = "、".join(c.name for c in self.columns)
        raise invalid("tqm.column", f"文件中没有“{key}”列(现有列:{names})",
                      f"the file has no column {key!r} (columns: {', '.join(c.name for c in self.columns)})", "column")

    def to_doc(self) -> dict[str, Any]:
        return {"columns": [[c.name, c.letter, c.kind] for c in self.columns], "rows": list(self.rows),
                "values": [list(v) for v in self.values]}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Table:
        return cls(tuple(Column(*c) for c in doc["columns"]), tuple(doc["rows"]),
                   tuple(tuple(v) for v in doc["values"]))


def _number(text: str) -> float | None:
    try:
        value = float(text.replace("\u2212", "-"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _header(names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        name = name or letter(i)
        if name in out:
            raise cell_error("tqm.header", 1, letter(i), f"列名“{name}”重复", f"the column name {name!r} repeats")
        out.append(name)
    return out


def read_table(path: Path, *, max_cells: int | None = MAX_CELLS) -> Table:
    """Parse ``path`` into a :class:`Table`. Raises 400 for an unreadable file (``kernel.tabular``) and 422 naming
    the cell for a repeated column name, a non-numeric cell in a numeric column, or no data; with ``max_cells``, 422
    when the file is larger."""
    info = tabular.inspect(path)
    names = _header(info.header)
    width = len(names)
    if max_cells is not None and info.row_count * width > max_cells:
        raise invalid("tqm.too_large", f"数据超过 {max_cells:,} 个单元格,请拆分文件或使用命令行",
                      f"the data exceed {max_cells:,} cells; split the file or use the command line", "file")
    rows: list[int] = []
    cells: list[list[str]] = [[] for _ in range(width)]
    for number, raw in tabular.rows(info):
        row = [c.strip() for c in raw[:width]] + [""] * max(0, width - len(raw))
        if len(raw) > width and any(c.strip() for c in raw[width:]):
            extra = next(i for i in range(width, len(raw)) if raw[i].strip())
            raise cell_error("tqm.header", number, letter(extra), "该列没有列名", "this column has no header")
        if not any(row):
            continue
        rows.append(number)
        for c, text in enumerate(row):
            cells[c].append(text)
    if not rows:
        raise invalid("tqm.empty", "文件只有表头,没有数据", "the file has a header but no data", "file")
    columns, values = [], []
    for c, texts in enumerate(cells):
        numbers = [_number(t) if t else None for t in texts]
        if any(n is not None for n in numbers):
            for i, (t, n) in enumerate(zip(texts, numbers, strict=True)):
                if t and n is None:
                    raise cell_error("tqm.non_numeric", rows[i], letter(c),
                                     f"“{t[:40]}”不是数值(“{names[c]}”是数值列)",
                                     f"{t[:40]!r} is not a number (column {names[c]!r} holds numbers)")
            columns.append(Column(names[c], letter(c), "number"))
            values.append(tuple(numbers))
        else:
            columns.append(Column(names[c], letter(c), "text"))
            values.append(tuple(t or None for t in texts))
    return Table(tuple(columns), tuple(rows), tuple(values))
