"""Result types shared by every Shewhart chart, and the phase I revision loop.

A chart is evaluated in one of two phases (Montgomery §5.3.1, §6.2.1):

* **Phase I** — trial limits are estimated from the data themselves. Subgroups with an assignable cause are passed in
  ``exclude``: they are still plotted but no longer enter the estimates, which gives the revised limits.
* **Phase II** — new data are plotted against limits fixed in advance, from a phase I :class:`Baseline` or from
  standard values (``known=``).

Invariants of :class:`Chart`: every array has one entry per subgroup (the moving-range chart has NaN at index 0),
``lcl <= center <= ucl`` wherever the statistic is defined, and the arrays are read-only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import TqmInputError, check_indexes, require

__all__ = ["Baseline", "Chart", "ChartPair", "MIN_SUBGROUPS", "known_baseline", "make_chart", "revise"]

# The fewest subgroups (or individual values) from which trial limits are computed at all. Montgomery (§6.2.1)
# advises 20-25 for a trustworthy phase I; below 2 the estimators are undefined.
MIN_SUBGROUPS = 2


@dataclass(frozen=True)
class Baseline:
    """The in-control process a chart compares against: ``center`` is the mean (variables charts) or the
    nonconforming fraction p / nonconformities per unit c or u (attribute charts); ``sigma`` is the process standard
    deviation of one unit (for p: sqrt(p(1-p)); for c and u: sqrt of the rate)."""

    center: float
    sigma: float


@dataclass(frozen=True, eq=False)
class Chart:
    """One control chart: the plotted ``statistic`` and, per point, the ``center`` line, control limits, the
    standard error ``sigma`` of the statistic (for the zone rules in :mod:`.rules`) and the subgroup ``sizes``."""

    kind: str
    statistic: np.ndarray
    center: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    sigma: np.ndarray
    sizes: np.ndarray
    baseline: Baseline
    phase: int
    excluded: tuple[int, ...]
    nsigmas: float

    @property
    def beyond_limits(self) -> np.ndarray:
        """Indexes of the points above the UCL or below the LCL (NaN points never count). Cost: O(m)."""
        return np.flatnonzero((self.statistic > self.ucl) | (self.statistic < self.lcl))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and floats (NaN becomes None) for JSON."""

        def clean(a: np.ndarray) -> list[float | None]:
            return [None if math.isnan(v) else v for v in np.asarray(a, dtype=np.float64).tolist()]

        return {
            "kind": self.kind,
            "phase": self.phase,
            "nsigmas": self.nsigmas,
            "baseline": {"center": self.baseline.center, "sigma": self.baseline.sigma},
            "excluded": list(self.excluded),
            "statistic": clean(self.statistic),
            "center": clean(self.center),
            "lcl": clean(self.lcl),
            "ucl": clean(self.ucl),
            "sigma": clean(self.sigma),
            "sizes": clean(self.sizes),
            "beyond_limits": self.beyond_limits.tolist(),
        }


@dataclass(frozen=True, eq=False)
class ChartPair:
    """A location chart and its dispersion chart (X̄ with R or S; I with MR), sharing one baseline."""

    location: Chart
    dispersion: Chart

    @property
    def baseline(self) -> Baseline:
        return self.location.baseline


def _frozen(a: Any, m: int) -> np.ndarray:
    out = np.broadcast_to(np.asarray(a, dtype=np.float64), (m,))
    if out.base is None or out.flags.writeable:
        out = out.copy()
        out.flags.writeable = False
    return out


