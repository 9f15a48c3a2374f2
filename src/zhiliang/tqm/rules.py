"""Run rules for control charts: Western Electric rules 1-4 and Nelson rules 1-8, each switchable.

Points are first standardised, z = (x − centre) / σ, where σ is the standard error of the plotted statistic at that
point (``Chart.sigma``), so the rules also work with limits that vary per point (p and u charts, X̄-S with unequal
sizes). Zone A is 2 < |z| <= 3, zone B 1 < |z| <= 2, zone C |z| <= 1. A point on the centre line (z = 0) is on
neither side, and NaN points (the first moving range) belong to no pattern: both break runs.

A violation is reported at the point that completes the pattern (as Minitab does), and every such point is reported.
For the "k of m" rules the reporting point must itself be one of the k; a partial window at the start of the series
counts (two points beyond 2σ at indexes 0 and 1 already violate WE2). The rules (Western Electric *Statistical
Quality Control Handbook*, 1956; L. S. Nelson, "The Shewhart control chart — tests for special causes", JQT 16(4),
1984; Montgomery §5.3.6):

====  ====================================================================================================
WE1   one point beyond 3σ                                   (same as N1)
WE2   2 of 3 consecutive points beyond 2σ on the same side  (same as N5)
WE3   4 of 5 consecutive points beyond 1σ on the same side  (same as N6)
WE4   8 consecutive points on the same side of the centre line
N2    9 consecutive points on the same side of the centre line
N3    6 consecutive points steadily increasing or decreasing (5 rises or 5 falls; a tie breaks the run)
N4    14 consecutive points alternating up and down (13 differences of alternating sign)
N7    15 consecutive points within 1σ, above and below the centre line (at least one on each side)
N8    8 consecutive points beyond 1σ, on both sides of the centre line (at least one on each side)
====  ====================================================================================================

N7 and N8 follow Nelson's wording ("above and below", "on both sides"); a series sitting exactly on the centre line
therefore violates nothing. Every rule is a handful of vectorised passes (run lengths from a running maximum of the
last breaking index, window counts from cumulative sums): O(m) time and memory, no Python loop per point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import TqmInputError, as_vector, require

__all__ = ["RULES", "WESTERN_ELECTRIC", "NELSON", "RuleReport", "check", "check_chart"]

RULES: dict[str, str] = {
    "WE1": "1 point beyond 3 sigma",
    "WE2": "2 of 3 points beyond 2 sigma, same side",
    "WE3": "4 of 5 points beyond 1 sigma, same side",
    "WE4": "8 points in a row on one side of the centre line",
    "N1": "1 point beyond 3 sigma",
    "N2": "9 points in a row on one side of the centre line",
    "N3": "6 points in a row steadily increasing or decreasing",
    "N4": "14 points in a row alternating up and down",
    "N5": "2 of 3 points beyond 2 sigma, same side",
    "N6": "4 of 5 points beyond 1 sigma, same side",
    "N7": "15 points in a row within 1 sigma, both sides",
    "N8": "8 points in a row beyond 1 sigma, both sides",
}
WESTERN_ELECTRIC = ("WE1", "WE2", "WE3", "WE4")
NELSON = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")


@dataclass(frozen=True, eq=False)
class RuleReport:
    """Violations found: ``flags[rule]`` is the sorted array of point indexes where ``rule`` fires."""

    rules: tuple[str, ...]
    flags: dict[str, np.ndarray]

    @property
    def violations(self) -> tuple[tuple[int, str], ...]:
        """Every (index, rule), ordered by index and then by the order of ``rules``."""
        pairs = [(int(i), r) for r in self.rules for i in self.flags[r]]
        order = {r: k for k, r in enumerate(self.rules)}
        return tuple(sorted(pairs, key=lambda p: (p[0], order[p[1]])))

    @property
    def points(self) -> np.ndarray:
        """Sorted unique indexes that violate at least one rule."""
        parts = [self.flags[r] for r in self.rules]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": list(self.rules), "violations": [list(v) for v in self.violations]}


def _run_length(b: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each index (0 where b is False)."""
    idx = np.arange(b.size)
    last_break = np.maximum.accumulate(np.where(b, -1, idx))
    return idx - last_break


