"""Shewhart charts for variables: X̄-R, X̄-S and individuals with moving range (I-MR), phase I and phase II.

Formulas follow Montgomery, *Introduction to Statistical Quality Control* (§6.2-6.4), in the form R's qcc uses, so
that the limits qcc prints are reproduced (tests check pistonrings against them):

* X̄-R: σ̂ = R̄ / d2(n); X̄ limits x̿ ± k σ̂/√n; R chart centre d2 σ̂ (= R̄ in phase I), limits d2 σ̂ ± k d3 σ̂ with the
  LCL clipped at 0 (for k = 3 this is D3 R̄, D4 R̄).
* X̄-S (subgroup sizes may differ): for equal sizes σ̂ = S̄ / c4(n); for unequal sizes the minimum-variance weighted
  estimate σ̂ = Σ hᵢ sᵢ/c4(nᵢ) / Σ hᵢ, hᵢ = c4(nᵢ)²/(1 − c4(nᵢ)²) (qcc "UWAVE-SD"); x̿ = Σ nᵢ x̄ᵢ / Σ nᵢ;
  X̄ limits x̿ ± k σ̂/√nᵢ; S chart centre c4(nᵢ) σ̂, limits c4 σ̂ ± k σ̂ √(1 − c4²) (= B3 S̄, B4 S̄ for equal sizes).
* I-MR: moving ranges of span 2, σ̂ = MR̄ / d2(2); I limits x̄ ± k σ̂; MR chart as the R chart with n = 2. An
  excluded value also drops the two moving ranges it takes part in.

``tabulated=True`` (default) uses the 3-decimal d2 and qcc's d3 as the tables do (see :mod:`.constants`).
Every function is O(total number of values) in vectorised NumPy: a million subgroups of 5 take tens of milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .constants import c4, range_factors
from .errors import TqmInputError, as_subgroups, as_vector, require
from .limits import Baseline, ChartPair, check_nsigmas, keep_mask, known_baseline, make_chart

__all__ = ["xbar_r", "xbar_s", "individuals", "sigma_from_ranges", "sigma_from_moving_ranges"]


def _equal_subgroups(subgroups: Any, chart: str) -> np.ndarray:
    values, sizes = as_subgroups(subgroups)
    if values.ndim != 2:
        i = int(np.flatnonzero(sizes != sizes[0])[0])
        raise TqmInputError(
            "tqm.input.unequal_subgroups",
            f"{chart} 图要求子组大小相同：子组 0 有 {sizes[0]} 个值，子组 {i} 有 {sizes[i]} 个",
            f"the {chart} chart needs equal subgroup sizes: subgroup 0 has {sizes[0]} values, subgroup {i} has "
            f"{sizes[i]}",
            f"subgroups/{i}",
        )
    require(
        values.shape[1] >= 2,
        "tqm.input.subgroup_size",
        f"{chart} 图的子组大小至少为 2；单值数据请用单值-移动极差图",
        f"the {chart} chart needs subgroups of at least 2 values; use the individuals (I-MR) chart for single values",
        "subgroups",
    )
    return values


def _positive_sigma(sigma: float, what: str) -> float:
    require(
        math.isfinite(sigma) and sigma > 0,
        "tqm.input.degenerate",
        f"{what} 为零：所有子组内数据相同，无法确定控制限",
        f"{what} is zero: the data show no variation within subgroups, so no control limits exist",
        "subgroups",
    )
    return sigma


def sigma_from_ranges(values: np.ndarray, keep: np.ndarray | None = None, *, tabulated: bool = True) -> float:
    """σ̂ = R̄ / d2(n) over the kept rows of an (m, n) array. Cost: O(m n)."""
    ranges = values.max(axis=1) - values.min(axis=1)
    rbar = float(ranges.mean() if keep is None else ranges[keep].mean())
    return rbar / range_factors(values.shape[1], tabulated=tabulated)[0]


def sigma_from_moving_ranges(x: np.ndarray, keep: np.ndarray | None = None, *, tabulated: bool = True) -> float:
    """σ̂ = MR̄ / d2(2) from moving ranges of span 2, using only ranges whose two values are both kept."""
    mr = np.abs(np.diff(x))
    used = np.ones(mr.size, dtype=bool) if keep is None else (keep[1:] & keep[:-1])
    require(bool(used.any()), "tqm.input.too_few_subgroups", "没有可用的移动极差（至少需要两个相邻的保留值）",
            "no moving range is left (two adjacent kept values are needed)", "values")
    return float(mr[used].mean()) / range_factors(2, tabulated=tabulated)[0]


def xbar_r(
    subgroups: Any,
    *,
    known: Baseline | None = None,
    exclude: Any = (),
    nsigmas: float = 3.0,
    tabulated: bool = True,
) -> ChartPair:
    """X̄ and R charts for ``subgroups`` of equal size n >= 2 (a 2-D array is the fast path).

    Phase I (``known`` None): limits from the subgroups not in ``exclude``. Phase II: limits from ``known`` (a phase I
    ``.baseline`` or standard values μ, σ). Raises :class:`TqmInputError` for non-numeric cells, unequal sizes,
    n < 2, fewer than 2 kept subgroups, zero spread or a bad ``known``.
    """
    k = check_nsigmas(nsigmas)
    values = _equal_subgroups(subgroups, "X̄-R")
    m, n = values.shape
    means = values.mean(axis=1)
    ranges = values.max(axis=1) - values.min(axis=1)
    dd2, dd3 = range_factors(n, tabulated=tabulated)
    if known is None:
        keep, excluded = keep_mask(exclude, m)
        center = float(means[keep].mean())
        sigma = _positive_sigma(float(ranges[keep].mean()) / dd2, "R̄")
        phase = 1
    else:
        base = known_baseline(known, need_sigma=True)
        center, sigma, excluded, phase = base.center, base.sigma, np.empty(0, np.int64), 2
    baseline = Baseline(center, sigma)
    loc = make_chart("xbar", means, center, sigma / math.sqrt(n), n, baseline,
                     phase=phase, excluded=excluded, nsigmas=k, lower=None)
    disp = make_chart("R", ranges, dd2 * sigma, dd3 * sigma, n, baseline,
                      phase=phase, excluded=excluded, nsigmas=k)
    return ChartPair(loc, disp)


def _group_stats(values: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-subgroup means and sample standard deviations, for a 2-D array or flat values with ``sizes``."""
    if values.ndim == 2:
        return values.mean(axis=1), values.std(axis=1, ddof=1)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    means = np.add.reduceat(values, starts) / sizes
    dev = values - np.repeat(means, sizes)
    return means, np.sqrt(np.add.reduceat(dev * dev, starts) / (sizes - 1))


