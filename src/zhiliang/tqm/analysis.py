"""One analysis of an uploaded table: pick the columns, shape them as the chart needs, run the statistics core, and
return a JSON-ready result (what is stored, rendered and reported). No I/O.

Errors of the core (:class:`~.errors.TqmInputError`, ``where`` such as ``subgroups/3/2`` or ``defectives/14``) are
turned into a 422 naming the file cell the value came from (第 12 行 C 列 / row 12, column C) or the parameter.
Shewhart location charts are checked against the chosen run rules (all eight Nelson rules by default); dispersion
charts against rule 1 only (points beyond the limits), since the zone rules assume a symmetric statistic.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhiliang.kernel.errors import DomainError, invalid
from zhiliang.tqm import attributes, charts, ewma_cusum, pareto, rules
from zhiliang.tqm.capability import capability
from zhiliang.tqm.errors import TqmInputError
from zhiliang.tqm.importing import Table, cell_error

VARIABLES = ("xbar-r", "xbar-s", "i-mr", "ewma", "cusum", "capability")
ATTRIBUTES = ("p", "np", "c", "u")
CHARTS = (*VARIABLES, *ATTRIBUTES, "pareto")
TITLES = {"xbar-r": ("均值-极差控制图", "X̄-R chart"), "xbar-s": ("均值-标准差控制图", "X̄-S chart"),
          "i-mr": ("单值-移动极差控制图", "I-MR chart"), "ewma": ("指数加权移动平均控制图", "EWMA chart"),
          "cusum": ("累积和控制图", "CUSUM chart"), "capability": ("过程能力分析", "Process capability"),
          "p": ("不合格品率控制图", "p chart"), "np": ("不合格品数控制图", "np chart"),
          "c": ("缺陷数控制图", "c chart"), "u": ("单位缺陷数控制图", "u chart"), "pareto": ("排列图", "Pareto chart")}
PANELS = {"xbar": ("均值", "X̄"), "r": ("极差", "R"), "s": ("标准差", "S"), "i": ("单值", "I"),
          "mr": ("移动极差", "MR"), "p": ("不合格品率", "p"), "np": ("不合格品数", "np"), "c": ("缺陷数", "c"),
          "u": ("单位缺陷数", "u"), "ewma": ("EWMA", "EWMA"), "cusum": ("累积和", "CUSUM")}
RULE_SETS = {"nelson": rules.NELSON, "we": rules.WESTERN_ELECTRIC}
FEW_SUBGROUPS = 20  # Montgomery §6.2.1: trial limits want 20-25 subgroups; fewer get a warning


@dataclass(frozen=True)
class Params:
    """What to chart: ``columns`` (names or letters; two or more = one row per subgroup), ``subgroup_column`` or
    ``subgroup_size`` to group a single column, sample sizes (``size_column`` or a constant ``size``) for p, np and
    u, specification limits for capability, ``category_column`` for Pareto."""

    chart: str
    columns: tuple[str, ...] = ()
    subgroup_column: str | None = None
    subgroup_size: int | None = None
    size_column: str | None = None
    size: float | None = None
    category_column: str | None = None
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    rules: str = "nelson"
    lam: float = 0.2
    k: float = 0.5
    h: float = 5.0

    def check(self) -> None:
        """422 naming the parameter: unknown chart or rule set, no column, a subgroup size below 2, specification
        limits in the wrong order."""
        if self.chart not in CHARTS:
            raise invalid("tqm.chart", f"未知的图形类型“{self.chart}”(可选:{'、'.join(CHARTS)})",
                          f"unknown chart type {self.chart!r} (choose from {', '.join(CHARTS)})", "chart")
        if self.rules not in RULE_SETS:
            raise invalid("tqm.rules", "判异规则只能是 nelson 或 we", "rules is nelson or we", "rules")
        if not self.columns and self.chart != "pareto":
            raise invalid("tqm.column", "请选择数据列", "choose the data column(s)", "columns")
        if self.subgroup_size is not None and self.subgroup_size < 2:
            raise invalid("tqm.subgroup_size", "子组大小至少为 2", "the subgroup size must be at least 2",
                          "subgroup_size")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise invalid("tqm.spec_limits", f"规格下限 LSL={self.lsl:g} 必须小于规格上限 USL={self.usl:g}",
                          f"the lower specification limit LSL={self.lsl:g} must be below USL={self.usl:g}", "lsl")


Cell = tuple[int, str]


class _Data:
    """Values picked from the table with the file cell of each, so a core error can name the cell."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cells: dict[str, Any] = {}
        self.labels: list[str] = []
        self.label_kind = ("子组", "subgroup")

    def numeric(self, ref: str, *, allow_gaps: bool = False) -> tuple[list[float | None], list[Cell], str]:
        c = self.table.column(ref)
        column = self.table.columns[c]
        if column.kind != "number":
            raise invalid("tqm.not_numeric", f"{column.letter} 列“{column.name}”不是数值列",
                          f"column {column.letter} ({column.name!r}) does not hold numbers", "columns")
        values = list(self.table.values[c])
        cells = [(r, column.letter) for r in self.table.rows]
        if not allow_gaps:
            while values and values[-1] is None:
                values.pop()
            cells = cells[:len(values)]
            for v, (row, col) in zip(values, cells, strict=True):
                if v is None:
                    raise cell_error("tqm.empty_cell", row, col, "单元格为空", "the cell is empty")
        return values, cells, column.name

    def vector(self, ref: str, name: str) -> np.ndarray:
        values, cells, _ = self.numeric(ref)
        self.cells[name] = cells
        self.labels = [str(i + 1) for i in range(len(values))]
        return np.asarray(values, dtype=np.float64)

    def subgroups(self, p: Params) -> list[list[float]] | None:
        """Subgroups as lists (None for individual values), recording cells and labels."""
        if len(p.columns) >= 2:
            return self._wide(p.columns)
        values, cells, _ = self.numeric(p.columns[0])
        if p.subgroup_column:
            k = self.table.column(p.subgroup_column)
            keys = self.table.values[k][:len(values)]
            order: dict[Any, list[int]] = {}
            for i, key in enumerate(keys):
                if key is None:
                    row, col = self.table.rows[i], self.table.columns[k].letter
                    raise cell_error("tqm.empty_cell", row, col, "子组编号为空", "the subgroup key is empty")
                order.setdefault(key, []).append(i)
            groups = list(order.values())
            self.labels = [_label(key) for key in order]
        elif p.subgroup_size:
            n = p.subgroup_size
            groups = [list(range(i, min(i + n, len(values)))) for i in range(0, len(values), n)]
            self.labels = [str(i + 1) for i in range(len(groups))]
        else:
            self.cells["values"] = cells
            self.labels = [str(i + 1) for i in range(len(values))]
            return None
        self.cells["subgroups"] = [[cells[i] for i in g] for g in groups]
        return [[values[i] for i in g] for g in groups]

    def _wide(self, refs: Sequence[str]) -> list[list[float]]:
        picked = [self.numeric(ref, allow_gaps=True) for ref in refs]
        groups, cells, labels = [], [], []
        for i, row in enumerate(self.table.rows):
            present = [(vals[i], cs[i]) for vals, cs, _ in picked if vals[i] is not None]
            if present:
                groups.append([v for v, _ in present])
                cells.append([c for _, c in present])
                labels.append(str(row))
        self.cells["subgroups"] = cells
        self.labels, self.label_kind = labels, ("文件行号", "file row")
        return groups

    def locate(self, error: TqmInputError) -> DomainError:
        """The core's error as a 422 naming the file cell behind ``error.where`` (or the parameter)."""
        parts = (error.where or "").split("/")
        found: Any = self.cells.get(parts[0])
        try:
            for part in parts[1:]:
                found = found[int(part)]
            while found and isinstance(found, list):
                found = found[0]
        except (IndexError, ValueError, TypeError):
            found = None
        if isinstance(found, tuple) and len(parts) > 1:
            return cell_error(error.code, found[0], found[1], error.zh, error.en)
        return invalid(error.code, error.zh, error.en, error.where)


