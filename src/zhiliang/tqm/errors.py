"""Bad input to the statistics core, and the checks that raise it.

Every check here either returns a clean NumPy array or raises :class:`TqmInputError` naming the cell or parameter at
fault (``where``, a JSON-pointer-ish path such as ``subgroups/3/2`` or ``lsl``) in Chinese and English. The service
layer maps the error to HTTP 422. The fast path of each check is one vectorised conversion; only when it fails is
the input walked, to find the first offending cell, so good input costs O(n) NumPy work and no Python loop per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "TqmInputError",
    "as_vector",
    "as_subgroups",
    "as_counts",
    "as_sizes",
    "is_subgrouped",
    "check_indexes",
    "require",
]


class TqmInputError(ValueError):
    """Input the statistics cannot use. ``code`` is stable (``tqm.input.non_numeric``); ``where`` names the cell or
    parameter; ``zh`` and ``en`` are the messages shown to people."""

    def __init__(self, code: str, zh: str, en: str, where: str | None = None) -> None:
        super().__init__(f"{en} [{where}]" if where else en)
        self.code = code
        self.zh = zh
        self.en = en
        self.where = where


def require(ok: bool, code: str, zh: str, en: str, where: str | None = None) -> None:
    """Raise :class:`TqmInputError` unless ``ok``."""
    if not ok:
        raise TqmInputError(code, zh, en, where)


def _cell_error(where: str, value: Any) -> TqmInputError:
    return TqmInputError(
        "tqm.input.non_numeric",
        f"单元格 {where} 的值 {value!r} 不是有限的数值",
        f"cell {where} holds {value!r}, which is not a finite number",
        where,
    )


def _first_bad_cell(values: Sequence[Any], name: str) -> TqmInputError:
    """Walk ``values`` (error path only) to the first cell that is not a finite number."""
    for i, v in enumerate(values):
        try:
            f = float(v)
        except (TypeError, ValueError):
            return _cell_error(f"{name}/{i}", v)
        if not np.isfinite(f):
            return _cell_error(f"{name}/{i}", v)
    return _cell_error(name, values)


def as_vector(values: Any, name: str, *, min_len: int = 1) -> np.ndarray:
    """``values`` as a 1-D float64 array of finite numbers with at least ``min_len`` entries.

    Raises :class:`TqmInputError` naming the first non-numeric, NaN or infinite cell, or ``name`` if too short.
    Numeric strings such as ``"74.03"`` (as spreadsheets deliver them) are accepted; booleans are not.
    """
    arr = _to_float(values, name)
    require(arr.ndim == 1, "tqm.input.shape", f"{name} 应为一维数列", f"{name} must be a one-dimensional sequence",
            name)
    if not np.isfinite(arr).all():
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise _cell_error(f"{name}/{i}", float(arr[i]))
    require(
        arr.size >= min_len,
        "tqm.input.too_few",
        f"{name} 至少需要 {min_len} 个值，实际 {arr.size} 个",
        f"{name} needs at least {min_len} values, got {arr.size}",
        name,
    )
    return arr


def _to_float(values: Any, name: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=False)
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        raise TqmInputError(
            "tqm.input.shape", f"{name} 应为数列", f"{name} must be a sequence of numbers", name
        )
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _first_bad_cell(list(values), name) from None
    return arr


def as_subgroups(data: Any, name: str = "subgroups") -> tuple[np.ndarray, np.ndarray]:
    """Subgroup data as ``(values, sizes)``: ``values`` 2-D ``(m, n)`` when all subgroups have the same size (the fast
    path: pass a 2-D array), otherwise the flat concatenation; ``sizes`` the ``m`` subgroup sizes.

    Raises :class:`TqmInputError` naming the cell (``subgroups/3/2``) that is not a finite number or the subgroup
    (``subgroups/3``) that is empty. Cost: one conversion for a 2-D array; one per subgroup when ragged.
    """
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind in "fiu":
        arr = data.astype(np.float64, copy=False)
        if not np.isfinite(arr).all():
            i, j = (int(k[0]) for k in np.nonzero(~np.isfinite(arr)))
            raise _cell_error(f"{name}/{i}/{j}", arr[i, j])
        require(arr.shape[1] >= 1, "tqm.input.empty_subgroup", f"{name} 的子组为空", f"{name} has empty subgroups",
                name)
        return arr, np.full(arr.shape[0], arr.shape[1], dtype=np.int64)
    require(
        not isinstance(data, (str, bytes)) and hasattr(data, "__len__"),
        "tqm.input.shape", f"{name} 应为子组的列表", f"{name} must be a list of subgroups", name,
    )
    rows = [as_vector(row, f"{name}/{i}") if np.ndim(row) else _scalar_row(row, f"{name}/{i}")
            for i, row in enumerate(data)]
    sizes = np.array([r.size for r in rows], dtype=np.int64)
    if sizes.size and (sizes == sizes[0]).all():
        return np.vstack(rows), sizes
    return (np.concatenate(rows) if rows else np.empty(0)), sizes


def is_subgrouped(data: Any) -> bool:
    """True when ``data`` is a 2-D array or a list whose first item is itself a sequence (subgroups), False for a
    flat sequence of values. Looks at the first item only, so it is O(1)."""
    if isinstance(data, np.ndarray):
        return data.ndim == 2
    try:
        first = data[0]
    except (TypeError, IndexError, KeyError):
        return False
    return isinstance(first, (Sequence, np.ndarray)) and not isinstance(first, (str, bytes))


def _scalar_row(value: Any, where: str) -> np.ndarray:
    return as_vector([value], where)


def as_counts(values: Any, name: str, *, min_len: int = 1) -> np.ndarray:
    """Non-negative whole counts (nonconforming units, nonconformities) as float64.

    Raises :class:`TqmInputError` naming the first negative or fractional cell.
    """
    arr = as_vector(values, name, min_len=min_len)
    bad = np.flatnonzero((arr < 0) | (arr != np.floor(arr)))
    if bad.size:
        i = int(bad[0])
        raise TqmInputError(
            "tqm.input.negative_count" if arr[i] < 0 else "tqm.input.fractional_count",
            f"{name}/{i} 的计数 {arr[i]:g} 必须是非负整数",
            f"count {name}/{i} = {arr[i]:g} must be a non-negative whole number",
            f"{name}/{i}",
        )
    return arr


def as_sizes(sizes: Any, m: int, name: str = "sizes") -> np.ndarray:
    """Sample sizes (or numbers of inspection units) as a float64 array of length ``m``: a scalar is repeated.

    Raises :class:`TqmInputError` naming the first size that is not positive, or ``name`` when the length differs.
    """
    if np.ndim(sizes) == 0:
        arr = as_vector([sizes], name)
        arr = np.full(m, arr[0])
    else:
        arr = as_vector(sizes, name)
    require(
        arr.size == m,
        "tqm.input.length_mismatch",
        f"{name} 有 {arr.size} 个值，但数据有 {m} 个",
        f"{name} has {arr.size} values but the data has {m}",
        name,
    )
    bad = np.flatnonzero(arr <= 0)
    if bad.size:
        i = int(bad[0])
        raise TqmInputError(
            "tqm.input.nonpositive_size",
            f"{name}/{i} 的样本量 {arr[i]:g} 必须为正",
            f"size {name}/{i} = {arr[i]:g} must be positive",
            f"{name}/{i}",
        )
    return arr


def check_indexes(indexes: Any, m: int, name: str = "exclude") -> np.ndarray:
    """Indexes into ``m`` subgroups as a sorted unique int array; raises naming the first out-of-range index."""
    idx = np.unique(np.asarray(list(indexes), dtype=np.int64))
    if idx.size and (idx[0] < 0 or idx[-1] >= m):
        bad = int(idx[0] if idx[0] < 0 else idx[-1])
        raise TqmInputError(
            "tqm.input.bad_index",
            f"{name} 中的序号 {bad} 超出范围 0..{m - 1}",
            f"index {bad} in {name} is outside 0..{m - 1}",
            name,
        )
    return idx
