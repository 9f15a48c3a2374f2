"""EWMA and tabular CUSUM charts (Montgomery §9.1-9.2; qcc's ``ewma`` and ``cusum``).

Both take either individual values (1-D) or subgroups of equal size n (2-D; the subgroup means are charted, with
standard error σ/√n). Without ``known`` the process mean and σ are estimated as the Shewhart charts do (x̿ and
R̄/d2 for subgroups, x̄ and MR̄/d2(2) for individuals), which is what qcc prints.

* EWMA: zᵢ = λ x̄ᵢ + (1 − λ) zᵢ₋₁, z₀ = μ0 (or ``start``); limits μ0 ± L σₓ √(λ/(2 − λ) (1 − (1 − λ)^(2i))).
  The recursion is a first-order linear filter (``scipy.signal.lfilter``): O(m), no Python loop.
* Tabular CUSUM on the standardised statistic yᵢ = (x̄ᵢ − μ0)/σₓ: C⁺ᵢ = max(0, yᵢ − k + C⁺ᵢ₋₁),
  C⁻ᵢ = max(0, −yᵢ − k + C⁻ᵢ₋₁), C₀ = ``headstart`` (FIR); a signal when C > h. Multiply by σₓ for Montgomery's
  units (K = kσ, H = hσ). The max(0, ·) recursion is Lindley's: Cᵢ = Sᵢ − min(−C₀, min_{j≤i} Sⱼ) with Sᵢ the
  cumulative sum of yⱼ − k, so it is vectorised with a running minimum. ``n_upper``/``n_lower`` count the periods
  since the CUSUM was last zero (Montgomery's N⁺, N⁻), for estimating the shifted mean μ0 + K + C⁺/N⁺.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from .charts import sigma_from_moving_ranges, sigma_from_ranges
from .errors import as_subgroups, as_vector, is_subgrouped, require
from .limits import Baseline, known_baseline

__all__ = ["EwmaResult", "CusumResult", "ewma", "cusum"]


@dataclass(frozen=True, eq=False)
class EwmaResult:
    """EWMA statistic ``z`` with per-point limits; ``signals`` are the indexes beyond them."""

    statistic: np.ndarray
    z: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    baseline: Baseline
    lam: float
    nsigmas: float
    size: int

    @property
    def signals(self) -> np.ndarray:
        return np.flatnonzero((self.z > self.ucl) | (self.z < self.lcl))


@dataclass(frozen=True, eq=False)
class CusumResult:
    """Upper and lower CUSUMs in standard-error units, with run counters and the points where either exceeds h."""

    statistic: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    n_upper: np.ndarray
    n_lower: np.ndarray
    baseline: Baseline
    k: float
    h: float
    size: int

    @property
    def signals_upper(self) -> np.ndarray:
        return np.flatnonzero(self.upper > self.h)

    @property
    def signals_lower(self) -> np.ndarray:
        return np.flatnonzero(self.lower > self.h)


def _statistic(data: Any, known: Baseline | None, tabulated: bool) -> tuple[np.ndarray, int, Baseline]:
    """Charted values, subgroup size and the baseline (estimated unless ``known``)."""
    if not is_subgrouped(data):
        x = as_vector(data, "values", min_len=2 if known is None else 1)
        n = 1
        if known is None:
            known = Baseline(float(x.mean()), sigma_from_moving_ranges(x, tabulated=tabulated))
    else:
        values, sizes = as_subgroups(data)
        require(values.ndim == 2, "tqm.input.unequal_subgroups", "EWMA/CUSUM 要求子组大小相同",
                "EWMA/CUSUM need subgroups of equal size", "subgroups")
        x, n = values.mean(axis=1), values.shape[1]
        if known is None:
            require(values.shape[0] >= 2 and n >= 2, "tqm.input.too_few_subgroups", "至少需要 2 个大小不小于 2 的子组",
                    "at least 2 subgroups of 2 or more values are needed", "subgroups")
            known = Baseline(float(x.mean()), sigma_from_ranges(values, tabulated=tabulated))
    base = known_baseline(known, need_sigma=True)
    return x, n, base


def ewma(
    data: Any,
    *,
    lam: float = 0.2,
    nsigmas: float = 3.0,
    known: Baseline | None = None,
    start: float | None = None,
    tabulated: bool = True,
) -> EwmaResult:
    """EWMA chart with smoothing ``lam`` (0 < λ <= 1) and limit width ``nsigmas`` (L). See the module docstring.

    Raises :class:`TqmInputError` naming ``lam`` or ``nsigmas`` when out of range, or the bad data cell.
    """
    require(0 < lam <= 1, "tqm.input.lambda", "λ 必须在 (0, 1] 之间", "lambda must lie in (0, 1]", "lam")
    require(nsigmas > 0, "tqm.input.nsigmas", "nsigmas 必须为正数", "nsigmas must be positive", "nsigmas")
    x, n, base = _statistic(data, known, tabulated)
    z0 = base.center if start is None else float(start)
    z, _ = signal.lfilter([lam], [1.0, lam - 1.0], x, zi=[(1.0 - lam) * z0])
    i = np.arange(1, x.size + 1)
    se = base.sigma / math.sqrt(n)
    half = nsigmas * se * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    return EwmaResult(x, z, base.center - half, base.center + half, base, float(lam), float(nsigmas), n)


def _lindley(steps: np.ndarray, start: float) -> np.ndarray:
    s = np.cumsum(steps)
    return s - np.minimum(np.minimum.accumulate(s), -start)


def _since_zero(c: np.ndarray) -> np.ndarray:
    idx = np.arange(c.size)
    return idx - np.maximum.accumulate(np.where(c > 0, -1, idx))


def cusum(
    data: Any,
    *,
    k: float = 0.5,
    h: float = 5.0,
    known: Baseline | None = None,
    headstart: float = 0.0,
    tabulated: bool = True,
) -> CusumResult:
    """Tabular CUSUM with reference value ``k`` and decision interval ``h`` (in standard errors; k = δ/2 detects a
    shift of δ σₓ). ``headstart`` is the FIR start value (0 <= headstart < h). See the module docstring.
    """
    require(k >= 0, "tqm.input.cusum_k", "k 不能为负", "k must not be negative", "k")
    require(h > 0, "tqm.input.cusum_h", "h 必须为正", "h must be positive", "h")
    require(0 <= headstart < h, "tqm.input.headstart", "起始值必须在 [0, h) 内", "headstart must lie in [0, h)",
            "headstart")
    x, n, base = _statistic(data, known, tabulated)
    y = (x - base.center) / (base.sigma / math.sqrt(n))
    upper = _lindley(y - k, headstart)
    lower = _lindley(-y - k, headstart)
    return CusumResult(x, upper, lower, _since_zero(upper), _since_zero(lower), base, float(k), float(h), n)