def make_chart(
    kind: str,
    statistic: np.ndarray,
    center: Any,
    se: Any,
    sizes: Any,
    baseline: Baseline,
    *,
    phase: int,
    excluded: np.ndarray,
    nsigmas: float,
    lower: float | None = 0.0,
    upper: Any = None,
) -> Chart:
    """Assemble a :class:`Chart` with limits ``center ± nsigmas·se``, the LCL clipped at ``lower`` (None: no clip)
    and the UCL at ``upper`` (a scalar or per-point array, or None). Scalars are broadcast without copying."""
    m = statistic.shape[0]
    center = np.asarray(center, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    lcl = center - nsigmas * se
    ucl = center + nsigmas * se
    if lower is not None:
        lcl = np.maximum(lcl, lower)
    if upper is not None:
        ucl = np.minimum(ucl, upper)
    stat = statistic if not statistic.flags.writeable else statistic.copy()
    stat.flags.writeable = False
    return Chart(
        kind=kind,
        statistic=stat,
        center=_frozen(center, m),
        lcl=_frozen(lcl, m),
        ucl=_frozen(ucl, m),
        sigma=_frozen(se, m),
        sizes=_frozen(sizes, m),
        baseline=baseline,
        phase=phase,
        excluded=tuple(int(i) for i in excluded),
        nsigmas=float(nsigmas),
    )


def check_nsigmas(nsigmas: float) -> float:
    """Validate the limit width (a positive finite number of standard errors)."""
    try:
        k = float(nsigmas)
    except (TypeError, ValueError):
        k = math.nan
    require(math.isfinite(k) and k > 0, "tqm.input.nsigmas", "nsigmas 必须为正数", "nsigmas must be positive",
            "nsigmas")
    return k


def known_baseline(known: Any, *, need_sigma: bool) -> Baseline:
    """A phase II baseline from ``known`` (a :class:`Baseline`, or a number for attribute charts); raises naming
    ``known.center`` / ``known.sigma`` when not finite or when sigma is not positive."""
    if not isinstance(known, Baseline):
        known = Baseline(center=float(known), sigma=math.nan)
    require(math.isfinite(known.center), "tqm.input.known", "已知中心值必须是有限数值",
            "the known center must be a finite number", "known.center")
    if need_sigma:
        require(math.isfinite(known.sigma) and known.sigma > 0, "tqm.input.known",
                "已知标准差必须是正数", "the known sigma must be a positive number", "known.sigma")
    return known


def keep_mask(exclude: Any, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(mask of subgroups that enter the estimates, sorted excluded indexes); raises if fewer than
    :data:`MIN_SUBGROUPS` remain."""
    excluded = check_indexes(exclude, m)
    keep = np.ones(m, dtype=bool)
    keep[excluded] = False
    kept = int(keep.sum())
    if kept < MIN_SUBGROUPS:
        raise TqmInputError(
            "tqm.input.too_few_subgroups",
            f"估计控制限至少需要 {MIN_SUBGROUPS} 个子组，剔除后只剩 {kept} 个",
            f"trial limits need at least {MIN_SUBGROUPS} subgroups; {kept} remain after exclusions",
            "subgroups",
        )
    return keep, excluded


def revise(
    chart_fn: Callable[..., ChartPair | Chart],
    data: Any,
    *,
    max_rounds: int = 20,
    **kwargs: Any,
) -> ChartPair | Chart:
    """Phase I revision: recompute trial limits, each round excluding every point beyond the limits of the current
    chart(s), until no included point is beyond them or ``max_rounds`` is reached (Montgomery §6.2.1 revises after
    removing points with assignable causes; this automates the common practice of treating every such point as one).

    ``chart_fn`` is any chart function of this package taking ``exclude=``; ``kwargs`` are passed on. Cost: at most
    ``max_rounds`` chart evaluations.
    """
    excluded = set(int(i) for i in kwargs.pop("exclude", ()))
    result = chart_fn(data, exclude=sorted(excluded), **kwargs)
    for _ in range(max_rounds):
        charts = (result.location, result.dispersion) if isinstance(result, ChartPair) else (result,)
        new = {int(i) for c in charts for i in c.beyond_limits} - excluded
        if not new:
            break
        excluded |= new
        result = chart_fn(data, exclude=sorted(excluded), **kwargs)
    return result