def _label(key: Any) -> str:
    return f"{key:g}" if isinstance(key, float) else str(key)


def _clean(a: Any) -> list[float | None]:
    return [None if math.isnan(v) else v for v in np.asarray(a, dtype=np.float64).tolist()]


def _panel(kind: str, statistic: Any, center: Any, lcl: Any, ucl: Any, violations: Any) -> dict[str, Any]:
    return {"kind": kind, "name": list(PANELS[kind]), "statistic": _clean(statistic), "center": _clean(center),
            "lcl": _clean(lcl), "ucl": _clean(ucl), "violations": [list(v) for v in violations]}


def _shewhart(kind: str, chart: Any, rule_set: tuple[str, ...]) -> dict[str, Any]:
    report = rules.check_chart(chart, rules=rule_set)
    return _panel(kind, chart.statistic, chart.center, chart.lcl, chart.ucl, report.violations)


def _sizes(data: _Data, p: Params, m: int) -> Any:
    if p.size_column:
        values, cells, _ = data.numeric(p.size_column)
        data.cells["sizes"] = cells
        return np.asarray(values, dtype=np.float64)
    if p.size is None:
        raise invalid("tqm.size", "请给出样本量(样本量列或固定样本量)",
                      "give the sample sizes (a column or a constant size)", "size")
    return p.size


