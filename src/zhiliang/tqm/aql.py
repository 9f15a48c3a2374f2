"""Acceptance sampling by attributes per GB/T 2828.1-2012 / ISO 2859-1:1999: code letters, single sampling plans
under normal, tightened and reduced inspection, the switching rules over a sequence of lots, and OC curves.

Tables (``data/iso2859_1.json``) follow **ISO 2859-1:1999** (with Cor 1:2001 and Amd 1:2011), which GB/T 2828.1-2012
adopts identically: Table 1 (sample-size code letters), Table 2-A (normal) and Table 2-B (tightened); these equal
MIL-STD-105E / ANSI/ASQ Z1.4 Tables I, II-A and II-B. The **reduced** plans are MIL-STD-105E / ANSI/ASQ Z1.4
Table II-C, whose rejection number can exceed Ac + 1; ISO 2859-1:1999 Table 2-C (Re = Ac + 1) could not be verified
from a primary text, so the gap is kept and handled as in Z1.4: a lot with Ac < d < Re is accepted and normal
inspection is reinstated. Under plans with Re = Ac + 1 that case never arises, so the switching code is correct for
either table.

An arrow in a table means: use the first sampling plan below (``down``) or above (``up``) it in the same AQL column,
*including its sample size* (ISO 2859-1:1999 §10.2 / table notes). When the sample size reaches the lot size, every
item is inspected (:attr:`SamplingPlan.hundred_percent`).

Switching rules (ISO 2859-1:1999 §9.3; see docs/tqm.md for the text followed), applied to original inspection only:

* normal → tightened: 2 lots not accepted among 5 or fewer consecutive lots;
* tightened → normal: 5 consecutive lots accepted;
* normal → reduced: switching score >= 30, production steady, and reduced inspection approved by the responsible
  authority. The score starts at 0 on entering normal inspection; after each lot: if Ac >= 2, +3 when the lot would
  also have been accepted at the next tighter AQL (the plan one column to the left for the same code letter), else
  reset to 0; if Ac is 0 or 1, +2 when the lot is accepted, else reset to 0;
* reduced → normal: a lot not accepted, the gap case above, or production irregular;
* discontinuation: 5 lots not accepted, cumulatively, while on tightened inspection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

from .errors import TqmInputError, as_vector, require

__all__ = [
    "SEVERITIES", "LEVELS", "EDITION", "SamplingPlan", "LotRecord", "SwitchingRun",
    "code_letter", "plan", "oc_curve", "run_switching",
]

SEVERITIES = ("normal", "tightened", "reduced")
LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
EDITION = "ISO 2859-1:1999 / GB/T 2828.1-2012 (reduced plans: MIL-STD-105E / ANSI/ASQ Z1.4 Table II-C)"


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/iso2859_1.json").read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class SamplingPlan:
    """A resolved single sampling plan: ``code_letter`` is the letter asked for, ``plan_letter`` the row whose plan is
    used after following arrows; ``n`` items are drawn, the lot is accepted if at most ``ac`` are nonconforming and
    not accepted if ``re`` or more are."""

    code_letter: str
    plan_letter: str
    severity: str
    aql: str
    n: int
    ac: int
    re: int
    lot_size: int | None = None

    @property
    def hundred_percent(self) -> bool:
        """True when the sample size reaches the lot size, so every item is inspected."""
        return self.lot_size is not None and self.n >= self.lot_size

    def oc(self, p: Any, *, model: str | None = None) -> np.ndarray:
        """Probability of acceptance at quality ``p`` (see :func:`oc_curve`); the model defaults to binomial for
        AQL <= 10 (percent nonconforming) and Poisson above (nonconformities per 100 items)."""
        if model is None:
            model = "binomial" if float(self.aql) <= 10 else "poisson"
        return oc_curve(self.n, self.ac, p, model=model, lot_size=self.lot_size)


def _level(level: str) -> str:
    require(level in LEVELS, "tqm.input.inspection_level", f"检验水平 {level!r} 无效，可选 {', '.join(LEVELS)}",
            f"unknown inspection level {level!r}; choose from {', '.join(LEVELS)}", "level")
    return level


def _lot_size(lot_size: Any, where: str = "lot_size") -> int:
    ok = not isinstance(lot_size, bool) and isinstance(lot_size, (int, np.integer)) and lot_size >= 2
    require(ok, "tqm.input.lot_size", f"批量 {lot_size!r} 必须是不小于 2 的整数",
            f"lot size {lot_size!r} must be a whole number of at least 2", where)
    return int(lot_size)


def code_letter(lot_size: int, level: str = "II") -> str:
    """Sample-size code letter for ``lot_size`` at inspection ``level`` (ISO 2859-1:1999 Table 1)."""
    size, lv = _lot_size(lot_size), _level(level)
    t = _tables()
    for k, (lo, hi) in enumerate(t["lot_ranges"]):
        if lo <= size and (hi is None or size <= hi):
            return t["code_letters"][lv][k]
    raise AssertionError("lot ranges cover every size >= 2")  # pragma: no cover


def _aql_column(aql: Any) -> int:
    columns = _tables()["aql"]
    try:
        value = float(aql)
    except (TypeError, ValueError):
        value = math.nan
    for j, col in enumerate(columns):
        if math.isclose(value, float(col), rel_tol=1e-9):
            return j
    raise TqmInputError("tqm.input.aql", f"AQL {aql!r} 不在标准的优先系列中：{', '.join(columns)}",
                        f"AQL {aql!r} is not one of the standard's preferred values: {', '.join(columns)}", "aql")


def _resolve(severity: str, letter: str, column: int) -> tuple[str, int, int, int]:
    """Follow arrows from (letter, column) to a plan: (plan letter, n, Ac, Re). Cost: at most one pass down a column."""
    t = _tables()
    rows = list(t["tables"][severity])
    i = rows.index(letter)
    cell = t["tables"][severity][rows[i]][column]
    while isinstance(cell, str):
        i += 1 if cell == "down" else -1
        cell = t["tables"][severity][rows[i]][column]
    ac, re_ = cell
    return rows[i], int(t["sample_size"][severity][rows[i]]), int(ac), int(re_)


def plan(
    aql: Any,
    *,
    code: str | None = None,
    lot_size: int | None = None,
    level: str = "II",
    severity: str = "normal",
) -> SamplingPlan:
    """The single sampling plan for ``aql`` (e.g. ``"1.0"`` or ``0.65``) under ``severity``, for a code letter given
    directly (``code``) or looked up from ``lot_size`` and ``level``. Arrows are followed.

    Raises :class:`TqmInputError` for an AQL outside the preferred series, an unknown code letter, level or
    severity, or a lot size below 2.
    """
    require(severity in SEVERITIES, "tqm.input.severity", f"检验严格度 {severity!r} 无效",
            f"unknown severity {severity!r}; choose from {', '.join(SEVERITIES)}", "severity")
    size = None if lot_size is None else _lot_size(lot_size)
    if code is None:
        require(size is not None, "tqm.input.lot_size", "需要批量或样本量字码", "give lot_size or code", "lot_size")
        letter = code_letter(size, level)
    else:
        letter = str(code).upper()
        require(letter in _tables()["sample_size"]["normal"], "tqm.input.code_letter", f"样本量字码 {code!r} 无效",
                f"unknown sample-size code letter {code!r}", "code")
    column = _aql_column(aql)
    used, n, ac, re_ = _resolve(severity, letter, column)
    return SamplingPlan(letter, used, severity, _tables()["aql"][column], n, ac, re_, size)


def oc_curve(n: int, ac: int, p: Any, *, model: str = "binomial", lot_size: int | None = None) -> np.ndarray:
    """Probability of accepting a lot, P(D <= ac), for each quality level in ``p``:

    * ``binomial``: D ~ Bin(n, p), p the fraction nonconforming (ISO 2859-1 Table 10 for AQL <= 10);
    * ``poisson``: D ~ Poisson(n p), p nonconformities per item (AQL > 10, or as an approximation);
    * ``hypergeometric``: D drawn without replacement from a lot of ``lot_size`` with round(p · lot_size)
      nonconforming items (the exact type-A curve for an isolated lot).

    Vectorised over ``p``; raises :class:`TqmInputError` naming ``p/i`` for a value outside [0, 1] (binomial and
    hypergeometric) or below 0 (Poisson).
    """
    q = as_vector(np.atleast_1d(p), "p")
    upper_ok = q <= 1 if model != "poisson" else np.ones(q.size, bool)
    bad = np.flatnonzero((q < 0) | ~upper_ok)
    if bad.size:
        i = int(bad[0])
        raise TqmInputError("tqm.input.quality", f"质量水平 p/{i}={q[i]:g} 超出范围",
                            f"quality p/{i}={q[i]:g} is out of range", f"p/{i}")
    if model == "binomial":
        return stats.binom.cdf(ac, n, q)
    if model == "poisson":
        return stats.poisson.cdf(ac, n * q)
    if model == "hypergeometric":
        size = _lot_size(lot_size)
        require(n <= size, "tqm.input.lot_size", "样本量不能超过批量", "the sample size exceeds the lot size",
                "lot_size")
        return stats.hypergeom.cdf(ac, size, np.rint(q * size).astype(np.int64), n)
    raise TqmInputError("tqm.input.oc_model", f"未知的 OC 曲线模型 {model!r}",
                        f"unknown OC model {model!r}; choose binomial, poisson or hypergeometric", "model")


@dataclass(frozen=True)
class LotRecord:
    """One lot of a switching run: the plan it was inspected under, the outcome, the switching score after it, and
    the switch (``"normal->tightened"`` etc.) the lot triggered, if any."""

    index: int
    severity: str
    plan: SamplingPlan
    nonconforming: int
    accepted: bool
    switching_score: int
    switch: str | None


@dataclass(frozen=True)
class SwitchingRun:
    """The lots inspected, the severity for the next lot, and the index of the lot after which inspection was
    discontinued (None if it was not); lots after that one are not inspected."""

    lots: tuple[LotRecord, ...]
    next_severity: str
    discontinued_after: int | None


def _per_lot(value: Any, m: int, name: str) -> list[Any]:
    if isinstance(value, (list, tuple, np.ndarray)):
        require(len(value) == m, "tqm.input.length_mismatch", f"{name} 的个数与批数不一致",
                f"{name} must have one entry per lot", name)
        return list(value)
    return [value] * m


def run_switching(
    nonconforming: Sequence[int],
    *,
    aql: Any,
    lot_size: int | Sequence[int],
    level: str = "II",
    start: str = "normal",
    steady: bool | Sequence[bool] = True,
    reduced_allowed: bool = True,
) -> SwitchingRun:
    """Run the switching rules over consecutive lots on original inspection. ``nonconforming[i]`` is the number of
    nonconforming items (or nonconformities) found in lot i's sample; ``lot_size`` and ``steady`` (production at a
    steady rate) are one value or one per lot. Starts on ``start`` inspection (normal unless the responsible
    authority says otherwise).

    A Python loop over lots, which is inherently sequential; cost O(number of lots). Raises
    :class:`TqmInputError` naming the bad count (``nonconforming/i``) or parameter.
    """
    counts = as_vector(nonconforming, "nonconforming")
    bad = np.flatnonzero((counts < 0) | (counts != np.floor(counts)))
    if bad.size:
        i = int(bad[0])
        raise TqmInputError("tqm.input.negative_count", f"第 {i} 批的不合格数 {counts[i]:g} 必须是非负整数",
                            f"nonconforming/{i} = {counts[i]:g} must be a non-negative whole number",
                            f"nonconforming/{i}")
    require(start in SEVERITIES, "tqm.input.severity", f"起始严格度 {start!r} 无效", f"unknown start {start!r}",
            "start")
    m = counts.size
    sizes = [_lot_size(s, f"lot_size/{i}") for i, s in enumerate(_per_lot(lot_size, m, "lot_size"))]
    steadies = [bool(s) for s in _per_lot(steady, m, "steady")]
    column = _aql_column(aql)
    state = _State(start)
    records: list[LotRecord] = []
    for i in range(m):
        letter = code_letter(sizes[i], level)
        current = plan(aql, code=letter, lot_size=sizes[i], severity=state.severity)
        d = int(counts[i])
        severity = state.severity
        switch = state.step(current, d, steadies[i], reduced_allowed, _tighter_ac(letter, column))
        records.append(LotRecord(i, severity, current, d, d < current.re, state.last_score, switch))
        if state.severity == "discontinued":
            return SwitchingRun(tuple(records), "discontinued", i)
    return SwitchingRun(tuple(records), state.severity, None)


def _tighter_ac(letter: str, column: int) -> int | None:
    """Ac of the normal plan one AQL step tighter for the same code letter (None left of the first column)."""
    return None if column == 0 else _resolve("normal", letter, column - 1)[2]


class _State:
    """Mutable switching state; only :func:`run_switching` uses it."""

    def __init__(self, severity: str) -> None:
        self.severity = severity
        self.score = 0
        self.history: list[bool] = []  # acceptances since entering the current severity
        self.last_score = 0  # the score after the latest lot, before any reset by a switch

    def _enter(self, severity: str) -> str:
        switch = f"{self.severity}->{severity}"
        self.severity, self.score, self.history = severity, 0, []
        return switch

    def step(self, p: SamplingPlan, d: int, steady: bool, reduced_allowed: bool, tighter_ac: int | None) -> str | None:
        accepted = d <= p.ac
        self.last_score = 0
        if self.severity == "reduced":
            gap = p.ac < d < p.re
            return self._enter("normal") if (not accepted or gap or not steady) else None
        self.history.append(accepted)
        if self.severity == "tightened":
            if self.history.count(False) >= 5:
                return self._enter("discontinued")
            return self._enter("normal") if self.history[-5:] == [True] * 5 else None
        if self.history[-5:].count(False) >= 2:
            return self._enter("tightened")
        if p.ac >= 2:
            self.score = self.score + 3 if tighter_ac is not None and d <= tighter_ac else 0
        else:
            self.score = self.score + 2 if accepted else 0
        self.last_score = self.score
        if self.score >= 30 and steady and reduced_allowed:
            return self._enter("reduced")
        return None