def xbar_s(
    subgroups: Any,
    *,
    known: Baseline | None = None,
    exclude: Any = (),
    nsigmas: float = 3.0,
) -> ChartPair:
    """X̄ and S charts; subgroup sizes may differ (each at least 2) and the limits then vary per subgroup.

    Phases and errors as :func:`xbar_r`; a subgroup of one value raises naming ``subgroups/i``.
    """
    k = check_nsigmas(nsigmas)
    values, sizes = as_subgroups(subgroups)
    small = np.flatnonzero(sizes < 2)
    if small.size:
        i = int(small[0])
        raise TqmInputError("tqm.input.subgroup_size", f"X̄-S 图的子组 {i} 只有 {sizes[i]} 个值，至少需要 2 个",
                            f"subgroup {i} of the X̄-S chart has {sizes[i]} value(s); at least 2 are needed",
                            f"subgroups/{i}")
    m = sizes.size
    means, sds = _group_stats(values, sizes)
    cc = c4(sizes.astype(np.float64))
    if known is None:
        keep, excluded = keep_mask(exclude, m)
        center = float(np.sum(means[keep] * sizes[keep]) / np.sum(sizes[keep]))
        if (sizes == sizes[0]).all():
            sigma = float(sds[keep].mean()) / float(cc[0])
        else:
            h = cc[keep] ** 2 / (1 - cc[keep] ** 2)
            sigma = float(np.sum(h * sds[keep] / cc[keep]) / np.sum(h))
        sigma = _positive_sigma(sigma, "S̄")
        phase = 1
    else:
        base = known_baseline(known, need_sigma=True)
        center, sigma, excluded, phase = base.center, base.sigma, np.empty(0, np.int64), 2
    baseline = Baseline(center, sigma)
    loc = make_chart("xbar", means, center, sigma / np.sqrt(sizes), sizes, baseline,
                     phase=phase, excluded=excluded, nsigmas=k, lower=None)
    disp = make_chart("S", sds, cc * sigma, sigma * np.sqrt(1 - cc * cc), sizes, baseline,
                      phase=phase, excluded=excluded, nsigmas=k)
    return ChartPair(loc, disp)


def individuals(
    values: Any,
    *,
    known: Baseline | None = None,
    exclude: Any = (),
    nsigmas: float = 3.0,
    tabulated: bool = True,
) -> ChartPair:
    """Individuals (I) and moving-range (MR, span 2) charts. The MR statistic at index 0 is NaN (no predecessor).

    Phases and errors as :func:`xbar_r`; needs at least 2 values.
    """
    k = check_nsigmas(nsigmas)
    x = as_vector(values, "values", min_len=2)
    m = x.size
    dd2, dd3 = range_factors(2, tabulated=tabulated)
    if known is None:
        keep, excluded = keep_mask(exclude, m)
        center = float(x[keep].mean())
        sigma = _positive_sigma(sigma_from_moving_ranges(x, keep, tabulated=tabulated), "MR̄")
        phase = 1
    else:
        base = known_baseline(known, need_sigma=True)
        center, sigma, excluded, phase = base.center, base.sigma, np.empty(0, np.int64), 2
    baseline = Baseline(center, sigma)
    mr = np.concatenate(([np.nan], np.abs(np.diff(x))))
    loc = make_chart("I", x, center, sigma, 1, baseline, phase=phase, excluded=excluded, nsigmas=k, lower=None)
    disp = make_chart("MR", mr, dd2 * sigma, dd3 * sigma, 2, baseline, phase=phase, excluded=excluded, nsigmas=k)
    return ChartPair(loc, disp)