def _variables(data: _Data, p: Params, rule_set: tuple[str, ...]) -> tuple[list[dict[str, Any]], Any, list[Any]]:
    groups = data.subgroups(p)
    warnings: list[Any] = []
    if p.chart in ("xbar-r", "ewma", "cusum") and groups is not None:
        _equal_sizes(data, groups, p.chart)
    if p.chart in ("xbar-r", "xbar-s") and groups is None:
        raise invalid("tqm.subgroups", "该图需要子组:请选择多列(每行一个子组)、子组列或子组大小",
                      "this chart needs subgroups: choose several columns (one row a subgroup), a subgroup column "
                      "or a subgroup size", "subgroup_size")
    source: Any = groups if groups is not None else data.vector(p.columns[0], "values")
    if p.chart in ("xbar-r", "ewma", "cusum") and groups is not None:
        source = np.asarray(groups, dtype=np.float64)
    m = len(source)
    if p.chart != "capability" and m < FEW_SUBGROUPS:
        warnings.append([f"只有 {m} 个子组(点);试验控制限宜基于 20–25 个子组",
                         f"only {m} subgroups (points); trial limits want 20–25 subgroups"])
    panels: list[dict[str, Any]] = []
    if p.chart in ("xbar-r", "xbar-s", "i-mr"):
        fn = {"xbar-r": charts.xbar_r, "xbar-s": charts.xbar_s, "i-mr": charts.individuals}[p.chart]
        pair = fn(source)
        kinds = {"xbar-r": ("xbar", "r"), "xbar-s": ("xbar", "s"), "i-mr": ("i", "mr")}[p.chart]
        panels = [_shewhart(kinds[0], pair.location, rule_set), _shewhart(kinds[1], pair.dispersion, ("N1",))]
    elif p.chart == "ewma":
        e = ewma_cusum.ewma(source, lam=p.lam)
        panels = [_panel("ewma", e.z, np.full(m, e.baseline.center), e.lcl, e.ucl,
                         [[int(i), "EWMA"] for i in e.signals])]
    elif p.chart == "cusum":
        c = ewma_cusum.cusum(source, k=p.k, h=p.h)
        signals = sorted({int(i) for i in c.signals_upper} | {int(i) for i in c.signals_lower})
        panels = [_panel("cusum", c.upper, np.zeros(m), -np.asarray(c.lower), np.full(m, c.h),
                         [[i, "CUSUM"] for i in signals])]
        panels[0]["lower"] = _clean(-np.asarray(c.lower))
        panels[0]["lcl"] = _clean(np.full(m, -c.h))
    cap = None
    if p.chart == "capability" or p.lsl is not None or p.usl is not None:
        cap = capability(source, lsl=p.lsl, usl=p.usl, target=p.target)
    return panels, cap, warnings


def _equal_sizes(data: _Data, groups: list[list[float]], chart: str) -> None:
    sizes = [len(g) for g in groups]
    for i, size in enumerate(sizes):
        if size != sizes[0]:
            row, col = data.cells["subgroups"][i][0]
            title = TITLES[chart]
            raise cell_error("tqm.unequal_subgroups", row, col,
                             f"子组 {data.labels[i]} 有 {size} 个值,而子组 {data.labels[0]} 有 {sizes[0]} 个;"
                             f"{title[0]}要求子组大小相同",
                             f"subgroup {data.labels[i]} has {size} values but subgroup {data.labels[0]} has "
                             f"{sizes[0]}; the {title[1]} needs subgroups of equal size")


def _attribute(data: _Data, p: Params, rule_set: tuple[str, ...]) -> list[dict[str, Any]]:
    name = "counts" if p.chart in ("c", "u") else "defectives"
    counts = data.vector(p.columns[0], name)
    if p.chart == "c":
        chart = attributes.c_chart(counts)
    else:
        sizes = _sizes(data, p, counts.size)
        fn = {"p": attributes.p_chart, "np": attributes.np_chart, "u": attributes.u_chart}[p.chart]
        chart = fn(counts, sizes)
    return [_shewhart(p.chart, chart, rule_set)]


def _pareto(data: _Data, p: Params) -> dict[str, Any]:
    ref = p.category_column or (p.columns[0] if p.columns else "")
    c = data.table.column(ref)
    keys = data.table.values[c]
    totals: dict[str, float] = {}
    if p.columns and p.category_column:
        counts, _, _ = data.numeric(p.columns[0], allow_gaps=True)
        for key, count in zip(keys, counts, strict=True):
            if key is not None and count is not None:
                totals[_label(key)] = totals.get(_label(key), 0.0) + count
    else:
        for key in keys:
            if key is not None:
                totals[_label(key)] = totals.get(_label(key), 0.0) + 1
    return pareto.pareto(totals).to_dict()