def _window_count(b: np.ndarray, width: int) -> np.ndarray:
    """Number of True among the ``width`` points ending at each index (fewer at the start)."""
    c = np.concatenate(([0], np.cumsum(b, dtype=np.int64)))
    lo = np.maximum(np.arange(1, b.size + 1) - width, 0)
    return c[1:] - c[lo]


def _k_of_m(z: np.ndarray, level: float, k: int, m: int) -> np.ndarray:
    up, down = z > level, z < -level
    return (up & (_window_count(up, m) >= k)) | (down & (_window_count(down, m) >= k))


def _run_both_sides(inside: np.ndarray, z: np.ndarray, length: int) -> np.ndarray:
    full = _run_length(inside) >= length
    above = _window_count(z > 0, length) >= 1
    below = _window_count(z < 0, length) >= 1
    return full & above & below


def _same_side(z: np.ndarray, length: int) -> np.ndarray:
    return (_run_length(z > 0) >= length) | (_run_length(z < 0) >= length)


def _trend(x: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(x.size, dtype=bool)
    if x.size < 2:
        return out
    d = np.diff(x)
    out[1:] = (_run_length(d > 0) >= length - 1) | (_run_length(d < 0) >= length - 1)
    return out


def _alternating(x: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(x.size, dtype=bool)
    if x.size < 3:
        return out
    d = np.diff(x)
    turns = (d[1:] * d[:-1]) < 0  # turns[j]: the direction changes at point j + 1
    out[2:] = _run_length(turns) >= length - 2
    return out


def _evaluate(rule: str, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    if rule in ("WE1", "N1"):
        return np.abs(z) > 3
    if rule in ("WE2", "N5"):
        return _k_of_m(z, 2.0, 2, 3)
    if rule in ("WE3", "N6"):
        return _k_of_m(z, 1.0, 4, 5)
    if rule == "WE4":
        return _same_side(z, 8)
    if rule == "N2":
        return _same_side(z, 9)
    if rule == "N3":
        return _trend(x, 6)
    if rule == "N4":
        return _alternating(x, 14)
    if rule == "N7":
        return _run_both_sides(np.abs(z) < 1, z, 15)
    return _run_both_sides(np.abs(z) > 1, z, 8)  # N8


def _rule_list(rules: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(rules))
    for r in chosen:
        if r not in RULES:
            raise TqmInputError("tqm.input.rule", f"未知的判异规则 {r!r}；可选 {', '.join(RULES)}",
                                f"unknown run rule {r!r}; choose from {', '.join(RULES)}", "rules")
    return chosen


def check(values: Any, center: Any, sigma: Any, *, rules: Iterable[str] = NELSON) -> RuleReport:
    """Apply ``rules`` (ids from :data:`RULES`) to ``values`` with centre line ``center`` and standard error
    ``sigma`` (scalars or one per point). NaN values are allowed and match no pattern; ``sigma`` must be positive.

    Returns a :class:`RuleReport` listing every violating point for every rule. Cost: O(m) per rule.
    """
    chosen = _rule_list(rules)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        x = as_vector(values, "values")
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), x.shape)
    require(bool(np.all(s > 0)), "tqm.input.sigma", "标准差必须为正", "sigma must be positive", "sigma")
    z = (x - np.asarray(center, dtype=np.float64)) / s
    flags = {r: np.flatnonzero(_evaluate(r, x, z)) for r in chosen}
    return RuleReport(rules=chosen, flags=flags)


def check_chart(chart: Any, *, rules: Iterable[str] = NELSON) -> RuleReport:
    """:func:`check` on a :class:`~.limits.Chart` (its statistic, centre line and per-point standard error)."""
    return check(chart.statistic, chart.center, chart.sigma, rules=rules)
