"""Pareto analysis: categories sorted by frequency with cumulative counts and percentages (Juran; Montgomery
§5.4; qcc ``pareto.chart``, whose printed table for its example the tests reproduce).

Categories are sorted by descending frequency; ties keep their input order (a stable sort), so the result is
deterministic. Percentages are of the total and are not rounded here (qcc prints them to 2 decimals). The "vital few"
are the leading categories needed for the cumulative percentage to reach ``threshold`` (80 % by default).
Cost: O(k log k) for k categories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import TqmInputError, as_vector, require

__all__ = ["ParetoRow", "Pareto", "pareto"]


@dataclass(frozen=True)
class ParetoRow:
    category: str
    freq: float
    cum_freq: float
    pct: float
    cum_pct: float


@dataclass(frozen=True)
class Pareto:
    """Rows in Pareto order, the total, and how many leading rows make up the vital few."""

    rows: tuple[ParetoRow, ...]
    total: float
    vital_few: int
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "threshold": self.threshold,
            "vital_few": self.vital_few,
            "rows": [vars(r) for r in self.rows],
        }


def pareto(
    counts: Mapping[str, float] | Sequence[float],
    categories: Sequence[str] | None = None,
    *,
    threshold: float = 80.0,
) -> Pareto:
    """Pareto table of ``counts`` (a mapping category → frequency, or frequencies with ``categories``).

    Raises :class:`TqmInputError` for a negative or non-numeric frequency (naming the category), duplicate or
    missing category names, an all-zero total, or ``threshold`` outside (0, 100].
    """
    if isinstance(counts, Mapping):
        names = [str(k) for k in counts]
        values = list(counts.values())
    else:
        require(categories is not None, "tqm.input.categories", "未提供类别名称", "category names are missing",
                "categories")
        names = [str(c) for c in categories]
        values = list(counts)
    require(len(names) == len(values), "tqm.input.length_mismatch", "类别与频数的个数不一致",
            "categories and counts differ in length", "categories")
    require(len(set(names)) == len(names), "tqm.input.duplicate_category", "类别名称重复",
            "category names repeat", "categories")
    require(0 < threshold <= 100, "tqm.input.threshold", "阈值必须在 (0, 100] 内", "threshold must lie in (0, 100]",
            "threshold")
    freq = as_vector(values, "counts")
    negative = np.flatnonzero(freq < 0)
    if negative.size:
        i = int(negative[0])
        raise TqmInputError("tqm.input.negative_count", f"类别 {names[i]!r} 的频数 {freq[i]:g} 为负",
                            f"category {names[i]!r} has a negative count {freq[i]:g}", f"counts/{names[i]}")
    total = float(freq.sum())
    require(total > 0, "tqm.input.degenerate", "频数总和为 0", "the counts sum to 0", "counts")
    order = np.argsort(-freq, kind="stable")
    f = freq[order]
    cum = np.cumsum(f)
    pct = 100 * f / total
    cum_pct = 100 * cum / total
    rows = tuple(
        ParetoRow(names[j], float(a), float(b), float(c), float(d))
        for j, a, b, c, d in zip(order.tolist(), f, cum, pct, cum_pct, strict=True)
    )
    vital = int(np.searchsorted(cum_pct, threshold - 1e-9) + 1)
    return Pareto(rows=rows, total=total, vital_few=min(vital, len(rows)), threshold=float(threshold))