def analyse(table: Table, p: Params) -> dict[str, Any]:
    """Run the chart ``p`` asks for on ``table``. Returns the JSON-ready result: ``panels`` (one per chart: the
    statistic, centre line and limits per point, and the rule violations as ``[index, rule]``), ``labels`` (the
    subgroup of each point), ``capability``, ``pareto``, ``summary`` and ``warnings`` (zh, en). Raises 422 naming
    the file cell or the parameter at fault."""
    p.check()
    data = _Data(table)
    rule_set = RULE_SETS[p.rules]
    try:
        cap, chart_pareto, warnings = None, None, []
        if p.chart in VARIABLES:
            panels, cap, warnings = _variables(data, p, rule_set)
        elif p.chart in ATTRIBUTES:
            panels = _attribute(data, p, rule_set)
        else:
            panels, chart_pareto = [], _pareto(data, p)
    except TqmInputError as error:
        raise data.locate(error) from None
    return {"chart": p.chart, "title": list(TITLES[p.chart]), "params": dataclasses.asdict(p), "panels": panels,
            "labels": data.labels, "label_kind": list(data.label_kind), "capability": _capability_out(cap),
            "pareto": chart_pareto,
            "values": _histogram_values(data, p) if cap is not None else None,
            "summary": summary(panels, cap), "warnings": warnings, "rules": list(rule_set)}


def _histogram_values(data: _Data, p: Params) -> list[float]:
    values: list[float] = []
    for ref in p.columns:
        vals, _, _ = data.numeric(ref, allow_gaps=True)
        values.extend(v for v in vals if v is not None)
    return values


def _capability_out(cap: Any) -> dict[str, Any] | None:
    if cap is None:
        return None
    return dataclasses.asdict(cap)


def summary(panels: list[dict[str, Any]], cap: Any) -> list[list[Any]]:
    """Key figures as ``[zh, en, value]``: centre line and limits of each panel, points out of control, and the
    capability indices."""
    rows: list[list[Any]] = []
    for panel in panels:
        zh, en = panel["name"]
        center = next((c for c in panel["center"] if c is not None), None)
        rows.append([f"{zh} 中心线", f"{en} centre line", center])
        if panel["kind"] not in ("ewma", "cusum"):
            rows.append([f"{zh} 控制上限 UCL", f"{en} UCL", next((c for c in panel["ucl"] if c is not None), None)])
            rows.append([f"{zh} 控制下限 LCL", f"{en} LCL", next((c for c in panel["lcl"] if c is not None), None)])
        rows.append([f"{zh} 判异点数", f"{en} points signalling", len({v[0] for v in panel["violations"]})])
    if cap is not None:
        for key in ("cp", "cpk", "pp", "ppk"):
            index = getattr(cap, key)
            if index is not None:
                rows.append([key.capitalize(), key.capitalize(), index.value])
    return rows



def domain_error(error: TqmInputError) -> DomainError:
    """A core error about a parameter, as the 422 the API and pages give."""
    return invalid(error.code, error.zh, error.en, error.where)


def sampling(lot: int, level: str, aql: str, severity: str = "normal") -> dict[str, Any]:
    """The GB/T 2828.1 single sampling plan for a lot (arrows followed), with its OC curve: P(accept) at 41 quality
    levels from 0 to where acceptance becomes unlikely, and the qualities accepted 95 % and 10 % of the time. Raises
    422 naming ``lot``, ``level``, ``aql`` or ``severity``."""
    from zhiliang.tqm import aql as iso2859

    rename = {"lot_size": "lot", "code": "level"}
    try:
        plan = iso2859.plan(aql, lot_size=lot, level=level, severity=severity)
        top = min(1.0, (plan.ac + 4 * math.sqrt(plan.ac + 1) + 3) / plan.n)
        grid = np.linspace(0.0, top, 41)
        accept = plan.oc(grid)
        fine = np.linspace(0.0, top, 2001)
        fine_accept = plan.oc(fine)
    except TqmInputError as error:
        raise invalid(error.code, error.zh, error.en, rename.get(error.where or "", error.where)) from None
    per_hundred = float(plan.aql) > 10

    def quality_at(level_: float) -> float:
        return float(fine[np.argmax(fine_accept < level_)])

    return {"edition": iso2859.EDITION, "lot": lot, "level": level, "aql": plan.aql, "severity": severity,
            "code_letter": plan.code_letter, "plan_letter": plan.plan_letter, "n": plan.n, "ac": plan.ac,
            "re": plan.re, "hundred_percent": plan.hundred_percent,
            "quality_unit": "nonconformities per item" if per_hundred else "fraction nonconforming",
            "p95": quality_at(0.95), "p10": quality_at(0.10),
            "oc": [[round(float(p), 6), round(float(a), 6)] for p, a in zip(grid, accept, strict=True)]}
