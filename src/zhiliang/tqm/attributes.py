"""Shewhart charts for attributes: p, np, c and u, phase I and phase II (Montgomery §7.2-7.3; qcc's limits).

* p (fraction nonconforming; sizes may vary): p̄ = Σdᵢ / Σnᵢ, limits p̄ ± k √(p̄(1 − p̄)/nᵢ) clipped to [0, 1].
* np (number nonconforming; equal sizes n): centre n p̄, limits n p̄ ± k √(n p̄ (1 − p̄)) clipped to [0, n].
* c (nonconformities per inspection unit of constant size): c̄ = mean count, limits c̄ ± k √c̄, LCL clipped at 0.
* u (nonconformities per unit; sizes nᵢ may vary, fractional inspection units allowed): uᵢ = cᵢ/nᵢ, ū = Σcᵢ / Σnᵢ,
  limits ū ± k √(ū/nᵢ), LCL clipped at 0.

Phase I estimates p̄, c̄ or ū from the samples not in ``exclude``; phase II takes it from ``known`` (a number or the
``.baseline`` of a phase I chart). Counts must be non-negative whole numbers, and a count of nonconforming units may
not exceed its sample size; each failure raises :class:`TqmInputError` naming the cell. Cost: O(m) NumPy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import TqmInputError, as_counts, as_sizes, require
from .limits import Baseline, Chart, check_nsigmas, keep_mask, known_baseline, make_chart

__all__ = ["p_chart", "np_chart", "c_chart", "u_chart"]


def _defectives(defectives: Any, sizes: Any) -> tuple[np.ndarray, np.ndarray]:
    d = as_counts(defectives, "defectives")
    n = as_sizes(sizes, d.size)
    over = np.flatnonzero(d > n)
    if over.size:
        i = int(over[0])
        raise TqmInputError(
            "tqm.input.count_exceeds_size",
            f"第 {i} 个样本的不合格品数 {d[i]:g} 超过样本量 {n[i]:g}",
            f"defectives/{i} = {d[i]:g} exceeds the sample size {n[i]:g}",
            f"defectives/{i}",
        )
    return d, n


def _rate(total: float, units: float, what: str, field: str) -> float:
    rate = total / units
    require(rate > 0, "tqm.input.degenerate", f"所有{what}均为 0，控制限退化为一点",
            f"every {field} is 0, so the control limits collapse to a point", field)
    return rate


def _phase(known: Any, exclude: Any, m: int) -> tuple[Baseline | None, np.ndarray, np.ndarray, int]:
    if known is None:
        keep, excluded = keep_mask(exclude, m)
        return None, keep, excluded, 1
    return known_baseline(known, need_sigma=False), np.ones(m, bool), np.empty(0, np.int64), 2


def _check_p(p: float) -> float:
    require(0 < p < 1, "tqm.input.known", "已知不合格品率必须在 0 与 1 之间", "the known fraction p must lie in (0, 1)",
            "known.center")
    return p


def _fraction_baseline(d: np.ndarray, n: np.ndarray, known: Any, exclude: Any) -> tuple[Baseline, Any, str]:
    """The fraction nonconforming p̄ (phase I, over the samples kept) or the known p (phase II), with σ = √(p(1−p))."""
    base, keep, excluded, phase = _phase(known, exclude, d.size)
    if base is None:
        p = _rate(float(d[keep].sum()), float(n[keep].sum()), "不合格品数", "defectives")
        require(p < 1, "tqm.input.degenerate", "所有样品均不合格，控制限退化", "every unit is nonconforming",
                "defectives")
    else:
        p = _check_p(base.center)
    return Baseline(p, math.sqrt(p * (1 - p))), excluded, phase


def p_chart(defectives: Any, sizes: Any, *, known: Any = None, exclude: Any = (), nsigmas: float = 3.0) -> Chart:
    """p chart of the fraction nonconforming dᵢ/nᵢ; ``sizes`` is one number or one per sample."""
    k = check_nsigmas(nsigmas)
    d, n = _defectives(defectives, sizes)
    baseline, excluded, phase = _fraction_baseline(d, n, known, exclude)
    p = baseline.center
    return make_chart("p", d / n, p, baseline.sigma / np.sqrt(n), n, baseline,
                      phase=phase, excluded=excluded, nsigmas=k, upper=1.0)


def np_chart(defectives: Any, size: Any, *, known: Any = None, exclude: Any = (), nsigmas: float = 3.0) -> Chart:
    """np chart of the number nonconforming; every sample must have the same size (else use :func:`p_chart`)."""
    k = check_nsigmas(nsigmas)
    d, n = _defectives(defectives, size)
    unequal = np.flatnonzero(n != n[0])
    if unequal.size:
        i = int(unequal[0])
        raise TqmInputError(
            "tqm.input.unequal_subgroups",
            f"np 图要求样本量相同：样本 0 为 {n[0]:g}，样本 {i} 为 {n[i]:g}；样本量不同请用 p 图",
            f"the np chart needs equal sample sizes: sample 0 has {n[0]:g}, sample {i} has {n[i]:g}; use a p chart",
            f"sizes/{i}",
        )
    baseline, excluded, phase = _fraction_baseline(d, n, known, exclude)
    p = baseline.center
    size0 = float(n[0])
    return make_chart("np", d, size0 * p, math.sqrt(size0) * baseline.sigma, n, baseline,
                      phase=phase, excluded=excluded, nsigmas=k, upper=size0)


def c_chart(counts: Any, *, known: Any = None, exclude: Any = (), nsigmas: float = 3.0) -> Chart:
    """c chart of nonconformities per inspection unit (the unit is the same for every sample)."""
    k = check_nsigmas(nsigmas)
    c = as_counts(counts, "counts")
    base, keep, excluded, phase = _phase(known, exclude, c.size)
    if base is None:
        cbar = _rate(float(c[keep].sum()), float(keep.sum()), "缺陷数", "counts")
    else:
        cbar = base.center
        require(cbar > 0, "tqm.input.known", "已知缺陷率必须为正", "the known rate c must be positive", "known.center")
    baseline = Baseline(cbar, math.sqrt(cbar))
    return make_chart("c", c, cbar, baseline.sigma, 1, baseline, phase=phase, excluded=excluded, nsigmas=k)


def u_chart(counts: Any, sizes: Any, *, known: Any = None, exclude: Any = (), nsigmas: float = 3.0) -> Chart:
    """u chart of nonconformities per unit cᵢ/nᵢ; ``sizes`` (inspection units, may be fractional) one or per sample."""
    k = check_nsigmas(nsigmas)
    c = as_counts(counts, "counts")
    n = as_sizes(sizes, c.size)
    base, keep, excluded, phase = _phase(known, exclude, c.size)
    if base is None:
        u = _rate(float(c[keep].sum()), float(n[keep].sum()), "缺陷数", "counts")
    else:
        u = base.center
        require(u > 0, "tqm.input.known", "已知单位缺陷数必须为正", "the known rate u must be positive", "known.center")
    baseline = Baseline(u, math.sqrt(u))
    return make_chart("u", c / n, u, baseline.sigma / np.sqrt(n), n, baseline,
                      phase=phase, excluded=excluded, nsigmas=k)
