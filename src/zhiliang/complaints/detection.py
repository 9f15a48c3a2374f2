"""Risk-signal detectors, pure: EWMA on a rate, tabular CUSUM on a rate, a Poisson test for a spike in counts,
and the proportional reporting ratio for a product × hazard pair. NumPy and SciPy; no I/O, no clock.

Each detector returns :class:`Signal` objects that say why they fired, with the numbers (the statistic, the limit,
the baseline), so a regulator can read a warning's reason rather than trust a black box. Parameters come from
configuration (``risk_*`` settings, passed in by the service); the defaults here are the references' usual ones.

References:

* EWMA for a proportion: S. W. Roberts (1959), "Control chart tests based on geometric moving averages",
  Technometrics 1:239–250; with the exact time-varying limits of J. M. Lucas & M. S. Saccucci (1990),
  Technometrics 32:1–12; binomial variance as in D. C. Montgomery, *Introduction to Statistical Quality Control*,
  §9.1 (λ = 0.2, L = 3 by default; a one-sided, upward chart on the failure or complaint rate).
* Tabular CUSUM: E. S. Page (1954), "Continuous inspection schemes", Biometrika 41:100–115; Montgomery §9.1
  (k = 0.5, h = 5 in standard units of the rate's binomial σ).
* Poisson spike: the exact one-sided test P(X ≥ x | λ) against a baseline mean λ from earlier periods, scaled by
  exposure (as in CDC's and FDA's count-based signal screening); α = 0.001 by default.
* PRR: S. J. W. Evans, P. C. Waller & S. Davis (2001), "Use of proportional reporting ratios (PRRs) for signal
  generation from spontaneous adverse drug reaction reports", Pharmacoepidemiology and Drug Safety 10:483–486 —
  PRR = [a/(a+b)] / [c/(c+d)], 95 % interval exp(ln PRR ± 1.96·√(1/a − 1/(a+b) + 1/c − 1/(c+d))); a signal when
  PRR ≥ 2, Yates χ² ≥ 4 and a ≥ 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Signal", "cusum_rate", "ewma_rate", "poisson_spike", "prr"]


@dataclass(frozen=True)
class Signal:
    """Why a detector fired: which method, at which period, the statistic against its limit, and the baseline."""

    method: str
    period: int  # index into the series (or -1 for a table such as PRR)
    statistic: float
    limit: float
    baseline: float
    details: dict[str, Any] = field(default_factory=dict)

    def explain(self) -> tuple[str, str]:
        """A sentence in Chinese and in English."""
        names = {"ewma": ("EWMA", "EWMA"), "cusum": ("CUSUM", "CUSUM"), "poisson": ("泊松检验", "Poisson test"),
                 "prr": ("比例报告比", "PRR")}
        zh, en = names[self.method]
        where = f"第 {self.period + 1} 期" if self.period >= 0 else ""
        return (f"{zh}{where}统计量 {self.statistic:.4g} 超过界限 {self.limit:.4g}(基线 {self.baseline:.4g})",
                f"{en} statistic {self.statistic:.4g} beyond its limit {self.limit:.4g}"
                + (f" in period {self.period + 1}" if self.period >= 0 else "") + f" (baseline {self.baseline:.4g})")


def _rates(events: Any, totals: Any) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.asarray(events, float), np.asarray(totals, float)
    if x.shape != n.shape or x.ndim != 1 or x.size == 0:
        raise ValueError("事件数与总数须为等长的一维序列 / events and totals must be 1-D series of equal length")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("每期须满足 0 ≤ 事件数 ≤ 总数 且总数 > 0 / each period needs 0 <= events <= totals, "
                         "totals > 0")
    return x, n


def _baseline_rate(x: np.ndarray, n: np.ndarray, baseline: float | None, warmup: int) -> float:
    if baseline is not None:
        if not 0 < baseline < 1:
            raise ValueError("基线比率须在 0 与 1 之间 / the baseline rate must lie strictly between 0 and 1")
        return float(baseline)
    if not 0 < warmup <= x.size:
        raise ValueError("基线期数须在 1 与序列长度之间 / warmup must be between 1 and the series length")
    p = float(x[:warmup].sum() / n[:warmup].sum())
    return min(max(p, 0.5 / n[:warmup].sum()), 1 - 0.5 / n[:warmup].sum())  # never exactly 0 or 1


def ewma_rate(events: Any, totals: Any, *, lam: float = 0.2, width: float = 3.0, baseline: float | None = None,
              warmup: int = 8) -> tuple[np.ndarray, np.ndarray, list[Signal]]:
    """Upward EWMA on a rate (failures per batch, complaints per unit of exposure): zₜ = λpₜ + (1−λ)zₜ₋₁ from
    z₀ = p₀, limit p₀ + L·σₜ with σₜ² = λ/(2−λ)·[1−(1−λ)^{2t}]·p₀(1−p₀)/n̄ₜ (nₜ varies: the period's own n).
    ``baseline`` p₀, else the rate over the first ``warmup`` periods. Returns (z, limits, signals); a signal at
    each period where z crosses the limit (the first of a run)."""
    x, n = _rates(events, totals)
    if not 0 < lam <= 1 or width <= 0:
        raise ValueError("λ 须在 (0, 1] 内且界限宽度为正 / lam must lie in (0, 1] and width be positive")
    p0 = _baseline_rate(x, n, baseline, warmup)
    p = x / n
    z = np.empty_like(p)
    previous = p0
    for t, value in enumerate(p):  # a recursion: each z needs the last (lfilter would do the same, no faster here)
        previous = lam * value + (1 - lam) * previous
        z[t] = previous
    t = np.arange(1, p.size + 1)
    sigma = np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)) * p0 * (1 - p0) / n)
    limits = p0 + width * sigma
    above = z > limits
    starts = np.flatnonzero(above & ~np.concatenate(([False], above[:-1])))
    return z, limits, [Signal("ewma", int(i), float(z[i]), float(limits[i]), p0, {"lambda": lam, "L": width})
                       for i in starts]


def cusum_rate(events: Any, totals: Any, *, k: float = 0.5, h: float = 5.0, baseline: float | None = None,
               warmup: int = 8) -> tuple[np.ndarray, list[Signal]]:
    """Upper tabular CUSUM on a rate in standard units: Cₜ = max(0, Cₜ₋₁ + (pₜ − p₀)/σₜ − k), σₜ = √(p₀(1−p₀)/nₜ);
    a signal when Cₜ > h, after which C restarts from 0 (Page 1954). Returns (C, signals)."""
    x, n = _rates(events, totals)
    if k < 0 or h <= 0:
        raise ValueError("k 须非负且 h 为正 / k must be >= 0 and h > 0")
    p0 = _baseline_rate(x, n, baseline, warmup)
    steps = (x / n - p0) / np.sqrt(p0 * (1 - p0) / n) - k
    c, total, signals = np.empty_like(steps), 0.0, []
    for t, step in enumerate(steps):
        total = max(0.0, total + step)
        c[t] = total
        if total > h:
            signals.append(Signal("cusum", t, total, h, p0, {"k": k, "h": h}))
            total = 0.0
    return c, signals


def poisson_spike(counts: Any, *, exposure: Any = None, window: int = 8, alpha: float = 0.001,
                  minimum: int = 3) -> list[Signal]:
    """Each period's count against the mean of the ``window`` periods before it (per unit of ``exposure``, e.g.
    units sold or enterprises, when given): a signal when P(X ≥ x | λ) < ``alpha`` and x ≥ ``minimum``. The first
    ``window`` periods only serve as baseline."""
    x = np.asarray(counts, float)
    e = np.ones_like(x) if exposure is None else np.asarray(exposure, float)
    if x.ndim != 1 or e.shape != x.shape or np.any(x < 0) or np.any(e <= 0):
        raise ValueError("计数须非负、暴露量须为正且等长 / counts must be >= 0 and exposure > 0, of equal length")
    if window < 1 or not 0 < alpha < 1:
        raise ValueError("窗口须 ≥ 1 且 0 < α < 1 / window >= 1 and 0 < alpha < 1")
    signals = []
    for t in range(window, x.size):
        rate = x[t - window:t].sum() / e[t - window:t].sum()
        expected = max(rate * e[t], 0.5 / window)  # a baseline of zeros still expects a little
        p = float(stats.poisson.sf(x[t] - 1, expected))
        if x[t] >= minimum and p < alpha:
            signals.append(Signal("poisson", t, float(x[t]), float(stats.poisson.isf(alpha, expected)), expected,
                                  {"p_value": p, "alpha": alpha, "window": window}))
    return signals


@dataclass(frozen=True)
class Prr:
    prr: float
    low: float
    high: float
    chi2: float
    signal: Signal | None


def prr(a: int, b: int, c: int, d: int, *, threshold: float = 2.0, chi2_min: float = 4.0,
        cases_min: int = 3) -> Prr:
    """PRR of a product × hazard pair from the 2×2 table — a: this product with this hazard, b: this product with
    other hazards, c: other products with this hazard, d: other products with other hazards — with its 95 %
    interval and Yates χ², and a signal by the criteria of Evans et al. (2001)."""
    if min(a, b, c, d) < 0 or a + b == 0 or c + d == 0:
        raise ValueError("四格表各格须非负,且每行至少一例 / cells must be >= 0 with at least one case per row")
    if a == 0 or c == 0:
        return Prr(0.0 if a == 0 else math.inf, 0.0, math.inf, 0.0, None)
    ratio = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    low, high = math.exp(math.log(ratio) - 1.959963984540054 * se), math.exp(math.log(ratio) + 1.959963984540054 * se)
    total = a + b + c + d
    chi2 = total * max(0.0, abs(a * d - b * c) - total / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    fired = ratio >= threshold and chi2 >= chi2_min and a >= cases_min
    signal = Signal("prr", -1, ratio, threshold, (c / (c + d)), {"low": low, "high": high, "chi2": chi2, "cases": a}) \
        if fired else None
    return Prr(ratio, low, high, chi2, signal)
